#include "query/date_math.h"

#include <charconv>
#include <chrono>
#include <map>
#include <optional>

#include <date/tz.h>
#include <fmt/format.h>

#include "util/time_util.h"

namespace flowdex {

namespace {

constexpr int64_t kDayMs = 86400000;

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// A local (or UTC) wall-clock time split into calendar fields.
struct Fields {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
};

Fields Split(int64_t ms) {
  const int64_t secs = FloorDiv(ms, 1000);
  const CivilTime c = CivilFromSeconds(secs);
  return Fields{c.year, c.month, c.day, c.hour, c.minute, c.second, static_cast<int>(ms - secs * 1000)};
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int64_t Join(const Fields& f) {
  return DaysFromCivil(f.year, f.month, f.day) * kDayMs + f.hour * 3600000LL + f.minute * 60000LL + f.second * 1000LL +
         f.millis;
}

int64_t FloorLocal(int64_t local, DateUnit unit) {
  Fields f = Split(local);
  switch (unit) {
    case DateUnit::kSecond: return FloorDiv(local, 1000) * 1000;
    case DateUnit::kMinute: return FloorDiv(local, 60000) * 60000;
    case DateUnit::kHour: return FloorDiv(local, 3600000) * 3600000;
    case DateUnit::kDay: return FloorDiv(local, kDayMs) * kDayMs;
    case DateUnit::kWeek: {
      const int64_t days = FloorDiv(local, kDayMs);
      const int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; Monday is 0
      return (days - weekday) * kDayMs;
    }
    case DateUnit::kMonth: return DaysFromCivil(f.year, f.month, 1) * kDayMs;
    case DateUnit::kQuarter: return DaysFromCivil(f.year, (f.month - 1) / 3 * 3 + 1, 1) * kDayMs;
    case DateUnit::kYear: return DaysFromCivil(f.year, 1, 1) * kDayMs;
  }
  return local;
}

int64_t AddLocal(int64_t local, int64_t n, DateUnit unit) {
  switch (unit) {
    case DateUnit::kSecond: return local + n * 1000;
    case DateUnit::kMinute: return local + n * 60000;
    case DateUnit::kHour: return local + n * 3600000;
    case DateUnit::kDay: return local + n * kDayMs;
    case DateUnit::kWeek: return local + n * 7 * kDayMs;
    default: break;
  }
  Fields f = Split(local);
  const int64_t months = unit == DateUnit::kYear ? n * 12 : unit == DateUnit::kQuarter ? n * 3 : n;
  const int64_t total = f.year * 12 + (f.month - 1) + months;
  f.year = FloorDiv(total, 12);
  f.month = static_cast<int>(total - f.year * 12) + 1;
  f.day = std::min(f.day, DaysInMonth(f.year, f.month));
  return Join(f);
}

bool ParseFixedOffset(std::string_view s, int64_t* ms) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return false;
  const int sign = s[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : s.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return false;
    digits += c;
  }
  if (digits.size() != 2 && digits.size() != 4) return false;
  const int h = std::stoi(digits.substr(0, 2)), m = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (h > 18 || m > 59) return false;
  *ms = sign * (h * 3600000LL + m * 60000LL);
  return true;
}

std::string OffsetText(int64_t offset_ms, bool colon, bool z_for_zero) {
  if (offset_ms == 0 && z_for_zero) return "Z";
  const char sign = offset_ms < 0 ? '-' : '+';
  const int64_t a = offset_ms < 0 ? -offset_ms : offset_ms;
  return fmt::format("{}{:02}{}{:02}", sign, a / 3600000, colon ? ":" : "", a / 60000 % 60);
}

// Reads strict_date_optional_time, which also takes partial dates (yyyy,
// yyyy-MM); *last_unit says the smallest unit the text gave.
bool ReadIso(std::string_view text, int64_t* ms, bool* has_zone, DateUnit* last_unit) {
  auto all_digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (text.size() == 4 && all_digits(text)) {
    *ms = DaysFromCivil(std::stoi(std::string(text)), 1, 1) * kDayMs;
    *has_zone = false;
    *last_unit = DateUnit::kYear;
    return true;
  }
  if (text.size() == 7 && text[4] == '-' && all_digits(text.substr(0, 4)) && all_digits(text.substr(5))) {
    const int month = std::stoi(std::string(text.substr(5)));
    if (month < 1 || month > 12) return false;
    *ms = DaysFromCivil(std::stoi(std::string(text.substr(0, 4))), month, 1) * kDayMs;
    *has_zone = false;
    *last_unit = DateUnit::kMonth;
    return true;
  }
  if (text.size() >= 13 && text[10] == 'T' && (text.size() == 13 || text[13] != ':')) {
    // yyyy-MM-ddTHH (an hour alone): read as HH:00.
    std::string with_minutes(text.substr(0, 13));
    with_minutes += ":00";
    with_minutes.append(text.substr(13));
    if (!ParseIsoDate(with_minutes, ms, has_zone)) return false;
    *last_unit = DateUnit::kHour;
    return true;
  }
  if (!ParseIsoDate(text, ms, has_zone)) return false;
  // The digits of the time part tell the precision.
  const size_t t = text.find_first_of("T ");
  size_t time_digits = 0;
  if (t != std::string_view::npos) {
    for (size_t i = t + 1; i < text.size() && text[i] != 'Z' && text[i] != '+' && text[i] != '-'; ++i) {
      time_digits += text[i] >= '0' && text[i] <= '9';
    }
  }
  *last_unit = time_digits >= 6   ? DateUnit::kSecond
               : time_digits >= 4 ? DateUnit::kMinute
               : time_digits >= 2 ? DateUnit::kHour
                                  : DateUnit::kDay;
  return true;
}

}  // namespace

Status TimeZone::Parse(std::string_view name, TimeZone* out) {
  *out = TimeZone{};
  if (name.empty() || name == "UTC" || name == "Z" || name == "GMT" || name == "Etc/UTC" || name == "utc") {
    return Status::OK();
  }
  if (ParseFixedOffset(name, &out->fixed_ms_)) return Status::OK();
  try {
    out->zone_ = date::locate_zone(name);
  } catch (const std::exception&) {
    return Status::InvalidArgument(fmt::format("Unknown time-zone ID: {}", name));
  }
  return Status::OK();
}

int64_t TimeZone::OffsetAt(int64_t utc_ms) const {
  if (zone_ == nullptr) return fixed_ms_;
  const auto* z = static_cast<const date::time_zone*>(zone_);
  const date::sys_info info = z->get_info(date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(utc_ms)));
  return std::chrono::duration_cast<std::chrono::milliseconds>(info.offset).count();
}

