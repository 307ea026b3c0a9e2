// The shape match and match_phrase share: {"<field>": "text"} or
// {"<field>": {"query": "text", "operator": "and", ...}}.
#pragma once

#include <string>
#include <string_view>

#include "query/dsl/dsl_context.h"

namespace flowdex {

struct TextQueryParams {
  std::string field;
  QueryValue value;
  bool all_tokens = false;  // operator "and" (match only)
  bool lenient = false;
  int slop = 0;  // match_phrase
};

bool ParseTextQuery(DslContext& dsl, std::string_view type, const rapidjson::Value& body, TextQueryParams* out);

}  // namespace flowdex
