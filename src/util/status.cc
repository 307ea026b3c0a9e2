#include "util/status.h"

#include <cstring>

namespace flowdex {

Status Status::FromErrno(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return IoError(msg);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  const char* name = "";
  switch (code()) {
    case Code::kOk: name = "OK"; break;
    case Code::kNotFound: name = "not found"; break;
    case Code::kInvalidArgument: name = "invalid argument"; break;
    case Code::kCorruption: name = "corruption"; break;
    case Code::kIoError: name = "I/O error"; break;
    case Code::kCancelled: name = "cancelled"; break;
  }
  return std::string(name) + ": " + std::string(message());
}

}  // namespace flowdex
