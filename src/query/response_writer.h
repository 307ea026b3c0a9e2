// Search responses and errors as Elasticsearch writes them (JSON), shared by
// `flowdex query` and the HTTP API.
#pragma once

#include <cstdint>
#include <string>

#include "query/dsl_parser.h"
#include "query/searcher.h"

namespace flowdex {

std::string SearchResponseJson(const SearchRequest& request, const SearchResponse& response, int64_t took_ms);

// {"error": {"root_cause": [...], "type": ..., "reason": ..., ...}, "status": N}
std::string SearchErrorJson(const SearchError& error);

// The error Elasticsearch gives when a search fails while it runs
// (search_phase_execution_exception, "all shards failed", with the cause as
// root_cause), from Search()'s status; `index` names the searched index.
// Splits a Status message "<type>_exception: reason" into its two parts;
// false (nothing set) when the message does not start with such a type.
bool SplitExceptionType(std::string_view message, std::string* type, std::string* reason);

SearchError SearchErrorFromStatus(const Status& status, std::string_view index);

}  // namespace flowdex
