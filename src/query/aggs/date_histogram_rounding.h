// Pieces shared by aggregator.cc (collecting) and aggregation_json.cc
// (writing the response).
#pragma once

#include <cstdint>
#include <vector>

#include "query/aggs/aggregation.h"
#include "query/date_math.h"

namespace flowdex {

// date_histogram's bucket keys: fixed intervals (counted from the epoch on
// the local clock) or calendar units, in a time zone, shifted by an offset.
class DateHistogramRounding {
 public:
  static Status Make(const AggRequest& agg, DateHistogramRounding* out);
  // The key (start, UTC ms) of the bucket holding utc_ms.
  int64_t Key(int64_t utc_ms) const;
  // The key of the bucket after the one starting at key.
  int64_t Next(int64_t key) const;
  const TimeZone& time_zone() const { return tz_; }

 private:
  TimeZone tz_;
  int64_t fixed_ms_ = 0;
  DateUnit unit_ = DateUnit::kDay;
  int64_t offset_ms_ = 0;
};

// A composite aggregation's `after` as keys comparable with its buckets'.
Status CompositeAfterKey(const AggRequest& agg, int64_t now_ms, std::vector<AggKey>* out);

}  // namespace flowdex
