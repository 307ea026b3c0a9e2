// Parsing Elasticsearch search bodies (the Query DSL) into a SearchRequest,
// with the errors Elasticsearch gives (as ParseError kinds, with the line
// and column of the offending token). Each query type has its own parser
// (query_registry.h); aggregations and sorts theirs (agg_parser.h,
// sort_parser.h).
#pragma once

#include <string_view>

#include "query/parse_error.h"
#include "query/search_request.h"

namespace flowdex {

// False, with *error set, when from + size exceeds the result window (for
// requests whose from and size came from URL parameters).
bool CheckResultWindow(const SearchRequest& request, ParseError* error);

// Parses a _search body ("" means {}). Returns false with *error set.
bool ParseSearchBody(std::string_view body, SearchRequest* request, ParseError* error);

}  // namespace flowdex
