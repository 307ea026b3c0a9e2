// Status: the result of an operation that can fail, as a value (LevelDB style).
// An OK status carries no allocation; an error carries a code and a message
// meant for a person (it should name the file and offset or line involved).
// Callers decide by the code, never by the message: the API maps codes to
// Elasticsearch's exception types and HTTP statuses in one table
// (src/api/es_exception.cc), so rewording a message changes no answer.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace flowdex {

class Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,           // what was named does not exist (a file, an index, a document)
    kInvalidArgument,    // the caller's input is wrong (bad flag, bad format, bad option)
    kCorruption,         // stored or received bytes are damaged (bad gzip, bad checksum)
    kIoError,            // the operating system refused (open, read, write)
    kCancelled,          // stopped on request (Ctrl-C, shutdown, a client gone)
    kAlreadyExists,      // a name is taken (an index, an alias, a source already stored)
    kInvalidName,        // a name breaks the naming rules (an index or alias name)
    kResourceExhausted,  // a memory bound would be exceeded (aggregation tables)
    kLimitExceeded,      // an answer would exceed a configured size bound (search.max_buckets)
    kQueryValue,         // a query value cannot be read for its field's type ("ssh" for a port)
    kDateValue,          // a date or date math expression cannot be read
    kUnsupported,        // valid, but flowdex does not do it (sorting on a derived field)
    kConflict,         // the state does not allow it now (a segment merged away, a directory locked by another process)
    kNoSpace,          // the disk is full (ENOSPC)
    kTimedOut,         // a deadline passed (a network call, a wait)
    kUnauthenticated,  // a peer or a caller could not be authenticated (an unverifiable TLS certificate)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IoError(std::string_view msg) { return Status(Code::kIoError, msg); }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  static Status InvalidName(std::string_view msg) { return Status(Code::kInvalidName, msg); }
  static Status ResourceExhausted(std::string_view msg) { return Status(Code::kResourceExhausted, msg); }
  static Status LimitExceeded(std::string_view msg) { return Status(Code::kLimitExceeded, msg); }
  static Status QueryValue(std::string_view msg) { return Status(Code::kQueryValue, msg); }
  static Status DateValue(std::string_view msg) { return Status(Code::kDateValue, msg); }
  static Status Unsupported(std::string_view msg) { return Status(Code::kUnsupported, msg); }
  static Status Conflict(std::string_view msg) { return Status(Code::kConflict, msg); }
  static Status NoSpace(std::string_view msg) { return Status(Code::kNoSpace, msg); }
  static Status TimedOut(std::string_view msg) { return Status(Code::kTimedOut, msg); }
  static Status Unauthenticated(std::string_view msg) { return Status(Code::kUnauthenticated, msg); }
  // An IoError (NoSpace for ENOSPC) whose message ends with strerror(err).
  static Status FromErrno(std::string_view context, int err);
  // The same code with `context` and ": " before the message.
  Status WithContext(std::string_view context) const;

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIoError() const { return code() == Code::kIoError; }
  bool IsCancelled() const { return code() == Code::kCancelled; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsNoSpace() const { return code() == Code::kNoSpace; }
  bool IsTimedOut() const { return code() == Code::kTimedOut; }
  bool IsUnsupported() const { return code() == Code::kUnsupported; }
  // The request itself is wrong (bad value, name, option; not the store or the machine).
  bool IsRequestError() const;

  // The message alone ("" when OK).
  std::string_view message() const { return state_ ? std::string_view(state_->msg) : std::string_view(); }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;
  // The code's name ("not found", "invalid argument", ...).
  static const char* CodeName(Code code);

 private:
  struct State {
    Code code;
    std::string msg;
  };
  Status(Code code, std::string_view msg) : state_(std::make_shared<State>(State{code, std::string(msg)})) {}
  std::shared_ptr<const State> state_;
};

}  // namespace flowdex
