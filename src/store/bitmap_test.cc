#include "store/bitmap.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace flowdex {
namespace {

// Every density (empty, sparse arrays, dense bitsets, full), block-aligned
// and not, into empty and non-empty bitmaps: the same set as value by value.
TEST(Bitmap, AddBitsEqualsAddingEachValue) {
  std::mt19937_64 rng(3);
  const uint32_t densities[] = {0, 1, 50, 2000, 6000, 40000, 65535, 65536};
  for (int iter = 0; iter < 60; ++iter) {
    const uint32_t count = iter % 4 == 0 ? 65536 : 1 + static_cast<uint32_t>(rng() % 65536);
    const uint32_t want = std::min(count, densities[iter % std::size(densities)]);
    std::vector<uint64_t> bits((count + 63) / 64, 0);
    for (uint32_t k = 0; k < want; ++k) {
      const uint32_t i = want == count ? k : static_cast<uint32_t>(rng() % count);
      bits[i >> 6] |= uint64_t{1} << (i & 63);
    }
    const uint32_t base = iter % 5 == 0 ? 65536 * 3 + 100 : 65536 * static_cast<uint32_t>(rng() % 40);
    Bitmap got = NewBitmap(), expected = NewBitmap();
    if (iter % 2 == 0) {  // rows already there, in this block and others
      for (uint32_t v : {5u, base + 7, base + 65535, base + 200000}) {
        roaring_bitmap_add(got.get(), v);
        roaring_bitmap_add(expected.get(), v);
      }
    }
    AddBits(got.get(), base, bits.data(), count);
    for (uint32_t i = 0; i < count; ++i) {
      if ((bits[i >> 6] >> (i & 63)) & 1) roaring_bitmap_add(expected.get(), base + i);
    }
    ASSERT_TRUE(roaring_bitmap_equals(got.get(), expected.get()))
        << "count " << count << " set " << want << " base " << base << ": " << roaring_bitmap_get_cardinality(got.get())
        << " vs " << roaring_bitmap_get_cardinality(expected.get());
  }
}

}  // namespace
}  // namespace flowdex
