#include "parquet/parquet_encoding.h"

#include <cstring>

#include <fmt/format.h>

namespace flowdex::parquet {

namespace {

// Reads `width` bits (at most 64 of them spanning 9 bytes) at bit `bit` of
// `p`, least significant bit first, from a buffer of `bytes` bytes.
inline uint64_t ReadBits(const uint8_t* p, size_t bytes, uint64_t bit, int width) {
  uint64_t v = 0;
  int got = 0;
  size_t byte = bit >> 3;
  int shift = static_cast<int>(bit & 7);
  while (got < width && byte < bytes) {
    const int take = std::min(8 - shift, width - got);
    const uint64_t part = (static_cast<uint64_t>(p[byte]) >> shift) & ((uint64_t{1} << take) - 1);
    v |= part << got;
    got += take;
    shift = 0;
    ++byte;
  }
  return v;
}

// The fast path for widths up to 32: one unaligned 8-byte load when the
// buffer has room.
inline uint32_t ReadBits32(const uint8_t* p, size_t bytes, uint64_t bit, int width) {
  const size_t byte = bit >> 3;
  if (byte + 8 <= bytes) {
    uint64_t w;
    std::memcpy(&w, p + byte, 8);
    return static_cast<uint32_t>((w >> (bit & 7)) & ((uint64_t{1} << width) - 1));
  }
  return static_cast<uint32_t>(ReadBits(p, bytes, bit, width));
}

int64_t ZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

bool ReadUleb128(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    const uint8_t b = *(*p)++;
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

RleBitPackedDecoder::RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width)
    : data_(data), end_(data + size), bit_width_(bit_width) {}

Status RleBitPackedDecoder::NextRun() {
  uint64_t header = 0;
  if (!ReadUleb128(&data_, end_, &header)) return Status::Corruption("RLE/bit-packed data ends inside a run header");
  if (header & 1) {
    // (header >> 1) groups of 8 values, bit_width bits each: width bytes a group.
    const uint64_t groups = header >> 1;
    if (groups == 0 || groups > (uint64_t{1} << 40)) {
      return Status::Corruption("RLE/bit-packed data has an invalid bit-packed run");
    }
    // The last run of a page may be cut short after its last value: keep what is there.
    const uint64_t avail =
        std::min<uint64_t>(groups * static_cast<uint64_t>(bit_width_), static_cast<uint64_t>(end_ - data_));
    packed_run_ = true;
    packed_ = data_;
    bit_ = 0;
    left_ =
        bit_width_ == 0 ? groups * 8 : std::min<uint64_t>(groups * 8, avail * 8 / static_cast<uint64_t>(bit_width_));
    data_ += avail;
    if (left_ == 0) return Status::Corruption("RLE/bit-packed data ends inside a bit-packed run");
    return Status::OK();
  }
  const uint64_t count = header >> 1;
  const size_t width_bytes = static_cast<size_t>((bit_width_ + 7) / 8);
  if (width_bytes > static_cast<size_t>(end_ - data_))
    return Status::Corruption("RLE/bit-packed data ends inside a run");
  uint32_t v = 0;
  for (size_t i = 0; i < width_bytes; ++i) v |= static_cast<uint32_t>(data_[i]) << (8 * i);
  data_ += width_bytes;
  if (count == 0) return Status::Corruption("RLE/bit-packed data has an empty run");
  packed_run_ = false;
  value_ = v;
  left_ = count;
  return Status::OK();
}

Status RleBitPackedDecoder::Get(uint32_t* out, size_t n) {
  if (bit_width_ < 0 || bit_width_ > 32) return Status::Corruption(fmt::format("bit width {} is over 32", bit_width_));
  size_t done = 0;
  while (done < n) {
    if (left_ == 0) {
      Status s = NextRun();
      if (!s.ok()) return s;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(left_, n - done));
    if (packed_run_) {
      const size_t bytes = static_cast<size_t>(data_ - packed_);
      if (bit_width_ == 0) {
        std::memset(out + done, 0, take * sizeof(uint32_t));
      } else {
        for (size_t i = 0; i < take; ++i, bit_ += bit_width_)
          out[done + i] = ReadBits32(packed_, bytes, bit_, bit_width_);
      }
    } else {
      for (size_t i = 0; i < take; ++i) out[done + i] = value_;
    }
    left_ -= take;
    done += take;
  }
  return Status::OK();
}

Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, std::vector<int64_t>* out, size_t* consumed) {
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  uint64_t block_size = 0, miniblocks = 0, total = 0, first = 0;
  if (!ReadUleb128(&p, end, &block_size) || !ReadUleb128(&p, end, &miniblocks) || !ReadUleb128(&p, end, &total) ||
      !ReadUleb128(&p, end, &first)) {
    return Status::Corruption("DELTA_BINARY_PACKED header is cut off");
  }
  if (block_size == 0 || block_size % 128 != 0 || miniblocks == 0 || block_size % miniblocks != 0 ||
      (block_size / miniblocks) % 32 != 0 || block_size > (1u << 20)) {
    return Status::Corruption(
        fmt::format("DELTA_BINARY_PACKED header is invalid (block {}, {} miniblocks)", block_size, miniblocks));
  }
  // Every value takes at least a bit of the input, except in blocks of width 0.
  if (total > (uint64_t{1} << 31)) return Status::Corruption("DELTA_BINARY_PACKED claims too many values");
  const uint64_t per_miniblock = block_size / miniblocks;
  out->reserve(out->size() + total);
  int64_t value = ZigZag(first);
  if (total > 0) out->push_back(value);
  uint64_t left = total > 0 ? total - 1 : 0;
  while (left > 0) {
    uint64_t min_delta_raw = 0;
    if (!ReadUleb128(&p, end, &min_delta_raw)) return Status::Corruption("DELTA_BINARY_PACKED block is cut off");
    const int64_t min_delta = ZigZag(min_delta_raw);
    if (static_cast<uint64_t>(end - p) < miniblocks) return Status::Corruption("DELTA_BINARY_PACKED block is cut off");
    const uint8_t* widths = p;
    p += miniblocks;
    for (uint64_t m = 0; m < miniblocks && left > 0; ++m) {
      const int width = widths[m];
      if (width > 64) return Status::Corruption(fmt::format("DELTA_BINARY_PACKED bit width {} is over 64", width));
      const uint64_t bytes = per_miniblock * static_cast<uint64_t>(width) / 8;
      const uint64_t take = std::min(left, per_miniblock);
      // The last miniblock may be cut short after its last value.
      const uint64_t needed = (take * static_cast<uint64_t>(width) + 7) / 8;
      if (needed > static_cast<uint64_t>(end - p))
        return Status::Corruption("DELTA_BINARY_PACKED miniblock is cut off");
      const size_t avail = static_cast<size_t>(std::min<uint64_t>(bytes, static_cast<uint64_t>(end - p)));
      for (uint64_t i = 0; i < take; ++i) {
        const uint64_t delta = width == 0 ? 0 : ReadBits(p, avail, i * static_cast<uint64_t>(width), width);
        // Wrapping arithmetic, as the format specifies.
        value = static_cast<int64_t>(static_cast<uint64_t>(value) + static_cast<uint64_t>(min_delta) + delta);
        out->push_back(value);
      }
      left -= take;
      p += avail;
    }
  }
  *consumed = static_cast<size_t>(p - data);
  return Status::OK();
}

Status DecodePlainByteArrays(const uint8_t* data, size_t size, size_t count, std::vector<std::string_view>* out) {
  size_t pos = 0;
  for (size_t i = 0; i < count; ++i) {
    if (size - pos < 4) return Status::Corruption("PLAIN byte array values end early");
    uint32_t len;
    std::memcpy(&len, data + pos, 4);
    pos += 4;
    if (len > size - pos) return Status::Corruption("a PLAIN byte array runs past its page");
    out->emplace_back(reinterpret_cast<const char*>(data + pos), len);
    pos += len;
  }
  return Status::OK();
}

Status DecodeDeltaLengthByteArrays(const uint8_t* data, size_t size, std::vector<std::string_view>* out) {
  std::vector<int64_t> lengths;
  size_t used = 0;
  Status s = DecodeDeltaBinaryPacked(data, size, &lengths, &used);
  if (!s.ok()) return s;
  size_t pos = used;
  for (int64_t len : lengths) {
    if (len < 0 || static_cast<uint64_t>(len) > size - pos) {
      return Status::Corruption("a DELTA_LENGTH_BYTE_ARRAY value runs past its page");
    }
    out->emplace_back(reinterpret_cast<const char*>(data + pos), static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
  }
  return Status::OK();
}

Status DecodeDeltaByteArrays(const uint8_t* data, size_t size, std::string* storage,
                             std::vector<std::string_view>* out) {
  std::vector<int64_t> prefixes, suffixes;
  size_t used = 0;
  Status s = DecodeDeltaBinaryPacked(data, size, &prefixes, &used);
  if (!s.ok()) return s;
  size_t used2 = 0;
  s = DecodeDeltaBinaryPacked(data + used, size - used, &suffixes, &used2);
  if (!s.ok()) return s;
  if (prefixes.size() != suffixes.size()) return Status::Corruption("DELTA_BYTE_ARRAY prefix and suffix counts differ");
  size_t pos = used + used2;
  // Work out the total first so that *storage never reallocates under the views.
  uint64_t total = 0, prev = 0, suffix_bytes = 0;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (prefixes[i] < 0 || suffixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > prev) {
      return Status::Corruption("a DELTA_BYTE_ARRAY value has an invalid prefix length");
    }
    suffix_bytes += static_cast<uint64_t>(suffixes[i]);
    if (suffix_bytes > size - pos) return Status::Corruption("a DELTA_BYTE_ARRAY value runs past its page");
    prev = static_cast<uint64_t>(prefixes[i]) + static_cast<uint64_t>(suffixes[i]);
    total += prev;
    if (total > (uint64_t{1} << 31)) return Status::Corruption("DELTA_BYTE_ARRAY values are too large");
  }
  storage->reserve(storage->size() + total);
  const char* last = nullptr;
  size_t last_len = 0;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const size_t start = storage->size();
    if (prefixes[i] > 0) storage->append(last, static_cast<size_t>(prefixes[i]));
    storage->append(reinterpret_cast<const char*>(data + pos), static_cast<size_t>(suffixes[i]));
    pos += static_cast<size_t>(suffixes[i]);
    last = storage->data() + start;
    last_len = storage->size() - start;
    out->emplace_back(last, last_len);
  }
  return Status::OK();
}

}  // namespace flowdex::parquet
