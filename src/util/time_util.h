// Calendar arithmetic and timestamp text for flow logs, all in UTC.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace flowdex {

struct CivilTime {
  int64_t year;
  int month;   // 1..12
  int day;     // 1..31
  int hour;    // 0..23
  int minute;  // 0..59
  int second;  // 0..59
};

// Days since 1970-01-01 of a proleptic Gregorian date (negative before 1970).
int64_t DaysFromCivil(int64_t year, int month, int day);

// The UTC calendar time of a count of seconds since the Unix epoch.
CivilTime CivilFromSeconds(int64_t epoch_seconds);

// Length of the text written by FormatIso8601Millis.
inline constexpr int kIso8601MillisLength = 24;

// Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (exactly 24 chars, no NUL) for epoch_ms,
// the form Elasticsearch's date processor produces. Years must be 0..9999.
void FormatIso8601Millis(int64_t epoch_ms, char* out);

// Parses a point in time given on the command line: Unix seconds ("1700000000"),
// ISO-8601 UTC ("2026-11-01", "2026-11-01T10:05Z", "2026-11-01T10:05:30Z"),
// or relative to now_seconds ("now", "now-24h", "now-30m", "now-7d", "now-90s").
Status ParseTimeArg(std::string_view text, int64_t now_seconds, int64_t* epoch_seconds);

// Parses a date as Elasticsearch's strict_date_optional_time does: yyyy-MM-dd
// with optional 'T'HH:mm[:ss[.fraction]] and an optional zone (Z, +HH:mm,
// +HHmm, +HH), UTC when none; also yyyy/MM/dd [HH:mm:ss] (the other default
// dynamic date format). Returns false when `text` is not such a date.
// *has_zone (when given) says whether the text named its zone; without one
// the caller may apply a time zone of its own (Elasticsearch's time_zone).
bool ParseIsoDate(std::string_view text, int64_t* epoch_ms, bool* has_zone = nullptr);

// Milliseconds since the Unix epoch, from the system clock.
int64_t CurrentTimeMillis();

// Parses a duration such as "30d", "12h", "90m", "45s", "250ms" or "2w" into
// milliseconds.
Status ParseDuration(std::string_view text, int64_t* ms);

}  // namespace flowdex
