// Rollups: flows summed per hour and per combination of a few dimensions,
// kept beside the raw flows so that dashboards over weeks read thousands of
// rows instead of millions (the consolidated tables flow tools keep beside
// raw flows in ClickHouse; Elasticsearch's downsampling).
//
// A rollup segment is an ordinary segment (store/segment_format.h) whose
// rows are groups: @timestamp is the hour the group's flows ended in, each
// dimension column holds the group's value (absent when the flows had
// none), `_doc_count` the number of flows, and the summed columns
// (source.bytes, source.packets) their sums. Dimension columns keep the raw
// columns' names and types, so queries lower onto them unchanged.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace flowdex {

// The width of a rollup row's time bucket.
inline constexpr int64_t kRollupResolutionMs = 3'600'000;

// Raise when the rollups below change: a raw segment whose rows are in the
// rollups of another version has them rebuilt, and those rollups dropped.
inline constexpr uint32_t kRollupVersion = 1;

// Flows per group (Elasticsearch's _doc_count field: bucket aggregations
// count it instead of rows).
inline constexpr std::string_view kDocCountColumn = "_doc_count";

struct RollupSpec {
  std::string_view name;               // "context", "ports", ...: the manifest's name for its segments
  std::vector<std::string_view> dims;  // raw columns kept as they are
};

// The summed columns of every rollup (each raw column of an integer type).
const std::vector<std::string_view>& RollupSumColumns();

// The flow index's rollups, each a different set of dimensions: a query
// reads the smallest one that has every column it needs.
const std::vector<RollupSpec>& FlowRollups();

// The spec named `name` (nullptr: none).
const RollupSpec* FindRollup(std::string_view name);

}  // namespace flowdex
