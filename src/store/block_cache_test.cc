#include "store/block_cache.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

std::shared_ptr<const ColumnBlock> BlockOf(size_t values) {
  auto b = std::make_shared<ColumnBlock>();
  b->values.assign(values, 7);
  return b;
}

TEST(BlockCache, HitsMissesAndKeysByReaderColumnAndBlock) {
  BlockCache cache(1 << 20);
  EXPECT_EQ(cache.Lookup(1, 0, 0), nullptr);
  auto b = BlockOf(100);
  cache.Insert(1, 0, 0, b);
  EXPECT_EQ(cache.Lookup(1, 0, 0), b);
  EXPECT_EQ(cache.Lookup(2, 0, 0), nullptr) << "another reader";
  EXPECT_EQ(cache.Lookup(1, 1, 0), nullptr) << "another column";
  EXPECT_EQ(cache.Lookup(1, 0, 1), nullptr) << "another block";
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 4u);
  EXPECT_EQ(cache.bytes(), BlockCache::Charge(*b));
}

TEST(BlockCache, EvictsTheLeastRecentlyUsedToStayWithinCapacity) {
  const uint64_t one = BlockCache::Charge(*BlockOf(1000));
  BlockCache cache(3 * one);
  for (size_t block = 0; block < 3; ++block) cache.Insert(1, 0, block, BlockOf(1000));
  ASSERT_NE(cache.Lookup(1, 0, 0), nullptr);  // block 0 is now the most recent
  cache.Insert(1, 0, 3, BlockOf(1000));       // pushes out block 1
  EXPECT_NE(cache.Lookup(1, 0, 0), nullptr);
  EXPECT_EQ(cache.Lookup(1, 0, 1), nullptr);
  EXPECT_NE(cache.Lookup(1, 0, 2), nullptr);
  EXPECT_NE(cache.Lookup(1, 0, 3), nullptr);
  EXPECT_LE(cache.bytes(), cache.capacity());
  cache.Insert(1, 0, 9, BlockOf(100000));  // larger than the whole cache: not kept
  EXPECT_EQ(cache.Lookup(1, 0, 9), nullptr);
}

}  // namespace
}  // namespace flowdex
