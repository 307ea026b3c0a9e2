// Rollups: flows summed per hour and per combination of a few dimensions,
// kept beside the raw flows so that dashboards over weeks read thousands of
// rows instead of millions (the consolidated tables flow tools keep beside
// raw flows in ClickHouse; Elasticsearch's downsampling).
//
// A rollup segment is an ordinary segment (store/segment_format.h) whose
// rows are groups: @timestamp is the start of the hour the group's flows
// have their @timestamp in, each dimension column holds the group's value
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

// The width of a rollup row's time bucket.
inline constexpr int64_t kRollupResolutionMs = 3'600'000;

// Raise when the rollups below change: raw segments rolled up by another
// version are rolled up again, and the other version's rollups dropped.
inline constexpr uint32_t kRollupVersion = 1;

// Flows per group (Elasticsearch's _doc_count field: bucket aggregations
// count it instead of rows).
inline constexpr std::string_view kDocCountColumn = "_doc_count";

struct RollupSpec {
  std::string_view name;               // "context", "ports", ...: SegmentRef::rollup of its segments
  std::vector<std::string_view> dims;  // raw columns (flow_schema.h names) kept as they are
  std::vector<ColumnType> dim_types;   // their types, as the raw segments store them
};

// The summed columns of every rollup (bytes and packets: raw columns of an
// unsigned type).
const std::vector<std::string_view>& RollupSumColumns();

// The flow index's rollups, each a different set of dimensions: a query
// reads the smallest one that has every column it needs.
const std::vector<RollupSpec>& FlowRollups();

// The spec named `name` (nullptr: none).
const RollupSpec* FindRollup(std::string_view name);

// The start of the rollup bucket of `ms` (floor to the resolution).
inline int64_t RollupBucket(int64_t ms) {
  const int64_t r = ms % kRollupResolutionMs;
  return ms - (r < 0 ? r + kRollupResolutionMs : r);
}

}  // namespace flowdex