int64_t TimeZone::LocalToUtc(int64_t local_ms) const {
  if (zone_ == nullptr) return local_ms - fixed_ms_;
  const auto* z = static_cast<const date::time_zone*>(zone_);
  const date::local_info info =
      z->get_info(date::local_time<std::chrono::milliseconds>(std::chrono::milliseconds(local_ms)));
  // unique and ambiguous: the first (earlier) offset; nonexistent: the
  // offset before the jump, which lands after it.
  return local_ms - std::chrono::duration_cast<std::chrono::milliseconds>(info.first.offset).count();
}

bool DateUnitFromLetter(char c, DateUnit* unit) {
  switch (c) {
    case 'y': *unit = DateUnit::kYear; return true;
    case 'q': *unit = DateUnit::kQuarter; return true;
    case 'M': *unit = DateUnit::kMonth; return true;
    case 'w': *unit = DateUnit::kWeek; return true;
    case 'd': *unit = DateUnit::kDay; return true;
    case 'h':
    case 'H': *unit = DateUnit::kHour; return true;
    case 'm': *unit = DateUnit::kMinute; return true;
    case 's': *unit = DateUnit::kSecond; return true;
    default: return false;
  }
}

int64_t FloorToUnit(int64_t utc_ms, DateUnit unit, const TimeZone& tz) {
  if (tz.is_utc()) return FloorLocal(utc_ms, unit);
  return tz.LocalToUtc(FloorLocal(utc_ms + tz.OffsetAt(utc_ms), unit));
}

