// Elasticsearch's errors as its REST API reports them:
// {"error": {"root_cause": [...], "type", "reason", ...}, "status": N}.
// One type for every error the API answers, one writer, and one table
// (es_exception.cc) from the engine's and the store's Status codes and the
// parsers' ParseError kinds to Elasticsearch's exception types and HTTP
// statuses: a status never depends on a message's wording.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/rest.h"
#include "query/parse_error.h"
#include "util/status.h"

namespace flowdex {

struct EsException {
  int status = 400;
  std::string type;  // "illegal_argument_exception", ...
  std::string reason;
  int line = 0, col = 0;  // where in the request body, when known (1-based)
  // Further string members of the error object, in order ("index", "resource.id", ...).
  std::vector<std::pair<std::string, std::string>> extra;
  // Set for a search that failed while it ran: this exception is then
  // Elasticsearch's search_phase_execution_exception ("all shards failed")
  // and `cause` what failed in the shard (also its root cause).
  std::shared_ptr<const EsException> cause;
  std::string failed_index;  // with `cause`: the index whose shard failed
};

// The response for an exception, and its JSON alone.
RestResponse ErrorResponse(const EsException& e);
std::string EsExceptionJson(const EsException& e);

// An exception of `type` (status 400 unless given).
EsException MakeEsException(std::string type, std::string reason, int status = 400);

// The exception a Status stands for, by its code (the table).
EsException FromStatus(const Status& status);
// The exception a request that could not be read stands for, by its kind.
EsException FromParseError(const ParseError& error);
// A search that failed while it ran over `index`: request errors (bad
// values, limits) become search_phase_execution_exception with the cause
// inside, as Elasticsearch reports a failure in every shard; cancellation
// and internal errors are reported as they are.
EsException SearchFailure(const Status& status, std::string_view index);
// index_not_found_exception (404) for `index`.
EsException IndexNotFound(const std::string& index);

}  // namespace flowdex
