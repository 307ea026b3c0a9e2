// Rollups: flows summed per hour (or day) and per combination of a few dimensions,
// kept beside the raw flows so that dashboards over weeks read thousands of
// rows instead of millions (the consolidated tables flow tools keep beside
// raw flows in ClickHouse; Elasticsearch's downsampling).
//
// A rollup segment is an ordinary segment (store/segment_format.h) whose
// rows are groups: @timestamp is the start of the hour (day) the group's
// flows have their @timestamp in, each dimension column holds the group's value
// (absent when its flows had none), `_doc_count` the number of flows, and
// the summed columns (bytes, packets) their sums (absent when no flow had
// one). Dimension columns keep the raw columns' names and types, so that
// queries lower onto them unchanged. docs/rollups.md has the whole design.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "store/column_type.h"

namespace flowdex {

// The widths of rollup rows' time buckets: every rollup is kept per hour,
// and again per UTC day (whole-day questions over months read 24 times
// fewer rows).
inline constexpr int64_t kRollupHourMs = 3'600'000;
inline constexpr int64_t kRollupDayMs = 24 * kRollupHourMs;

// Raise when the rollups below change: raw segments rolled up by another
// version are rolled up again, and the other version's rollups dropped.
inline constexpr uint32_t kRollupVersion = 1;

// Flows per group (Elasticsearch's _doc_count field: bucket aggregations
// count it instead of rows).
inline constexpr std::string_view kDocCountColumn = "_doc_count";

struct RollupSpec {
  std::string_view name;                  // "context", "ports_1d", ...: SegmentRef::rollup of its segments
  std::vector<std::string_view> dims;     // raw columns (flow_schema.h names) kept as they are
  std::vector<ColumnType> dim_types;      // their types, as the raw segments store them
  int64_t resolution_ms = kRollupHourMs;  // kRollupHourMs or kRollupDayMs
  // A dimension (of dims) whose rows are kept together in a segment, time
  // order within each value (empty: time order): a selective filter on it
  // (one port, one address) then reads a few pages of a day, not all.
  std::string_view cluster;
};

// The summed columns of every rollup (bytes and packets: raw columns of an
// unsigned type).
const std::vector<std::string_view>& RollupSumColumns();

// The flow index's rollups: hourly ones, each a different set of
// dimensions (a query reads the smallest one that has every column it
// needs), then the daily twin of each (same dimensions, name + "_1d").
const std::vector<RollupSpec>& FlowRollups();

// A partition gets daily rollups once its rows span at least this many
// hours: over fewer, the daily rows would be nearly as many as the hourly
// ones (a sample of a few minutes would keep its rollups twice). Without
// them, its whole days are read from the hourly rollups: the same answer.
inline constexpr int64_t kDailyRollupMinHours = 4;

// The spec named `name` (nullptr: none).
const RollupSpec* FindRollup(std::string_view name);

// The daily twin of an hourly spec (nullptr for a daily one). A partition's
// daily rollup, when it has one, holds exactly the flows of its hourly one:
// both are written in one change, or the daily one from the hourly one
// (RollupOnce).
const RollupSpec* DailyTwin(const RollupSpec& hourly);

// The start of the bucket of `resolution_ms` that holds `ms` (floor).
inline int64_t RollupBucket(int64_t ms, int64_t resolution_ms = kRollupHourMs) {
  const int64_t r = ms % resolution_ms;
  return ms - (r < 0 ? r + resolution_ms : r);
}

}  // namespace flowdex
