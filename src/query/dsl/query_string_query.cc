// {"query_string": {"query": "...", "default_field": ..., "default_operator": ...}}:
// Lucene's query-string syntax (src/query/lang/query_string_parser.h).
#include <fmt/format.h>

#include "query/dsl/query_registry.h"
#include "query/lang/query_string_parser.h"

namespace flowdex {

bool ParseQueryStringQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("query_string", body)) return false;
  std::string text;
  QueryStringOptions options;
  bool have_query = false;
  bool lenient = false;
  for (const auto& m : body.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "query" && m.value.IsString()) {
      text = m.value.GetString();
      have_query = true;
    } else if (key == "default_field" && m.value.IsString()) {
      options.default_field = m.value.GetString();
    } else if (key == "default_operator" && m.value.IsString()) {
      const std::string op = m.value.GetString();
      if (op != "AND" && op != "OR" && op != "and" && op != "or") {
        return dsl.Fail(ParseError::Kind::kParsing, "[query_string] default_operator [" + op + "] is not allowed", key);
      }
      options.default_and = op == "AND" || op == "and";
    } else if (key == "fields" && m.value.IsArray() && m.value.Size() == 1 && m.value[0].IsString()) {
      options.default_field = m.value[0].GetString();
    } else if (key == "lenient" && m.value.IsBool()) {
      lenient = m.value.GetBool();
    } else if (key == "boost" || key == "_name" || key == "analyze_wildcard" || key == "allow_leading_wildcard" ||
               key == "time_zone" || key == "analyzer") {
    } else {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[query_string] query does not support [{}]", key), key);
    }
  }
  if (!have_query) {
    return dsl.Fail(ParseError::Kind::kParsing, "[query_string] must be provided with a [query]", "query_string");
  }
  ParseError qs_error;
  if (!ParseQueryString(text, options, out, &qs_error)) return dsl.Fail(qs_error.kind, qs_error.reason, "query_string");
  if (lenient) MarkLenient(out);
  return true;
}

}  // namespace flowdex
