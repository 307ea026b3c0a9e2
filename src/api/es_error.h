// Elasticsearch's error responses: {"error":{"root_cause":[...],"type",
// "reason",...},"status":N}.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/rest.h"
#include "query/dsl_parser.h"
#include "util/status.h"

namespace flowdex {

struct EsError {
  int status = 400;
  std::string type;
  std::string reason;
  // Further string members of the error object, in order ("index", "resource.id", ...).
  std::vector<std::pair<std::string, std::string>> extra;
};

// The error as a response (root_cause repeats the error itself).
RestResponse ErrorResponse(const EsError& error);
// A search-time error (parsing_exception with line and col, or
// search_phase_execution_exception with its root cause).
RestResponse ErrorResponse(const SearchError& error);

// The index_not_found_exception for `index` (404).
EsError IndexNotFound(const std::string& index);

// An error from a Status whose message may start with "<type>_exception: ":
// NotFound becomes 404, InvalidArgument 400, anything else 500.
EsError ErrorFromStatus(const Status& status);

}  // namespace flowdex
