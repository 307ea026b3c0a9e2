// {"constant_score": {"filter": {...}}}: the filter's documents (every hit
// scores the same anyway: flowdex does not score).
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseConstantScoreQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("constant_score", body)) return false;
  if (!body.HasMember("filter")) {
    return dsl.Fail(ParseError::Kind::kParsing, "[constant_score] requires a 'filter' element", "constant_score");
  }
  return dsl.ParseQuery(body["filter"], out);
}

}  // namespace flowdex
