#include "query/aggs/date_histogram_rounding.h"

namespace flowdex {

Status DateHistogramRounding::Make(const AggRequest& agg, DateHistogramRounding* out) {
  *out = DateHistogramRounding{};
  Status s = TimeZone::Parse(agg.time_zone, &out->tz_);
  if (!s.ok()) return Status::InvalidArgument(s.message());
  out->fixed_ms_ = agg.fixed_interval_ms;
  out->offset_ms_ = static_cast<int64_t>(agg.offset);
  if (out->fixed_ms_ == 0) {
    const std::string& u = agg.calendar_unit;
    const char letter = u == "minute" || u == "1m"    ? 'm'
                        : u == "hour" || u == "1h"    ? 'h'
                        : u == "day" || u == "1d"     ? 'd'
                        : u == "week" || u == "1w"    ? 'w'
                        : u == "month" || u == "1M"   ? 'M'
                        : u == "quarter" || u == "1q" ? 'q'
                        : u == "year" || u == "1y"    ? 'y'
                                                      : '?';
    if (!DateUnitFromLetter(letter, &out->unit_)) {
      return Status::InvalidArgument("The supplied interval [" + u + "] could not be parsed as a calendar interval.");
    }
  }
  return Status::OK();
}

int64_t DateHistogramRounding::Key(int64_t utc_ms) const {
  const int64_t t = utc_ms - offset_ms_;
  int64_t key;
  if (fixed_ms_ > 0) {
    // Fixed intervals count from the epoch on the local clock.
    const int64_t local = t + tz_.OffsetAt(t);
    const int64_t floored = (local >= 0 ? local / fixed_ms_ : (local - fixed_ms_ + 1) / fixed_ms_) * fixed_ms_;
    key = tz_.is_utc() ? floored : tz_.LocalToUtc(floored);
  } else {
    key = FloorToUnit(t, unit_, tz_);
  }
  return key + offset_ms_;
}

int64_t DateHistogramRounding::Next(int64_t key) const {
  const int64_t t = key - offset_ms_;
  int64_t next;
  if (fixed_ms_ > 0) {
    next = tz_.is_utc() ? t + fixed_ms_ : tz_.LocalToUtc(t + tz_.OffsetAt(t) + fixed_ms_);
  } else {
    next = AddUnits(t, 1, unit_, tz_);
  }
  // A local clock can repeat a bucket (the hour the clocks go back).
  if (next <= t) next = t + 1;
  return next + offset_ms_;
}

}  // namespace flowdex
