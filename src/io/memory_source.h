// MemorySource: bytes already in memory as a ByteSource (read front to back)
// that is also readable at any offset (random_access()).
#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include "io/byte_source.h"

namespace flowdex {

class MemorySource final : public ByteSource, private RandomAccessSource {
 public:
  // Views `bytes`, which must outlive the source.
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  // Owns `bytes`.
  explicit MemorySource(std::string&& bytes) : owned_(std::move(bytes)), bytes_(owned_) {}

  Status Read(uint8_t* buf, size_t capacity, size_t* n) override {
    *n = std::min(capacity, bytes_.size() - pos_);
    if (*n > 0) std::memcpy(buf, bytes_.data() + pos_, *n);
    pos_ += *n;
    return Status::OK();
  }
  uint64_t bytes_consumed() const override { return pos_; }
  RandomAccessSource* random_access() override { return this; }

 private:
  uint64_t size() const override { return bytes_.size(); }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* buf) override {
    if (offset > bytes_.size() || n > bytes_.size() - offset) return Status::Corruption("read past the end");
    if (n > 0) std::memcpy(buf, bytes_.data() + offset, n);
    return Status::OK();
  }

  std::string owned_;
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace flowdex
