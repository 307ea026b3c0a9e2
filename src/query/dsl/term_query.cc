// {"term": {"<field>": value}}: the field holds exactly this value.
#include "query/dsl/field_value_query.h"
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseTermQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  FieldValueParams p;
  if (!ParseFieldValueQuery(dsl, "term", body, {"value"}, {}, &p)) return false;
  *out = TermQuery{std::move(p.field), std::move(p.value), p.case_insensitive};
  return true;
}

}  // namespace flowdex
