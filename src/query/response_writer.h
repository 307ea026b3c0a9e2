// Search responses as Elasticsearch writes them (JSON), shared by `flowdex
// query` and the HTTP API. (Errors are the API's: src/api/es_exception.h.)
#pragma once

#include <cstdint>
#include <string>

#include "query/search_request.h"

namespace flowdex {

std::string SearchResponseJson(const SearchRequest& request, const SearchResponse& response, int64_t took_ms);

}  // namespace flowdex
