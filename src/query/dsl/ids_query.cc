// {"ids": {"values": ["id1", ...]}}: documents with these _ids.
#include <fmt/format.h>

#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseIdsQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("ids", body)) return false;
  IdsQuery q;
  for (const auto& m : body.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "values" && m.value.IsArray()) {
      for (const auto& e : m.value.GetArray()) {
        QueryValue v;
        if (!dsl.ParseValue(e, &v, "ids", key)) return false;
        q.ids.push_back(v.ToString());
      }
    } else if (key != "boost" && key != "_name") {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[ids] query does not support [{}]", key), key);
    }
  }
  *out = std::move(q);
  return true;
}

}  // namespace flowdex
