// Little-endian fixed-width integers, varints and length-prefixed strings:
// the building blocks of flowdex's own on-disk formats (docs/format.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace flowdex {

// Appends encoded values to a string.
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void PutU8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void PutFixed32(uint32_t v) { PutRaw(&v, 4); }
  void PutFixed64(uint64_t v) { PutRaw(&v, 8); }
  // LEB128: 7 bits per byte, low bits first.
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  // Signed values zigzag-encoded, so small magnitudes stay short.
  void PutSignedVarint(int64_t v) { PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void PutString(std::string_view s) {
    PutVarint(s.size());
    out_->append(s);
  }
  void PutBytes(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }

 private:
  void PutRaw(const void* p, size_t n) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "on-disk integers are little-endian");
    out_->append(static_cast<const char*>(p), n);
  }
  std::string* out_;
};

// Reads what ByteWriter wrote. Every Get returns false, consuming nothing
// useful, when the input is too short or malformed; callers turn that into a
// Corruption status naming the file and offset.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool GetU8(uint8_t* v) {
    if (pos_ + 1 > in_.size()) return false;
    *v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool GetFixed32(uint32_t* v) { return GetRaw(v, 4); }
  bool GetFixed64(uint64_t* v) { return GetRaw(v, 8); }
  bool GetVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= in_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool GetSignedVarint(int64_t* v) {
    uint64_t u;
    if (!GetVarint(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool GetString(std::string_view* s) {
    uint64_t n;
    if (!GetVarint(&n) || n > in_.size() - pos_) return false;
    *s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool GetBytes(size_t n, std::string_view* s) {
    if (n > in_.size() - pos_) return false;
    *s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  bool GetRaw(void* v, size_t n) {
    if (pos_ + n > in_.size()) return false;
    std::memcpy(v, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace flowdex
