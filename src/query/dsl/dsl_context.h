// DslContext: what every Query DSL parser shares while one search body is
// read: the body (to place errors at a line and column), the error, the
// request's "now" (date math in aggregation bounds), the nesting depth, and
// the helpers each query type's parser uses (values, "exactly one field").
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "query/parse_error.h"
#include "query/query.h"

namespace flowdex {

class DslContext {
 public:
  using Value = rapidjson::Value;

  DslContext(std::string_view body, ParseError* error) : body_(body), error_(error) {}

  // Records the error (placed at the first occurrence of "near_key" in the
  // body, else at its start) and returns false.
  bool Fail(ParseError::Kind kind, std::string reason, std::string_view near_key = {});

  // An Elasticsearch time value: "250ms", "30s", "5m", "1h", "1d" (weeks
  // are calendar units there, not time values).
  static bool ReadTimeValue(std::string_view text, int64_t* ms);

  // Elasticsearch names JSON token types in its messages (START_OBJECT, ...).
  static const char* TokenName(const Value& v);

  // A scalar as a query value; an object, array or null is an error naming
  // the query and the key it was found under.
  bool ParseValue(const Value& v, QueryValue* out, std::string_view query, std::string_view key);

  // A query object {"<type>": {...}}, through the registry of query types.
  bool ParseQuery(const Value& v, Query* out);
  // A clause list: one query object or an array of them.
  bool ParseClauses(const Value& v, std::vector<Query>* out);

  // A list of field names (["a", "b^2"]; boosts are dropped: no scoring) for
  // multi_match and simple_query_string.
  bool ReadFieldList(const Value& v, std::string_view query, std::vector<std::string>* out);

  // Fails unless `body` is an object ("[type] query malformed, no start_object").
  bool ExpectObject(std::string_view type, const Value& body);

  // The "exactly one field" shape of term, prefix, match, range, ...:
  // {"<field>": <value or {params}>}, with boost and _name allowed beside it
  // when `allow_options_beside` is set. Calls on_field(field, value) once;
  // a second field is Elasticsearch's "[type] query doesn't support multiple
  // fields" error; no field at all, `missing_reason` (kind `missing_kind`).
  template <typename OnField>
  bool SingleField(std::string_view type, const Value& body, bool allow_options_beside, ParseError::Kind missing_kind,
                   std::string_view missing_reason, OnField&& on_field) {
    if (!ExpectObject(type, body)) return false;
    std::string field;
    for (const auto& m : body.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (allow_options_beside && (key == "boost" || key == "_name")) continue;
      if (!field.empty()) return MultipleFields(type, field, key);
      field = std::string(key);
      if (!on_field(field, m.value)) return false;
    }
    if (field.empty()) return Fail(missing_kind, std::string(missing_reason), type);
    return true;
  }

  int64_t now_ms() const { return now_ms_; }
  void set_now(int64_t now_ms) { now_ms_ = now_ms; }

  // Depth of nested queries and aggregations; Enter fails past kMaxQueryDepth.
  bool Enter(std::string_view what);
  void Leave() { --depth_; }

 private:
  bool MultipleFields(std::string_view type, const std::string& first, std::string_view second);

  std::string_view body_;
  ParseError* error_;
  int64_t now_ms_ = 0;
  int depth_ = 0;
};

// Leaves a nesting level when it goes out of scope.
class DepthScope {
 public:
  explicit DepthScope(DslContext* c) : c_(c) {}
  ~DepthScope() { c_->Leave(); }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;

 private:
  DslContext* c_;
};

}  // namespace flowdex
