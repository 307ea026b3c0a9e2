// {"exists": {"field": "<field>"}}: documents with a value for the field.
#include <fmt/format.h>

#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseExistsQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("exists", body)) return false;
  ExistsQuery q;
  for (const auto& m : body.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "field" && m.value.IsString()) {
      q.field = m.value.GetString();
    } else if (key != "boost" && key != "_name") {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[exists] query does not support [{}]", key), key);
    }
  }
  if (q.field.empty())
    return dsl.Fail(ParseError::Kind::kParsing, "[exists] must be provided with a [field]", "exists");
  *out = std::move(q);
  return true;
}

}  // namespace flowdex
