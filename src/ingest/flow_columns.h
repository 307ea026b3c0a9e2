// How flow records are stored: one column per flow-log field, named by the
// ECS field it becomes (docs/format.md lists them), plus the columns that give
// each record its deterministic _id. ECS fields that only repeat or derive
// from these (network.bytes, source.address, event.outcome, related.ip, ...)
// are not stored; the query layer maps them onto these columns.
#pragma once

#include <string_view>

#include "flowlog/flow_field.h"
#include "store/column_type.h"

namespace flowdex {

// The data stream Elastic's integration writes flow logs to.
inline constexpr std::string_view kFlowIndex = "logs-aws.vpcflow-default";

// Columns every flow segment has besides the fields.
inline constexpr std::string_view kTimestampColumn = "@timestamp";  // end, else start, else ingest time
inline constexpr std::string_view kSourceKeyColumn = "_flowdex.source";  // the file or object key
inline constexpr std::string_view kLineOffsetColumn = "_flowdex.offset";  // byte offset of the line in it
// Set (true) only on rows whose line had no end time, so that @timestamp is
// known to be the start time or the time of ingest there.
inline constexpr std::string_view kNoEndColumn = "_flowdex.no_end";

struct FlowColumn {
  std::string_view name;  // "" when the field has no column of its own (end: it is @timestamp)
  ColumnType type;
};

namespace internal {
struct FlowColumnEntry {
  FlowField field;
  FlowColumn column;
};
// Indexed by FlowField (flow_columns.cc checks the order at compile time).
extern const FlowColumnEntry kFlowColumnEntries[kFlowFieldCount];
}  // namespace internal

// The column of a flow-log field.
inline const FlowColumn& FlowColumnFor(FlowField f) {
  return internal::kFlowColumnEntries[static_cast<int>(f)].column;
}

}  // namespace flowdex
