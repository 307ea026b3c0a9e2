// Small string helpers shared across layers.
#pragma once

#include <string_view>

namespace flowdex {

// `s` without leading and trailing ASCII whitespace (space, tab, CR, LF).
inline std::string_view TrimAsciiWhitespace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace flowdex
