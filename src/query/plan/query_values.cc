#include "query/plan/query_values.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "flowlog/ip_address.h"
#include "query/date_math.h"
#include "store/column_codec.h"

namespace flowdex {

bool ReadInteger(const QueryValue& v, Wide* out, bool* exact) {
  *exact = true;
  switch (v.kind) {
    case QueryValue::Kind::kInteger: *out = v.integer; return true;
    case QueryValue::Kind::kDouble:
      if (!std::isfinite(v.number)) return false;
      *exact = std::trunc(v.number) == v.number;
      *out = static_cast<Wide>(std::floor(v.number));
      return true;
    case QueryValue::Kind::kBool: return false;
    case QueryValue::Kind::kString: {
      if (v.text.empty()) return false;
      char* end = nullptr;
      errno = 0;
      const long long ll = std::strtoll(v.text.c_str(), &end, 10);
      if (end == v.text.c_str() + v.text.size() && errno != ERANGE) {
        *out = ll;
        return true;
      }
      errno = 0;
      const unsigned long long ull = std::strtoull(v.text.c_str(), &end, 10);
      if (v.text[0] != '-' && end == v.text.c_str() + v.text.size() && errno != ERANGE) {
        *out = static_cast<Wide>(ull);  // unsigned 64-bit values (byte counters)
        return true;
      }
      const double d = std::strtod(v.text.c_str(), &end);
      if (end != v.text.c_str() + v.text.size() || !std::isfinite(d)) return false;
      *exact = std::trunc(d) == d;
      *out = static_cast<Wide>(std::floor(d));
      return true;
    }
  }
  return false;
}

bool ReadDouble(const QueryValue& v, double* out) {
  switch (v.kind) {
    case QueryValue::Kind::kInteger: *out = static_cast<double>(v.integer); return true;
    case QueryValue::Kind::kDouble: *out = v.number; return true;
    case QueryValue::Kind::kBool: return false;
    case QueryValue::Kind::kString: {
      char* end = nullptr;
      *out = std::strtod(v.text.c_str(), &end);
      return !v.text.empty() && end == v.text.c_str() + v.text.size();
    }
  }
  return false;
}

bool ReadBool(const QueryValue& v, bool* out) {
  if (v.kind == QueryValue::Kind::kBool) return *out = v.boolean, true;
  if (v.kind == QueryValue::Kind::kString && (v.text == "true" || v.text == "false")) {
    return *out = v.text == "true", true;
  }
  return false;
}

bool ReadIpRange(const QueryValue& v, IpKey* lo, IpKey* hi) {
  if (v.kind != QueryValue::Kind::kString) return false;
  std::string_view text = v.text;
  int prefix = -1;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    const std::string bits(text.substr(slash + 1));
    char* end = nullptr;
    const long p = std::strtol(bits.c_str(), &end, 10);
    if (bits.empty() || end != bits.c_str() + bits.size() || p < 0) return false;
    prefix = static_cast<int>(p);
    text = text.substr(0, slash);
  }
  IpAddress ip;
  if (!ParseIpAddress(text, &ip)) return false;
  *lo = IpSortKey(ip);
  *hi = *lo;
  if (prefix >= 0) {
    const int bits = ip.is_v4() ? prefix + 96 : prefix;
    if (bits > 128 || (ip.is_v4() && prefix > 32)) return false;
    for (int b = bits; b < 128; ++b) {
      (*lo)[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
      (*hi)[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
    }
  }
  return true;
}

bool DateSpan(const std::string& text, const std::string& format, const std::string& time_zone, int64_t* from,
              int64_t* to) {
  DateFormat f;
  TimeZone tz;
  if ((!format.empty() && !DateFormat::Parse(format, &f).ok()) || !TimeZone::Parse(time_zone, &tz).ok()) return false;
  return f.Read(text, tz, false, from) && f.Read(text, tz, true, to);
}

}  // namespace flowdex
