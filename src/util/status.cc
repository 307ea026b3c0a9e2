#include "util/status.h"

#include <cerrno>
#include <cstring>

namespace flowdex {

Status Status::FromErrno(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return err == ENOSPC || err == EDQUOT ? NoSpace(msg) : IoError(msg);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message();
  return Status(code(), msg);
}

bool Status::IsRequestError() const {
  switch (code()) {
    case Code::kInvalidArgument:
    case Code::kInvalidName:
    case Code::kQueryValue:
    case Code::kDateValue:
    case Code::kUnsupported:
    case Code::kLimitExceeded:
    case Code::kAlreadyExists: return true;
    default: return false;
  }
}

const char* Status::CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "not found";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kCorruption: return "corruption";
    case Code::kIoError: return "I/O error";
    case Code::kCancelled: return "cancelled";
    case Code::kAlreadyExists: return "already exists";
    case Code::kInvalidName: return "invalid name";
    case Code::kResourceExhausted: return "resource exhausted";
    case Code::kLimitExceeded: return "limit exceeded";
    case Code::kQueryValue: return "bad query value";
    case Code::kDateValue: return "bad date";
    case Code::kUnsupported: return "unsupported";
    case Code::kConflict: return "conflict";
    case Code::kNoSpace: return "no space left";
    case Code::kTimedOut: return "timed out";
    case Code::kUnauthenticated: return "unauthenticated";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code())) + ": " + std::string(message());
}

}  // namespace flowdex
