// {"simple_query_string": {"query": "...", "fields": [...], "default_operator": ...}}:
// the forgiving syntax of src/query/lang/simple_query_string_parser.h.
#include <fmt/format.h>

#include "query/dsl/query_registry.h"
#include "query/lang/simple_query_string_parser.h"

namespace flowdex {

bool ParseSimpleQueryStringQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("simple_query_string", body)) return false;
  std::string text;
  bool have_query = false;
  bool lenient = false;
  SimpleQueryStringOptions options;
  for (const auto& m : body.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "query" && m.value.IsString()) {
      text = m.value.GetString();
      have_query = true;
    } else if (key == "fields") {
      options.fields.clear();
      if (!dsl.ReadFieldList(m.value, "simple_query_string", &options.fields)) return false;
    } else if (key == "default_operator" && m.value.IsString()) {
      const std::string op = m.value.GetString();
      if (op != "AND" && op != "OR" && op != "and" && op != "or") {
        return dsl.Fail(ParseError::Kind::kParsing,
                        "[simple_query_string] default operator [" + op + "] is not allowed", key);
      }
      options.default_and = op == "AND" || op == "and";
    } else if (key == "lenient" && m.value.IsBool()) {
      lenient = m.value.GetBool();
    } else if (key == "boost" || key == "_name" || key == "analyzer" || key == "flags" || key == "analyze_wildcard" ||
               key == "auto_generate_synonyms_phrase_query" || key == "fuzzy_max_expansions" ||
               key == "fuzzy_prefix_length" || key == "fuzzy_transpositions" || key == "minimum_should_match" ||
               key == "quote_field_suffix") {
    } else {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[simple_query_string] unsupported field [{}]", key),
                      key);
    }
  }
  if (!have_query) {
    return dsl.Fail(ParseError::Kind::kParsing, "[simple_query_string] query text missing", "simple_query_string");
  }
  ParseSimpleQueryString(text, options, out);
  if (lenient) MarkLenient(out);
  return true;
}

}  // namespace flowdex
