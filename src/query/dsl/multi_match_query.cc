// {"multi_match": {"query": "text", "fields": [...], "type": ..., "operator": ...}}:
// the match (or match_phrase) on each field, any of them; cross_fields:
// every token (with operator and) in some field.
#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseMultiMatchQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("multi_match", body)) return false;
  QueryValue text;
  bool have_query = false, all_tokens = false, lenient = false;
  std::vector<std::string> fields;
  std::string type = "best_fields";
  for (const auto& m : body.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "query") {
      if (!dsl.ParseValue(m.value, &text, "multi_match", key)) return false;
      have_query = true;
    } else if (key == "fields") {
      if (!dsl.ReadFieldList(m.value, "multi_match", &fields)) return false;
    } else if (key == "type" && m.value.IsString()) {
      type = m.value.GetString();
      static const char* kTypes[] = {"best_fields", "most_fields",   "cross_fields",
                                     "phrase",      "phrase_prefix", "bool_prefix"};
      if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
        return dsl.Fail(ParseError::Kind::kParsing, "[multi_match] query type [" + type + "] is not supported", key);
      }
    } else if (key == "operator" && m.value.IsString()) {
      const std::string op = m.value.GetString();
      if (op != "and" && op != "AND" && op != "or" && op != "OR") {
        return dsl.Fail(ParseError::Kind::kParsing, "[multi_match] unknown operator [" + op + "]", key);
      }
      all_tokens = op == "and" || op == "AND";
    } else if (key == "lenient" && m.value.IsBool()) {
      lenient = m.value.GetBool();
    } else if (key == "boost" || key == "_name" || key == "analyzer" || key == "tie_breaker" || key == "fuzziness" ||
               key == "slop" || key == "minimum_should_match" || key == "zero_terms_query" || key == "prefix_length" ||
               key == "max_expansions" || key == "auto_generate_synonyms_phrase_query") {
    } else {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[multi_match] query does not support [{}]", key), key);
    }
  }
  if (!have_query)
    return dsl.Fail(ParseError::Kind::kParsing, "No text specified for multi_match query", "multi_match");
  if (fields.empty()) fields.push_back("*");
  const bool phrase = type == "phrase" || type == "phrase_prefix";
  auto per_field = [&](const std::string& field, const QueryValue& value, bool all) -> Query {
    if (phrase) return MatchPhraseQuery{field, value};
    return MatchQuery{field, value, all};
  };
  BoolQuery q;
  if (type == "cross_fields" && text.kind == QueryValue::Kind::kString) {
    // Each token in any field; tokens joined by the operator.
    std::vector<std::string> tokens;
    std::string cur;
    for (char c : text.text + " ") {
      if (c == ' ' || c == '\t') {
        if (!cur.empty()) tokens.push_back(cur), cur.clear();
      } else {
        cur += c;
      }
    }
    if (tokens.empty()) {
      *out = Query::MatchNone();
      return true;
    }
    for (const std::string& t : tokens) {
      BoolQuery any;
      for (const std::string& f : fields) any.should.push_back(per_field(f, QueryValue::String(t), false));
      (all_tokens ? q.must : q.should).push_back(std::move(any));
    }
    *out = std::move(q);
    if (lenient) MarkLenient(out);
    return true;
  }
  for (const std::string& f : fields) q.should.push_back(per_field(f, text, all_tokens));
  *out = std::move(q);
  if (lenient) MarkLenient(out);
  return true;
}

}  // namespace flowdex
