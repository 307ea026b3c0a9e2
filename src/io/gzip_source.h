// GzipSource: streaming gzip decompression (ISA-L's igzip) of another
// ByteSource, with bounded memory whatever the file size.
//
// Multi-member files (concatenated gzip streams) are read member after member.
// Trailing zero bytes after the last member are ignored, as gzip(1) does. Any
// damage (a truncated stream, a bad deflate block, a CRC or length mismatch,
// garbage after a member) is reported as a Corruption status naming the
// compressed offset, but only after every byte decoded before the damage has
// been returned, so callers keep all complete data in front of it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.h"

struct inflate_state;

namespace flowdex {

class GzipSource final : public ByteSource {
 public:
  // `input` must outlive this object. `name` is used in error messages.
  GzipSource(ByteSource* input, std::string name);
  ~GzipSource() override;
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Status Read(uint8_t* buf, size_t capacity, size_t* n) override;
  uint64_t bytes_consumed() const override { return input_->bytes_consumed(); }

  // Number of gzip members fully decoded so far.
  uint64_t members() const { return members_; }

  // True when the first bytes of a stream are the gzip magic number.
  static bool LooksLikeGzip(const uint8_t* data, size_t n) { return n >= 2 && data[0] == 0x1f && data[1] == 0x8b; }

 private:
  Status Fill();                 // reads more compressed input; sets eof_
  uint64_t InputOffset() const;  // compressed offset of the next unread input byte
  Status Fail(const std::string& what);

  ByteSource* input_;
  std::string name_;
  std::unique_ptr<inflate_state> state_;
  std::vector<uint8_t> in_buf_;
  size_t in_begin_ = 0;  // unread input is in_buf_[in_begin_, in_end_)
  size_t in_end_ = 0;
  bool eof_ = false;        // the input has no more bytes
  bool in_member_ = false;  // inside a gzip member (header seen, trailer not yet)
  uint64_t members_ = 0;
  Status error_;  // sticky error, returned once pending output is gone
};

}  // namespace flowdex
