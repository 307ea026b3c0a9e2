// {"wildcard": {"<field>": "pat*ern"}}: keywords matching the pattern.
#include "query/dsl/field_value_query.h"
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseWildcardQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  FieldValueParams p;
  if (!ParseFieldValueQuery(dsl, "wildcard", body, {"value", "wildcard"}, {}, &p)) return false;
  *out = WildcardQuery{std::move(p.field), p.value.ToString(), p.case_insensitive};
  return true;
}

}  // namespace flowdex
