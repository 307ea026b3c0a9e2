#include "parquet/page_decompressor.h"

#include <cstring>

#include <fmt/format.h>
#include <libdeflate.h>
#include <snappy.h>
#include <zstd.h>

namespace flowdex::parquet {

PageDecompressor::PageDecompressor() = default;

PageDecompressor::~PageDecompressor() {
  if (deflate_ != nullptr) libdeflate_free_decompressor(static_cast<libdeflate_decompressor*>(deflate_));
  if (zstd_ != nullptr) ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(zstd_));
}

Status PageDecompressor::Decompress(Codec codec, const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  auto wrong_size = [&](size_t got) {
    return Status::Corruption(
        fmt::format("{} page decompresses to {} bytes, its header says {}", CodecName(codec), got, out_size));
  };
  switch (codec) {
    case Codec::kUncompressed:
      if (in_size != out_size) return wrong_size(in_size);
      if (out_size > 0) std::memcpy(out, in, out_size);
      return Status::OK();
    case Codec::kSnappy: {
      size_t len = 0;
      const char* src = reinterpret_cast<const char*>(in);
      if (!snappy::GetUncompressedLength(src, in_size, &len)) return Status::Corruption("SNAPPY page is damaged");
      if (len != out_size) return wrong_size(len);
      if (!snappy::RawUncompress(src, in_size, reinterpret_cast<char*>(out))) {
        return Status::Corruption("SNAPPY page is damaged");
      }
      return Status::OK();
    }
    case Codec::kGzip: {
      if (deflate_ == nullptr) deflate_ = libdeflate_alloc_decompressor();
      auto* d = static_cast<libdeflate_decompressor*>(deflate_);
      size_t got = 0;
      libdeflate_result r;
      // The format says gzip (RFC 1952); a few old writers wrote zlib streams.
      if (in_size >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
        r = libdeflate_gzip_decompress(d, in, in_size, out, out_size, &got);
      } else {
        r = libdeflate_zlib_decompress(d, in, in_size, out, out_size, &got);
      }
      if (r == LIBDEFLATE_INSUFFICIENT_SPACE) return wrong_size(out_size + 1);
      if (r != LIBDEFLATE_SUCCESS) return Status::Corruption("GZIP page is damaged");
      if (got != out_size) return wrong_size(got);
      return Status::OK();
    }
    case Codec::kZstd: {
      if (zstd_ == nullptr) zstd_ = ZSTD_createDCtx();
      const size_t r = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(zstd_), out, out_size, in, in_size);
      if (ZSTD_isError(r)) return Status::Corruption(fmt::format("ZSTD page is damaged: {}", ZSTD_getErrorName(r)));
      if (r != out_size) return wrong_size(r);
      return Status::OK();
    }
    default:
      return Status::Unsupported(
          fmt::format("compression codec {} is not supported (use GZIP, SNAPPY, ZSTD or none)", CodecName(codec)));
  }
}

}  // namespace flowdex::parquet
