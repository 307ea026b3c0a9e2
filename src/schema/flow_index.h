// Names shared by everything that writes or reads flow records: the index
// they go to and the columns every flow segment has besides the fields.
#pragma once

#include <string_view>

namespace flowdex {

// The data stream Elastic's integration writes flow logs to.
inline constexpr std::string_view kFlowIndex = "logs-aws.vpcflow-default";

// Columns every flow segment has besides the fields.
inline constexpr std::string_view kTimestampColumn = "@timestamp";        // end, else start, else ingest time
inline constexpr std::string_view kSourceKeyColumn = "_flowdex.source";   // the file or object key
inline constexpr std::string_view kLineOffsetColumn = "_flowdex.offset";  // byte offset of the line in it
// Set (true) only on rows whose line had no end time, so that @timestamp is
// known to be the start time or the time of ingest there.
inline constexpr std::string_view kNoEndColumn = "_flowdex.no_end";
// What enrichment knew of the row's source / destination address, as one
// keyword (SerializeFacts): a segment's dictionary holds each distinct set
// of facts once, and the source.geo.* ... fields are derived from it.
inline constexpr std::string_view kSourceFactsColumn = "_flowdex.source_facts";
inline constexpr std::string_view kDestinationFactsColumn = "_flowdex.destination_facts";

}  // namespace flowdex
