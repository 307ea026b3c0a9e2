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

}  // namespace flowdex
