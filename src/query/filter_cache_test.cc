#include "query/filter_cache.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

Bitmap Rows(std::initializer_list<uint32_t> rows) {
  Bitmap b = NewBitmap();
  for (uint32_t r : rows) roaring_bitmap_add(b.get(), r);
  return b;
}

TEST(FilterCache, KeysTellLeavesApartAndRefuseTheClock) {
  const Query a = Query::Term("event.action", QueryValue::String("REJECT"));
  Query b = a;
  b.case_insensitive = true;
  const Query c = Query::Term("event.action", QueryValue::String("ACCEPT"));
  const Query port = Query::Term("destination.port", QueryValue::Integer(22));
  const Query port_text = Query::Term("destination.port", QueryValue::String("22"));
  EXPECT_FALSE(FilterCache::KeyOf(a).empty());
  EXPECT_EQ(FilterCache::KeyOf(a), FilterCache::KeyOf(Query::Term("event.action", QueryValue::String("REJECT"))));
  EXPECT_NE(FilterCache::KeyOf(a), FilterCache::KeyOf(b));
  EXPECT_NE(FilterCache::KeyOf(a), FilterCache::KeyOf(c));
  EXPECT_NE(FilterCache::KeyOf(port), FilterCache::KeyOf(port_text));
  Query recent = Query::Range("@timestamp");
  recent.gte = QueryValue::String("now-15m");
  EXPECT_EQ(FilterCache::KeyOf(recent), "") << "its rows change with the clock";
  Query fixed = Query::Range("@timestamp");
  fixed.gte = QueryValue::String("2026-11-27");
  EXPECT_NE(FilterCache::KeyOf(fixed), "");
  EXPECT_EQ(FilterCache::KeyOf(Query::MatchAll()), "") << "not a leaf worth caching";
}

TEST(FilterCache, CachesOnTheSecondUseAndServesPerReader) {
  FilterCache cache(1 << 20);
  const std::string key = FilterCache::KeyOf(Query::Term("a", QueryValue::String("x")));
  EXPECT_FALSE(cache.WorthCaching(1, key)) << "a one-off filter is not kept";
  EXPECT_TRUE(cache.WorthCaching(1, key));
  cache.Insert(1, key, Rows({3, 5, 8}));
  auto hit = cache.Lookup(1, key);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(roaring_bitmap_get_cardinality(hit->get()), 3u);
  EXPECT_TRUE(roaring_bitmap_contains(hit->get(), 5));
  EXPECT_EQ(cache.Lookup(2, key), nullptr) << "another segment's reader";
  cache.set_enabled(false);
  EXPECT_EQ(cache.Lookup(1, key), nullptr);
  EXPECT_FALSE(cache.WorthCaching(1, key));
}

std::string NumberedKey(int i) {
  std::string key = std::to_string(i);
  key.insert(0, 1, 'k');
  return key;
}

TEST(FilterCache, StaysWithinItsCapacity) {
  FilterCache cache(4096);
  for (int i = 0; i < 200; ++i) cache.Insert(1, NumberedKey(i), Rows({static_cast<uint32_t>(i)}));
  int kept = 0;
  for (int i = 0; i < 200; ++i) kept += cache.Lookup(1, NumberedKey(i)) != nullptr;
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 200);
  EXPECT_NE(cache.Lookup(1, NumberedKey(199)), nullptr) << "the most recent stays";
}

}  // namespace
}  // namespace flowdex
