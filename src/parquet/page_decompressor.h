// PageDecompressor: undoes a Parquet page's compression codec with Debian's
// libraries (snappy, libdeflate for GZIP, zstd).
#pragma once

#include <cstddef>
#include <cstdint>

#include "parquet/parquet_metadata.h"
#include "util/status.h"

namespace flowdex::parquet {

class PageDecompressor {
 public:
  PageDecompressor();
  ~PageDecompressor();
  PageDecompressor(const PageDecompressor&) = delete;
  PageDecompressor& operator=(const PageDecompressor&) = delete;

  // Decompresses `in` into exactly `out_size` bytes at `out`. Unsupported for
  // LZO, BROTLI and LZ4 (which AWS and the common writers do not use for
  // flow logs); Corruption when the data does not decompress to that size.
  Status Decompress(Codec codec, const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size);

 private:
  void* deflate_ = nullptr;  // libdeflate_decompressor*
  void* zstd_ = nullptr;     // ZSTD_DCtx*
};

}  // namespace flowdex::parquet