int64_t AddUnits(int64_t utc_ms, int64_t n, DateUnit unit, const TimeZone& tz) {
  if (tz.is_utc() || unit == DateUnit::kHour || unit == DateUnit::kMinute || unit == DateUnit::kSecond) {
    return tz.is_utc() ? AddLocal(utc_ms, n, unit) : utc_ms + (AddLocal(0, n, unit));
  }
  return tz.LocalToUtc(AddLocal(utc_ms + tz.OffsetAt(utc_ms), n, unit));
}

DateFormat::DateFormat() {
  Status s = Parse("strict_date_optional_time||epoch_millis", this);
  (void)s;
}

Status DateFormat::Parse(std::string_view spec, DateFormat* out) {
  out->spec_ = std::string(spec);
  out->patterns_.clear();
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find("||", start);
    if (end == std::string_view::npos) end = spec.size();
    const std::string_view one = spec.substr(start, end - start);
    Pattern p;
    if (one == "strict_date_optional_time" || one == "date_optional_time" || one == "strict_date_optional_time_nanos" ||
        one == "date_optional_time_nanos" || one == "strict_date_time" || one == "date_time") {
      p.named = Pattern::Named::kIso;
    } else if (one == "epoch_millis") {
      p.named = Pattern::Named::kEpochMillis;
    } else if (one == "epoch_second") {
      p.named = Pattern::Named::kEpochSecond;
    } else {
      std::string_view pattern = one;
      if (one == "strict_date" || one == "date") pattern = "yyyy-MM-dd";
      if (one == "basic_date") pattern = "yyyyMMdd";
      if (one == "strict_hour_minute_second" || one == "hour_minute_second") pattern = "HH:mm:ss";
      for (size_t i = 0; i < pattern.size();) {
        const char c = pattern[i];
        if (c == '\'') {
          const size_t close = pattern.find('\'', i + 1);
          if (close == std::string_view::npos) {
            return Status::InvalidArgument(fmt::format("Invalid format: [{}]: unterminated quote", spec));
          }
          std::string literal(1, '\'');
          literal.append(pattern.substr(i + 1, close - i - 1));
          p.tokens.push_back(std::move(literal));
          i = close + 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
          if (std::string_view("yuMdHmsSXZ").find(c) == std::string_view::npos) {
            return Status::InvalidArgument(fmt::format("Invalid format: [{}]: Unknown pattern letter: {}", spec, c));
          }
          size_t j = i;
          while (j < pattern.size() && pattern[j] == c) ++j;
          p.tokens.emplace_back(pattern.substr(i, j - i));
          i = j;
        } else {
          std::string literal(1, '\'');
          literal.push_back(c);
          p.tokens.push_back(std::move(literal));
          ++i;
        }
      }
      if (p.tokens.empty()) return Status::InvalidArgument(fmt::format("Invalid format: [{}]", spec));
    }
    out->patterns_.push_back(std::move(p));
    start = end + 2;
  }
  return Status::OK();
}

