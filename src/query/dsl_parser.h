// Parsing Elasticsearch search bodies (the Query DSL) into a SearchRequest,
// with Elasticsearch's error types and reasons (parsing_exception with the
// line and column of the offending token, x_content_parse_exception for
// malformed JSON, illegal_argument_exception for bad values).
#pragma once

#include <string>
#include <string_view>

#include "query/searcher.h"

namespace flowdex {

struct SearchError {
  int status = 400;
  std::string type;    // parsing_exception, x_content_parse_exception, ...
  std::string reason;
  int line = 0, col = 0;  // where in the body, when known (1-based)
  // Set for failures while the search ran: the root cause under a
  // search_phase_execution_exception.
  std::string cause_type, cause_reason;
  std::string index;
};

// Elasticsearch's index.max_result_window.
inline constexpr uint64_t kMaxResultWindow = 10000;

// False, with *error set, when from + size exceeds the result window (for
// requests whose from and size came from URL parameters).
bool CheckResultWindow(const SearchRequest& request, SearchError* error);

// Parses a _search body ("" means {}). Returns false with *error set.
bool ParseSearchBody(std::string_view body, SearchRequest* request, SearchError* error);

}  // namespace flowdex
