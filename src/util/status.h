// Status: the result of an operation that can fail, as a value (LevelDB style).
// An OK status carries no allocation; an error carries a code and a message
// meant for a person (it should name the file and offset or line involved).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace flowdex {

class Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kInvalidArgument,  // the caller's input is wrong (bad flag, bad format)
    kCorruption,       // stored or received bytes are damaged (bad gzip)
    kIoError,          // the operating system refused (open, read, write)
    kCancelled,        // stopped on request (Ctrl-C, shutdown)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IoError(std::string_view msg) { return Status(Code::kIoError, msg); }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }
  // An IoError whose message ends with strerror(err).
  static Status FromErrno(std::string_view context, int err);

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIoError() const { return code() == Code::kIoError; }
  bool IsCancelled() const { return code() == Code::kCancelled; }

  // The message alone ("" when OK).
  std::string_view message() const { return state_ ? std::string_view(state_->msg) : std::string_view(); }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  struct State {
    Code code;
    std::string msg;
  };
  Status(Code code, std::string_view msg) : state_(std::make_shared<State>(State{code, std::string(msg)})) {}
  std::shared_ptr<const State> state_;
};

}  // namespace flowdex
