// Parsing "sort" (of a search, or of top_hits) into sort keys.
#pragma once

#include <vector>

#include "query/dsl/dsl_context.h"
#include "query/sort_values.h"

namespace flowdex {

// A string, an object, or an array of them.
bool ParseSort(DslContext& dsl, const rapidjson::Value& v, std::vector<SortKey>* out);

}  // namespace flowdex