bool DateFormat::Read(std::string_view text, const TimeZone& tz, bool round_up, int64_t* ms) const {
  for (const Pattern& p : patterns_) {
    bool has_zone = false;
    DateUnit last = DateUnit::kSecond;
    int64_t local = 0;
    bool exact = false;  // milliseconds given: nothing to round up
    switch (p.named) {
      case Pattern::Named::kIso:
        if (!ReadIso(text, &local, &has_zone, &last)) continue;
        exact = text.find('.') != std::string_view::npos || text.find(',') != std::string_view::npos;
        break;
      case Pattern::Named::kEpochMillis:
      case Pattern::Named::kEpochSecond: {
        int64_t v = 0;
        const char* b = text.data();
        const char* e = b + text.size();
        const auto [ptr, ec] = std::from_chars(b, e, v);
        if (ec != std::errc() || ptr != e) continue;
        *ms = p.named == Pattern::Named::kEpochSecond ? v * 1000 + (round_up ? 999 : 0) : v;
        return true;
      }
      case Pattern::Named::kNone: {
        Fields f;
        bool any_month = false, any_day = false, ok = true;
        int64_t zone_ms = 0;
        last = DateUnit::kYear;
        size_t pos = 0;
        for (const std::string& tok : p.tokens) {
          if (tok[0] == '\'') {
            if (text.substr(pos, tok.size() - 1) != std::string_view(tok).substr(1)) ok = false;
            pos += tok.size() - 1;
          } else if (tok[0] == 'X' || tok[0] == 'Z') {
            if (pos < text.size() && text[pos] == 'Z') {
              ++pos;
            } else {
              size_t n = 1;
              while (pos + n < text.size() &&
                     (std::isdigit(static_cast<unsigned char>(text[pos + n])) || text[pos + n] == ':'))
                ++n;
              if (!ParseFixedOffset(text.substr(pos, n), &zone_ms)) ok = false;
              pos += n;
            }
            has_zone = true;
          } else {
            // Numbers: as many digits as the run (years and millis: up to 9).
            const size_t max_digits =
                (tok[0] == 'y' || tok[0] == 'u' || tok[0] == 'S') ? 9 : std::max<size_t>(tok.size(), 2);
            size_t n = 0;
            while (pos + n < text.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(text[pos + n])))
              ++n;
            if (n == 0 || n < tok.size()) {
              ok = false;
              break;
            }
            int64_t v = std::stoll(std::string(text.substr(pos, n)));
            pos += n;
            switch (tok[0]) {
              case 'y':
              case 'u': f.year = v; break;
              case 'M': f.month = static_cast<int>(v), any_month = true, last = std::max(last, DateUnit::kMonth); break;
              case 'd': f.day = static_cast<int>(v), any_day = true, last = std::max(last, DateUnit::kDay); break;
              case 'H': f.hour = static_cast<int>(v), last = std::max(last, DateUnit::kHour); break;
              case 'm': f.minute = static_cast<int>(v), last = std::max(last, DateUnit::kMinute); break;
              case 's': f.second = static_cast<int>(v), last = std::max(last, DateUnit::kSecond); break;
              case 'S':
                while (n < 3) v *= 10, ++n;
                while (n > 3) v /= 10, --n;
                f.millis = static_cast<int>(v);
                exact = true;
                break;
            }
          }
          if (!ok) break;
        }
        if (!ok || pos != text.size() || f.month < 1 || f.month > 12 || f.day < 1 ||
            f.day > DaysInMonth(f.year, f.month) || f.hour > 23 || f.minute > 59 || f.second > 59) {
          continue;
        }
        (void)any_month;
        (void)any_day;
        local = Join(f) - zone_ms;
        break;
      }
    }
    if (round_up && !exact) {
      // The last millisecond of the smallest unit the text gave.
      const DateUnit u = last == DateUnit::kQuarter ? DateUnit::kMonth : last;
      local = AddLocal(local, 1, u) - 1;
    }
    *ms = has_zone ? local : tz.LocalToUtc(local);
    return true;
  }
  return false;
}

