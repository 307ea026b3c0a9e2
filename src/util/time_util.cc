#include "util/time_util.h"

#include <chrono>

#include <charconv>
#include <string>

namespace flowdex {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromSeconds(int64_t t) {
  int64_t days = t / 86400;
  int64_t rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  return c;
}

namespace {

inline void Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// Reads exactly `width` digits at s[*pos] into *out.
bool ReadDigits(std::string_view s, size_t* pos, int width, int* out) {
  if (*pos + width > s.size()) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += width;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

Status BadTime(std::string_view text) {
  return Status::InvalidArgument("cannot read time '" + std::string(text) +
                                 "': use Unix seconds, 2026-11-01T10:05:00Z, or now-24h");
}

}  // namespace

void FormatIso8601Millis(int64_t epoch_ms, char* out) {
  int64_t secs = epoch_ms / 1000;
  int ms = static_cast<int>(epoch_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  CivilTime c = CivilFromSeconds(secs);
  int y = static_cast<int>(c.year);
  out[0] = static_cast<char>('0' + y / 1000 % 10);
  out[1] = static_cast<char>('0' + y / 100 % 10);
  out[2] = static_cast<char>('0' + y / 10 % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  Put2(out + 5, c.month);
  out[7] = '-';
  Put2(out + 8, c.day);
  out[10] = 'T';
  Put2(out + 11, c.hour);
  out[13] = ':';
  Put2(out + 14, c.minute);
  out[16] = ':';
  Put2(out + 17, c.second);
  out[19] = '.';
  out[20] = static_cast<char>('0' + ms / 100);
  out[21] = static_cast<char>('0' + ms / 10 % 10);
  out[22] = static_cast<char>('0' + ms % 10);
  out[23] = 'Z';
}

Status ParseTimeArg(std::string_view text, int64_t now_seconds, int64_t* epoch_seconds) {
  if (text.empty()) return BadTime(text);
  if (text.substr(0, 3) == "now") {
    std::string_view rest = text.substr(3);
    if (rest.empty()) {
      *epoch_seconds = now_seconds;
      return Status::OK();
    }
    if (rest[0] != '-' && rest[0] != '+') return BadTime(text);
    const int sign = rest[0] == '-' ? -1 : 1;
    rest.remove_prefix(1);
    int64_t amount = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), amount);
    if (ec != std::errc() || p == rest.data() || p + 1 != rest.data() + rest.size() || amount < 0) {
      return BadTime(text);
    }
    int64_t unit = 0;
    switch (*p) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return BadTime(text);
    }
    *epoch_seconds = now_seconds + sign * amount * unit;
    return Status::OK();
  }
  // All digits: Unix seconds.
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return BadTime(text);
    *epoch_seconds = v;
    return Status::OK();
  }
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') || !ReadDigits(text, &pos, 2, &month) ||
      !Expect(text, &pos, '-') || !ReadDigits(text, &pos, 2, &day)) {
    return BadTime(text);
  }
  if (pos < text.size()) {
    if (!Expect(text, &pos, 'T') || !ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &minute)) {
      return BadTime(text);
    }
    if (Expect(text, &pos, ':') && !ReadDigits(text, &pos, 2, &second)) return BadTime(text);
    if (!Expect(text, &pos, 'Z') || pos != text.size()) return BadTime(text);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return BadTime(text);
  }
  *epoch_seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return Status::OK();
}

bool ParseIsoDate(std::string_view text, int64_t* epoch_ms, bool* has_zone) {
  bool zoned = false;
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year)) return false;
  const char sep = pos < text.size() ? text[pos] : '\0';
  if (sep != '-' && sep != '/') return false;
  ++pos;
  if (!ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, sep) || !ReadDigits(text, &pos, 2, &day)) return false;
  int64_t millis = 0;
  int offset_minutes = 0;
  if (pos < text.size()) {
    const char t = text[pos];
    if ((sep == '-' && t != 'T') || (sep == '/' && t != ' ')) return false;
    ++pos;
    if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') || !ReadDigits(text, &pos, 2, &minute)) {
      return false;
    }
    if (Expect(text, &pos, ':')) {
      if (!ReadDigits(text, &pos, 2, &second)) return false;
      if (sep == '-' && (Expect(text, &pos, '.') || Expect(text, &pos, ','))) {
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (digits < 3) millis = millis * 10 + (text[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0 || digits > 9) return false;
        for (int d = digits; d < 3; ++d) millis *= 10;
      }
    } else if (sep == '/') {
      return false;
    }
    if (pos < text.size()) {
      if (sep == '/' && !Expect(text, &pos, ' ')) return false;
      zoned = true;
      if (Expect(text, &pos, 'Z')) {
        // UTC
      } else if (text[pos] == '+' || text[pos] == '-') {
        const int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!ReadDigits(text, &pos, 2, &oh)) return false;
        if (Expect(text, &pos, ':')) {
          if (!ReadDigits(text, &pos, 2, &om)) return false;
        } else if (pos < text.size() && !ReadDigits(text, &pos, 2, &om)) {
          return false;
        }
        if (oh > 18 || om > 59) return false;
        offset_minutes = sign * (oh * 60 + om);
      } else {
        return false;
      }
    }
    if (pos != text.size()) return false;
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  const int64_t secs = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                       static_cast<int64_t>(offset_minutes) * 60;
  *epoch_ms = secs * 1000 + millis;
  if (has_zone) *has_zone = zoned;
  return true;
}

int64_t CurrentTimeMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ParseDuration(std::string_view text, int64_t* ms) {
  auto bad = [&] {
    return Status::InvalidArgument("cannot read duration '" + std::string(text) + "': use 30d, 12h, 90m, 45s or 2w");
  };
  int64_t amount = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || p == text.data() || amount < 0) return bad();
  const std::string_view unit(p, static_cast<size_t>(text.data() + text.size() - p));
  const int64_t per = unit == "ms"  ? 1
                      : unit == "s" ? 1000
                      : unit == "m" ? 60 * 1000
                      : unit == "h" ? 3600 * 1000
                      : unit == "d" ? 86400 * 1000
                      : unit == "w" ? 7 * 86400 * 1000LL
                                    : 0;
  if (per == 0 || amount > INT64_MAX / per) return bad();
  *ms = amount * per;
  return Status::OK();
}

}  // namespace flowdex
