// Parsing one flow-log line into a FlowRecord.
#pragma once

#include <cstddef>
#include <string_view>

#include "flowlog/flow_format.h"
#include "flowlog/flow_record.h"
#include "util/status.h"

namespace flowdex {

// Most tokens a line may have; longer lines are rejected without reading on.
inline constexpr size_t kMaxLineTokens = 96;

// Splits `line` on runs of spaces and tabs (a double space is harmless, as in
// AWS's own examples), ignoring a trailing '\r'. Stores at most `max` tokens
// and returns how many the line has (which may exceed `max`).
size_t TokenizeFlowLine(std::string_view line, std::string_view* tokens, size_t max);

// Tokenizes `line` like TokenizeFlowLine after checking it like IsCleanText,
// in one pass (SIMD where available). Returns false when the line is not
// clean text; *column is then the 1-based column of the first bad byte.
bool TokenizeCleanFlowLine(std::string_view line, std::string_view* tokens, size_t max, size_t* count, size_t* column);

// Checks that `line` is text: valid UTF-8 with no control characters other
// than tab and a trailing '\r'. On failure *column is the 1-based byte column
// of the first bad byte.
bool IsCleanText(std::string_view line, size_t* column);

// Parses the tokens of one line laid out as `format` into *rec (cleared
// first). "-" makes a field absent. Checks each value's type: integers within
// the field's range, addresses, ACCEPT/REJECT, OK/NODATA/SKIPDATA.
// Returns InvalidArgument with a one-line reason on any mismatch. Never
// allocates on success.
Status ParseFlowTokens(const std::string_view* tokens, size_t count, const FlowFormat& format, FlowRecord* rec);

}  // namespace flowdex
