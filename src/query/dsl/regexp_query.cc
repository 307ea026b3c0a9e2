// {"regexp": {"<field>": "reg.*exp"}}: keywords the expression matches whole.
#include "query/dsl/field_value_query.h"
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseRegexpQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  FieldValueParams p;
  if (!ParseFieldValueQuery(dsl, "regexp", body, {"value"}, {"flags", "max_determinized_states", "flags_value"}, &p)) {
    return false;
  }
  *out = RegexpQuery{std::move(p.field), p.value.ToString(), p.case_insensitive};
  return true;
}

}  // namespace flowdex
