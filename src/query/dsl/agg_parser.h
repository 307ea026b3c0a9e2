// Parsing "aggs" (Elasticsearch's aggregations) into AggRequest trees.
#pragma once

#include <string>
#include <vector>

#include "query/aggs/aggregation.h"
#include "query/dsl/dsl_context.h"

namespace flowdex {

// "aggs": {"<name>": {"<type>": {...}, "aggs": {...}}, ...}; `parent` is the
// enclosing aggregation's name (for sub-aggregations), else nullptr.
bool ParseAggs(DslContext& dsl, const rapidjson::Value& v, std::vector<AggRequest>* out, const std::string* parent);

}  // namespace flowdex
