// Owning handle for CRoaring bitmaps, and bulk loading from plain bits.
#pragma once

#include <roaring/roaring.h>

#include <cstdint>
#include <memory>

namespace flowdex {

struct RoaringDeleter {
  void operator()(roaring_bitmap_t* b) const { roaring_bitmap_free(b); }
};
using Bitmap = std::unique_ptr<roaring_bitmap_t, RoaringDeleter>;

inline Bitmap NewBitmap() { return Bitmap(roaring_bitmap_create()); }

// Adds to `rows` the value base + i for each set bit i of `bits` (bit i of
// word i/64, i < count; bits past `count` must be clear). `base` must be a
// multiple of 65,536 (one roaring container; a block of rows is one). Dense
// blocks go in as one bitset container, not value by value.
void AddBits(roaring_bitmap_t* rows, uint32_t base, const uint64_t* bits, uint32_t count);

}  // namespace flowdex
