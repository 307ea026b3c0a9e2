// {"match": {"<field>": "text"}}: full text on text fields, the value
// itself (typed) on the others.
#include "query/dsl/query_registry.h"
#include "query/dsl/text_query.h"

namespace flowdex {

bool ParseMatchQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  TextQueryParams p;
  if (!ParseTextQuery(dsl, "match", body, &p)) return false;
  *out = MatchQuery{std::move(p.field), std::move(p.value), p.all_tokens};
  out->lenient = p.lenient;
  return true;
}

}  // namespace flowdex
