// Parquet's value and level encodings (Encodings.md of the format): the
// RLE / bit-packed hybrid (levels and dictionary indices), and the delta
// encodings of integers and byte arrays that version-2 writers choose.
// Decoders check every length against the bytes they were given: damaged
// input is Corruption, never a read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace flowdex::parquet {

// Reads values of `bit_width` bits (0..32) in the RLE / bit-packed hybrid.
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width);
  // Stores the next `n` values in out[0..n). Corruption when the data ends
  // first or a run is malformed.
  Status Get(uint32_t* out, size_t n);

 private:
  Status NextRun();
  const uint8_t* data_;
  const uint8_t* end_;
  int bit_width_;
  // The current run: `left` values; RLE repeats `value`, a bit-packed run
  // reads from `packed` at bit `bit`.
  bool packed_run_ = false;
  uint64_t left_ = 0;
  uint32_t value_ = 0;
  const uint8_t* packed_ = nullptr;
  uint64_t bit_ = 0;
};

// Decodes DELTA_BINARY_PACKED integers. *consumed is set to the bytes the
// encoding took (the values of a DELTA_LENGTH_BYTE_ARRAY follow them).
Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, std::vector<int64_t>* out, size_t* consumed);

// Decodes `count` PLAIN byte arrays (4-byte little-endian length, bytes);
// the views point into `data`.
Status DecodePlainByteArrays(const uint8_t* data, size_t size, size_t count, std::vector<std::string_view>* out);

// Decodes DELTA_LENGTH_BYTE_ARRAY; the views point into `data`.
Status DecodeDeltaLengthByteArrays(const uint8_t* data, size_t size, std::vector<std::string_view>* out);

// Decodes DELTA_BYTE_ARRAY (front coding). The values are rebuilt in
// *storage (appended; the views point into it, so it must not grow again
// while they are used: the function reserves what it needs first).
Status DecodeDeltaByteArrays(const uint8_t* data, size_t size, std::string* storage,
                             std::vector<std::string_view>* out);

// Reads an unsigned LEB128 varint; false when it runs past `end` or over 64 bits.
bool ReadUleb128(const uint8_t** p, const uint8_t* end, uint64_t* v);

}  // namespace flowdex::parquet
