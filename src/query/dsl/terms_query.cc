// {"terms": {"<field>": [v1, v2, ...]}}: the field holds any of the values.
#include <fmt/format.h>

#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseTermsQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("terms", body)) return false;
  TermsQuery q;
  bool have_field = false;
  for (const auto& m : body.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "boost" || key == "_name") continue;
    if (have_field) return dsl.Fail(ParseError::Kind::kParsing, "[terms] query does not support multiple fields", key);
    have_field = true;
    q.field = key;
    if (!m.value.IsArray()) {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[terms] query does not support [{}]", key), key);
    }
    for (const auto& e : m.value.GetArray()) {
      q.values.emplace_back();
      if (!dsl.ParseValue(e, &q.values.back(), "terms", key)) return false;
    }
  }
  if (!have_field) return dsl.Fail(ParseError::Kind::kParsing, "[terms] query requires a field", "terms");
  *out = std::move(q);
  return true;
}

}  // namespace flowdex
