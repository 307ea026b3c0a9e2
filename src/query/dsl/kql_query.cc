// {"kql": {"query": "source.ip:10.0.0.0/8 and event.action:REJECT"}}: KQL
// inside the DSL (flowdex's own query type, as Kibana's search bar speaks it).
#include <fmt/format.h>

#include "query/dsl/query_registry.h"
#include "query/lang/kql_parser.h"

namespace flowdex {

bool ParseKqlQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("kql", body)) return false;
  std::string text;
  bool case_insensitive = false;
  for (const auto& m : body.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "query" && m.value.IsString()) {
      text = m.value.GetString();
    } else if (key == "case_insensitive" && m.value.IsBool()) {
      case_insensitive = m.value.GetBool();
    } else if (key != "boost" && key != "_name" && key != "time_zone" && key != "default_field") {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[kql] query does not support [{}]", key), key);
    }
  }
  ParseError kql_error;
  if (!ParseKql(text, out, &kql_error, case_insensitive)) {
    return dsl.Fail(ParseError::Kind::kParsing, "[kql] " + kql_error.reason, "kql");
  }
  return true;
}

}  // namespace flowdex
