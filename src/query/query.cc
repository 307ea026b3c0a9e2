#include "query/query.h"

#include <fmt/format.h>

namespace flowdex {

std::string QueryValue::ToString() const {
  switch (kind) {
    case Kind::kString: return text;
    case Kind::kInteger: return std::to_string(integer);
    case Kind::kDouble: return fmt::format("{}", number);
    case Kind::kBool: return boolean ? "true" : "false";
  }
  return text;
}

}  // namespace flowdex
