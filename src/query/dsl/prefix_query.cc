// {"prefix": {"<field>": "text"}}: keywords starting with the text.
#include "query/dsl/field_value_query.h"
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParsePrefixQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  FieldValueParams p;
  if (!ParseFieldValueQuery(dsl, "prefix", body, {"value"}, {}, &p)) return false;
  *out = PrefixQuery{std::move(p.field), p.value.ToString(), p.case_insensitive};
  return true;
}

}  // namespace flowdex
