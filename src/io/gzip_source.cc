#include "io/gzip_source.h"

#include <isa-l/igzip_lib.h>
#include <cstring>

#include <fmt/format.h>

namespace flowdex {

namespace {
constexpr size_t kInputBufferSize = 256 * 1024;

const char* InflateErrorName(int ret) {
  switch (ret) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "gzip checksum mismatch";
    default: return "gzip decoding error";
  }
}
}  // namespace

GzipSource::GzipSource(ByteSource* input, std::string name)
    : input_(input), name_(std::move(name)), state_(std::make_unique<inflate_state>()), in_buf_(kInputBufferSize) {
  isal_inflate_init(state_.get());
}

GzipSource::~GzipSource() = default;

uint64_t GzipSource::InputOffset() const { return input_->bytes_consumed() - (in_end_ - in_begin_); }

Status GzipSource::Fail(const std::string& what) {
  error_ = Status::Corruption(fmt::format("{}: {} at compressed offset {}", name_, what, InputOffset()));
  return error_;
}

Status GzipSource::Fill() {
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
  } else if (in_begin_ > 0) {
    std::memmove(in_buf_.data(), in_buf_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  size_t got = 0;
  Status s = input_->Read(in_buf_.data() + in_end_, in_buf_.size() - in_end_, &got);
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  if (got == 0) eof_ = true;
  in_end_ += got;
  return Status::OK();
}

Status GzipSource::Read(uint8_t* buf, size_t capacity, size_t* n) {
  *n = 0;
  if (!error_.ok()) return error_;
  if (capacity == 0) return Status::OK();
  for (;;) {
    if (!in_member_) {
      // Between members: the stream ends, another member starts, or zero
      // padding runs to the end.
      if (in_end_ - in_begin_ < 2 && !eof_) {
        Status s = Fill();
        if (!s.ok()) return s;
        continue;
      }
      if (in_begin_ == in_end_) return Status::OK();  // clean end of stream
      if (members_ > 0 && in_buf_[in_begin_] == 0) {
        while (in_begin_ < in_end_ && in_buf_[in_begin_] == 0) ++in_begin_;
        if (in_begin_ < in_end_) return Fail("garbage after gzip member");
        if (eof_) return Status::OK();
        Status s = Fill();
        if (!s.ok()) return s;
        continue;
      }
      if (!LooksLikeGzip(in_buf_.data() + in_begin_, in_end_ - in_begin_)) {
        return Fail(members_ == 0 ? "not a gzip stream" : "garbage after gzip member");
      }
      isal_inflate_reset(state_.get());
      state_->crc_flag = ISAL_GZIP;
      in_member_ = true;
    }
    if (in_begin_ == in_end_ && !eof_) {
      Status s = Fill();
      if (!s.ok()) return s;
    }
    const size_t avail_before = in_end_ - in_begin_;
    state_->next_in = in_buf_.data() + in_begin_;
    state_->avail_in = static_cast<uint32_t>(avail_before);
    state_->next_out = buf;
    state_->avail_out = static_cast<uint32_t>(std::min<size_t>(capacity, UINT32_MAX));
    const int ret = isal_inflate(state_.get());
    const size_t produced = std::min<size_t>(capacity, UINT32_MAX) - state_->avail_out;
    in_begin_ = in_end_ - state_->avail_in;
    *n = produced;
    if (ret < 0) {
      Fail(InflateErrorName(ret));
      // Hand out what was decoded before the damage; the error comes next call.
      return produced > 0 ? Status::OK() : error_;
    }
    if (state_->block_state == ISAL_BLOCK_FINISH) {
      in_member_ = false;
      ++members_;
    } else if (produced == 0 && in_begin_ == in_end_ && eof_) {
      return Fail("truncated gzip stream");
    } else if (produced == 0 && state_->avail_in == avail_before && avail_before > 0) {
      // No progress on non-empty input with room for output: only possible on a
      // malformed stream; stop rather than spin.
      return Fail("gzip decoder made no progress");
    }
    if (produced > 0) return Status::OK();
  }
}

}  // namespace flowdex
