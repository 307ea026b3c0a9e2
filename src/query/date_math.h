// Dates as Elasticsearch reads and writes them in queries and aggregations:
// time zones (UTC, fixed offsets, IANA names from the system's tzdata),
// calendar units in a zone, Java-style date formats ("yyyy-MM-dd",
// "epoch_millis", "strict_date_optional_time||epoch_millis") and date math
// ("now-15m/m", "2026-11-01||+1M/d").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace flowdex {

class TimeZone {
 public:
  TimeZone() = default;  // UTC

  // "UTC", "Z", "GMT", a fixed offset ("+01:00", "-0530", "+05") or an IANA
  // name ("Europe/Paris"). InvalidArgument for anything else.
  static Status Parse(std::string_view name, TimeZone* out);

  bool is_utc() const { return zone_ == nullptr && fixed_ms_ == 0; }
  // Milliseconds local time is ahead of UTC at the instant utc_ms.
  int64_t OffsetAt(int64_t utc_ms) const;
  // The instant a local wall-clock time names: the earlier one when the
  // clock went back, the one after the jump when it went forward.
  int64_t LocalToUtc(int64_t local_ms) const;

 private:
  const void* zone_ = nullptr;  // a date::time_zone from the system's tzdata
  int64_t fixed_ms_ = 0;
};

// Calendar units (date math's y M w d h H m s, and calendar intervals).
enum class DateUnit : uint8_t { kYear, kQuarter, kMonth, kWeek, kDay, kHour, kMinute, kSecond };

// Date math's unit letters: y M w d h H m s (and q for quarters).
bool DateUnitFromLetter(char c, DateUnit* unit);

// The start of the unit holding utc_ms, on tz's local calendar (weeks start
// on Monday), as a UTC instant.
int64_t FloorToUnit(int64_t utc_ms, DateUnit unit, const TimeZone& tz);

// utc_ms moved by n units: hours and smaller as durations, days and larger
// on tz's local calendar (a month from Jan 31 is the last day of February).
int64_t AddUnits(int64_t utc_ms, int64_t n, DateUnit unit, const TimeZone& tz);

// One or more date patterns joined by "||", tried in order. Named formats:
// strict_date_optional_time, date_optional_time (and their _nanos forms),
// strict_date, date, epoch_millis, epoch_second, basic_date. Patterns use
// Java's letters: yyyy/uuuu, MM, dd, HH, mm, ss, SSS, X/XX/XXX/Z for the
// zone, 'quoted' literals; other characters stand for themselves.
class DateFormat {
 public:
  // The default of date fields: strict_date_optional_time||epoch_millis.
  DateFormat();
  static Status Parse(std::string_view spec, DateFormat* out);

  const std::string& spec() const { return spec_; }

  // Reads `text` as a date. Text without a zone is read in tz. round_up
  // fills the fields the text leaves out with their largest values
  // ("2026-11" read up is 2026-11-30T23:59:59.999), as Elasticsearch does
  // for lte and gt bounds. Returns false when no pattern reads it.
  bool Read(std::string_view text, const TimeZone& tz, bool round_up, int64_t* ms) const;

  // Writes ms with the first pattern, in tz.
  std::string Write(int64_t ms, const TimeZone& tz) const;

 private:
  struct Pattern {
    enum class Named : uint8_t { kNone, kIso, kEpochMillis, kEpochSecond } named = Named::kNone;
    std::vector<std::string> tokens;  // letter runs ("yyyy"), or literals prefixed with '\''
  };
  std::string spec_;
  std::vector<Pattern> patterns_;
};

// Reads `text` as a date field whose mapping names `format` does at index
// time (UTC when the text names no zone). False when the format cannot be
// read or no pattern of it reads the text. (DocumentWriter::DateParser.)
bool ReadMappingDate(const std::string& format, std::string_view text, int64_t* ms);

// Evaluates Elasticsearch date math: an anchor ("now", or a date in `format`
// optionally followed by "||"), then any number of +N<unit>/-N<unit>, then
// an optional rounding /<unit> (down, or up to the unit's last millisecond
// when round_up). DateValue with Elasticsearch's message otherwise.
Status EvaluateDateMath(std::string_view text, int64_t now_ms, const DateFormat& format, const TimeZone& tz,
                        bool round_up, int64_t* ms);

}  // namespace flowdex