std::string DateFormat::Write(int64_t ms, const TimeZone& tz) const {
  const Pattern& p = patterns_.front();
  const int64_t offset = tz.OffsetAt(ms);
  if (p.named == Pattern::Named::kEpochMillis) return std::to_string(ms);
  if (p.named == Pattern::Named::kEpochSecond) return std::to_string(FloorDiv(ms, 1000));
  const Fields f = Split(ms + offset);
  if (p.named == Pattern::Named::kIso) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}", f.year, f.month, f.day, f.hour, f.minute,
                       f.second, f.millis, OffsetText(offset, true, true));
  }
  std::string out;
  for (const std::string& tok : p.tokens) {
    const int width = static_cast<int>(tok.size());
    switch (tok[0]) {
      case '\'': out.append(tok, 1); break;
      case 'y':
      case 'u':
        out += width == 2 ? fmt::format("{:02}", f.year % 100) : fmt::format("{:0{}}", f.year, std::max(width, 4));
        break;
      case 'M': out += fmt::format("{:0{}}", f.month, width); break;
      case 'd': out += fmt::format("{:0{}}", f.day, width); break;
      case 'H': out += fmt::format("{:0{}}", f.hour, width); break;
      case 'm': out += fmt::format("{:0{}}", f.minute, width); break;
      case 's': out += fmt::format("{:0{}}", f.second, width); break;
      case 'S': out += fmt::format("{:03}", f.millis).substr(0, std::min(width, 3)); break;
      case 'X': out += OffsetText(offset, width >= 3, true); break;
      case 'Z': out += OffsetText(offset, width >= 3, false); break;
    }
  }
  return out;
}

Status EvaluateDateMath(std::string_view text, int64_t now_ms, const DateFormat& format, const TimeZone& tz,
                        bool round_up, int64_t* ms) {
  std::string_view math;
  int64_t t = 0;
  auto failed = [&](std::string_view why) {
    return Status::DateValue(fmt::format("failed to parse date field [{}] with format [{}]{}", text, format.spec(),
                                         why.empty() ? "" : fmt::format(": [{}]", why)));
  };
  if (text.substr(0, 3) == "now") {
    t = now_ms;
    math = text.substr(3);
  } else {
    const size_t bars = text.find("||");
    const std::string_view anchor = bars == std::string_view::npos ? text : text.substr(0, bars);
    math = bars == std::string_view::npos ? std::string_view() : text.substr(bars + 2);
    // With math after the anchor, the anchor is read exactly and the math rounds.
    if (!format.Read(anchor, tz, round_up && math.empty(), &t)) return failed("");
  }
  size_t i = 0;
  while (i < math.size()) {
    const char op = math[i++];
    if (op == '/') {
      DateUnit unit;
      if (i >= math.size() || !DateUnitFromLetter(math[i], &unit) || i + 1 != math.size()) {
        return failed(fmt::format("rounding `/` can only be used on single unit types [{}]", math));
      }
      t = FloorToUnit(t, unit, tz);
      if (round_up) t = AddUnits(t, 1, unit, tz) - 1;
      ++i;
    } else if (op == '+' || op == '-') {
      int64_t n = 1;
      size_t j = i;
      while (j < math.size() && math[j] >= '0' && math[j] <= '9') ++j;
      if (j > i) n = std::stoll(std::string(math.substr(i, j - i)));
      DateUnit unit;
      if (j >= math.size() || !DateUnitFromLetter(math[j], &unit)) {
        return failed(
            fmt::format("unit [{}] not supported for date math [{}]", j < math.size() ? math.substr(j, 1) : "", math));
      }
      t = AddUnits(t, op == '-' ? -n : n, unit, tz);
      i = j + 1;
    } else {
      return failed(fmt::format("operator not supported for date math [{}]", math));
    }
  }
  *ms = t;
  return Status::OK();
}

bool ReadMappingDate(const std::string& format, std::string_view text, int64_t* ms) {
  // A mapping has few formats: each is parsed once per thread.
  thread_local std::map<std::string, std::optional<DateFormat>> formats;
  auto it = formats.find(format);
  if (it == formats.end()) {
    if (formats.size() > 64) formats.clear();
    DateFormat f;
    it =
        formats.emplace(format, DateFormat::Parse(format, &f).ok() ? std::optional<DateFormat>(f) : std::nullopt).first;
  }
  return it->second && it->second->Read(text, TimeZone(), false, ms);
}

}  // namespace flowdex
