#include "util/byte_size.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace flowdex {

Status ParseByteSize(std::string_view text, uint64_t* bytes) {
  auto bad = [&] {
    return Status::InvalidArgument("failed to parse [" + std::string(text) +
                                   "] as a byte size (a number and a unit: b, kb, mb, gb, tb or pb)");
  };
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  size_t unit_at = 0;
  while (unit_at < t.size() && (std::isdigit(static_cast<unsigned char>(t[unit_at])) || t[unit_at] == '.')) ++unit_at;
  if (unit_at == 0) return bad();
  double number = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + unit_at, number);
  if (ec != std::errc() || end != t.data() + unit_at) return bad();
  std::string_view rest = t.substr(unit_at);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::string unit;
  for (char c : rest) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();  // "gb" -> "g"
  int shift = 0;
  if (unit.empty() || unit == "b") {
    shift = 0;
  } else if (unit == "k") {
    shift = 10;
  } else if (unit == "m") {
    shift = 20;
  } else if (unit == "g") {
    shift = 30;
  } else if (unit == "t") {
    shift = 40;
  } else if (unit == "p") {
    shift = 50;
  } else {
    return bad();
  }
  const double value = std::ldexp(number, shift);
  if (!(value >= 0) || value >= std::ldexp(1.0, 63)) return bad();
  *bytes = static_cast<uint64_t>(std::llround(value));
  return Status::OK();
}

}  // namespace flowdex
