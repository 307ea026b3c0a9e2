// Writing a query tree back as Elasticsearch Query DSL, so that what a user
// typed in KQL (the CLI, the UI) can be sent to any Elasticsearch or
// OpenSearch cluster, which do not all take a `kql` query.
#pragma once

#include <string>

#include "query/query.h"

namespace flowdex {

// The query as a DSL JSON object. Fields given as patterns ("*", "a.*")
// become lenient multi_match or query_string queries, as Kibana sends them.
std::string QueryToDsl(const Query& query);

}  // namespace flowdex
