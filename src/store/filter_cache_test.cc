#include "store/filter_cache.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

Bitmap Rows(std::initializer_list<uint32_t> rows) {
  Bitmap b = NewBitmap();
  for (uint32_t r : rows) roaring_bitmap_add(b.get(), r);
  return b;
}

TEST(FilterCache, CachesOnTheSecondUseAndServesPerReader) {
  FilterCache cache(1 << 20);
  const std::string key = "kw|a|1|1:x";
  EXPECT_FALSE(cache.WorthCaching(1, key)) << "a one-off filter is not kept";
  EXPECT_TRUE(cache.WorthCaching(1, key));
  cache.Insert(1, key, Rows({3, 5, 8}));
  auto hit = cache.Lookup(1, key);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(roaring_bitmap_get_cardinality(hit->get()), 3u);
  EXPECT_TRUE(roaring_bitmap_contains(hit->get(), 5));
  EXPECT_EQ(cache.Lookup(2, key), nullptr) << "another segment's reader";
  FilterCache off(0);
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.WorthCaching(1, key));
  EXPECT_FALSE(off.WorthCaching(1, key));
  off.Insert(1, key, Rows({1}));
  EXPECT_EQ(off.Lookup(1, key), nullptr);
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
