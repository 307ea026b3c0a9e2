// Owning handle for CRoaring bitmaps.
#pragma once

#include <roaring/roaring.h>
#include <memory>

namespace flowdex {

struct RoaringDeleter {
  void operator()(roaring_bitmap_t* b) const { roaring_bitmap_free(b); }
};
using Bitmap = std::unique_ptr<roaring_bitmap_t, RoaringDeleter>;

inline Bitmap NewBitmap() { return Bitmap(roaring_bitmap_create()); }

}  // namespace flowdex
