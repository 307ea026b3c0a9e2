// A ByteSource over the fuzzer's input that hands it out in small, uneven
// reads, so every buffer boundary of the readers gets exercised.
#pragma once

#include <algorithm>
#include <cstring>

#include "io/byte_source.h"

namespace flowdex::fuzz {

class SpanSource final : public ByteSource {
 public:
  SpanSource(const uint8_t* data, size_t size, size_t stride) : data_(data), size_(size), stride_(stride) {}
  Status Read(uint8_t* buf, size_t cap, size_t* n) override {
    *n = std::min({cap, size_ - pos_, size_t{1 + pos_ % stride_}});
    std::memcpy(buf, data_ + pos_, *n);
    pos_ += *n;
    return Status::OK();
  }
  uint64_t bytes_consumed() const override { return pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t stride_;
  size_t pos_ = 0;
};

}  // namespace flowdex::fuzz
