#include "query/dsl_parser.h"

#include "flowlog/ip_address.h"
#include "query/date_math.h"
#include "store/column_codec.h"
#include "util/time_util.h"
#include "query/kql_parser.h"
#include "query/query_string_parser.h"
#include "query/simple_query_string_parser.h"

#include <re2/re2.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace flowdex {

namespace {

using Value = rapidjson::Value;

// An Elasticsearch time value: "250ms", "30s", "5m", "1h", "1d" (weeks
// are calendar units there, not time values).
bool ReadTimeValue(std::string_view text, int64_t* ms) {
  return !text.empty() && text.back() != 'w' && ParseDuration(text, ms).ok();
}

// Parsing state: the body (to locate tokens for error positions) and the error.
class Parser {
 public:
  Parser(std::string_view body, SearchError* error) : body_(body), error_(error) {}

  bool Fail(std::string type, std::string reason, std::string_view near_key = {}) {
    error_->status = 400;
    error_->type = std::move(type);
    error_->reason = std::move(reason);
    Locate(near_key);
    return false;
  }

  // Elasticsearch names JSON token types in its messages.
  static const char* TokenName(const Value& v) {
    if (v.IsObject()) return "START_OBJECT";
    if (v.IsArray()) return "START_ARRAY";
    if (v.IsString()) return "VALUE_STRING";
    if (v.IsNumber()) return "VALUE_NUMBER";
    if (v.IsBool()) return "VALUE_BOOLEAN";
    return "VALUE_NULL";
  }

  bool ParseValue(const Value& v, QueryValue* out, std::string_view query, std::string_view key) {
    if (v.IsString()) {
      *out = QueryValue::String(std::string(v.GetString(), v.GetStringLength()));
    } else if (v.IsInt64()) {
      *out = QueryValue::Integer(v.GetInt64());
    } else if (v.IsNumber()) {
      *out = QueryValue::Double(v.GetDouble());
    } else if (v.IsBool()) {
      *out = QueryValue::Bool(v.GetBool());
    } else {
      return Fail("parsing_exception", fmt::format("[{}] unknown token [{}] after [{}]", query, TokenName(v), key), key);
    }
    return true;
  }

  // A query object: {"<type>": {...}}.
  bool ParseQuery(const Value& v, Query* q) {
    struct DepthGuard {
      int& depth;
      ~DepthGuard() { --depth; }
    } guard{++depth_};
    if (depth_ > kMaxQueryDepth) {
      return Fail("parsing_exception", fmt::format("query nested deeper than {} levels", kMaxQueryDepth));
    }
    if (!v.IsObject()) {
      return Fail("parsing_exception", fmt::format("[_na] query malformed, must start with start_object"));
    }
    if (v.MemberCount() == 0) {
      return Fail("parsing_exception", "query malformed, empty clause found");
    }
    if (v.MemberCount() > 1) {
      auto second = v.MemberBegin() + 1;
      return Fail("parsing_exception",
                  fmt::format("[{}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]",
                              v.MemberBegin()->name.GetString()),
                  second->name.GetString());
    }
    const std::string type = v.MemberBegin()->name.GetString();
    const Value& body = v.MemberBegin()->value;
    if (type == "match_all" || type == "match_none") {
      *q = type == "match_all" ? Query::MatchAll() : Query::MatchNone();
      return ExpectObject(type, body);
    }
    if (type == "bool") return ParseBool(body, q);
    if (type == "term" || type == "prefix" || type == "wildcard" || type == "regexp") {
      return ParseSingleField(type, body, q);
    }
    if (type == "multi_match") return ParseMultiMatch(body, q);
    if (type == "simple_query_string") return ParseSimpleQueryStringQuery(body, q);
    if (type == "match") return ParseMatch(body, q);
    if (type == "match_phrase") {
      if (!ParseMatch(body, q, "match_phrase")) return false;
      q->kind = Query::Kind::kMatchPhrase;
      return true;
    }
    if (type == "kql") return ParseKqlQuery(body, q);
    if (type == "query_string") return ParseQueryStringQuery(body, q);
    if (type == "terms") return ParseTerms(body, q);
    if (type == "range") return ParseRange(body, q);
    if (type == "exists") return ParseFieldOnly(type, body, q);
    if (type == "ids") return ParseIds(body, q);
    if (type == "constant_score") {
      if (!ExpectObject(type, body)) return false;
      if (!body.HasMember("filter")) return Fail("parsing_exception", "[constant_score] requires a 'filter' element", type);
      return ParseQuery(body["filter"], q);
    }
    return Fail("parsing_exception", fmt::format("unknown query [{}]", type), type);
  }

 private:
  bool ExpectObject(const std::string& type, const Value& body) {
    if (body.IsObject()) return true;
    return Fail("parsing_exception", fmt::format("[{}] query malformed, no start_object after query name", type), type);
  }

  bool ParseClauses(const Value& v, std::vector<Query>* out) {
    if (v.IsArray()) {
      for (const Value& c : v.GetArray()) {
        out->emplace_back();
        if (!ParseQuery(c, &out->back())) return false;
      }
      return true;
    }
    out->emplace_back();
    return ParseQuery(v, &out->back());
  }

  bool ParseBool(const Value& body, Query* q) {
    if (!ExpectObject("bool", body)) return false;
    q->kind = Query::Kind::kBool;
    const Value* pending_msm = nullptr;  // applied once every should clause is known
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "must") {
        if (!ParseClauses(m.value, &q->must)) return false;
      } else if (key == "filter") {
        if (!ParseClauses(m.value, &q->filter)) return false;
      } else if (key == "should") {
        if (!ParseClauses(m.value, &q->should)) return false;
      } else if (key == "must_not" || key == "mustNot") {
        if (!ParseClauses(m.value, &q->must_not)) return false;
      } else if (key == "minimum_should_match") {
        pending_msm = &m.value;
      } else if (key == "boost" || key == "_name" || key == "adjust_pure_negative") {
      } else {
        return Fail("parsing_exception", fmt::format("[bool] query does not support [{}]", key), key);
      }
    }
    if (pending_msm != nullptr) {
      const Value& msm = *pending_msm;
      const int n = static_cast<int>(q->should.size());
      if (msm.IsInt()) {
        q->minimum_should_match = msm.GetInt() < 0 ? std::max(0, n + msm.GetInt()) : msm.GetInt();
      } else if (msm.IsString()) {
        std::string s = msm.GetString();
        const bool percent = !s.empty() && s.back() == '%';
        if (percent) s.pop_back();
        char* end = nullptr;
        const long v = std::strtol(s.c_str(), &end, 10);
        if (s.empty() || end != s.c_str() + s.size()) {
          return Fail("illegal_argument_exception",
                      fmt::format("Unsupported minimum_should_match [{}]", msm.GetString()), "minimum_should_match");
        }
        int count = percent ? static_cast<int>(n * std::labs(v) / 100) : static_cast<int>(std::labs(v));
        if (v < 0) count = n - count;
        q->minimum_should_match = std::max(0, count);
      } else {
        return Fail("parsing_exception", "[bool] minimum_should_match must be a number or a string",
                    "minimum_should_match");
      }
    }
    return true;
  }

  // {"term": {"field": value}} or {"term": {"field": {"value": v, ...}}}; prefix and wildcard alike.
  bool ParseSingleField(const std::string& type, const Value& body, Query* q) {
    if (!ExpectObject(type, body)) return false;
    q->kind = type == "term"     ? Query::Kind::kTerm
              : type == "prefix" ? Query::Kind::kPrefix
              : type == "regexp" ? Query::Kind::kRegexp
                                 : Query::Kind::kWildcard;
    bool have_field = false;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "boost" || key == "_name") continue;
      if (have_field) {
        return Fail("parsing_exception",
                    fmt::format("[{}] query doesn't support multiple fields, found [{}] and [{}]", type, q->field, key),
                    key);
      }
      have_field = true;
      q->field = key;
      if (m.value.IsObject()) {
        for (const auto& p : m.value.GetObject()) {
          const std::string param = p.name.GetString();
          if (param == "value" || (type == "wildcard" && param == "wildcard")) {
            QueryValue v;
            if (!ParseValue(p.value, &v, type, param)) return false;
            q->values = {v};
          } else if (param == "case_insensitive" && p.value.IsBool()) {
            q->case_insensitive = p.value.GetBool();
          } else if (param == "boost" || param == "_name" || param == "rewrite" ||
                     (type == "regexp" && (param == "flags" || param == "max_determinized_states" ||
                                           param == "flags_value"))) {
          } else {
            return Fail("parsing_exception", fmt::format("[{}] query does not support [{}]", type, param), param);
          }
        }
        if (q->values.empty()) {
          return Fail("parsing_exception", fmt::format("[{}] requires a value for [{}]", type, key), key);
        }
      } else {
        QueryValue v;
        if (!ParseValue(m.value, &v, type, key)) return false;
        q->values = {v};
      }
    }
    if (!have_field) return Fail("illegal_argument_exception", fmt::format("[{}] requires a field name", type), type);
    return true;
  }

  bool ParseQueryStringQuery(const Value& body, Query* q) {
    if (!ExpectObject("query_string", body)) return false;
    std::string text;
    QueryStringOptions options;
    bool have_query = false;
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
          return Fail("parsing_exception", "[query_string] default_operator [" + op + "] is not allowed", key);
        }
        options.default_and = op == "AND" || op == "and";
      } else if (key == "fields" && m.value.IsArray() && m.value.Size() == 1 && m.value[0].IsString()) {
        options.default_field = m.value[0].GetString();
      } else if (key == "boost" || key == "_name" || key == "lenient" || key == "analyze_wildcard" ||
                 key == "allow_leading_wildcard" || key == "time_zone" || key == "analyzer") {
      } else {
        return Fail("parsing_exception", fmt::format("[query_string] query does not support [{}]", key), key);
      }
    }
    if (!have_query) return Fail("parsing_exception", "[query_string] must be provided with a [query]", "query_string");
    SearchError qs_error;
    if (!ParseQueryString(text, options, q, &qs_error)) {
      return Fail(qs_error.type, qs_error.reason, "query_string");
    }
    return true;
  }

  // A list of field names (["a", "b^2"]) for multi_match and simple_query_string.
  bool ReadFieldList(const Value& v, const char* query, std::vector<std::string>* out) {
    if (v.IsString()) {
      out->push_back(v.GetString());
      return true;
    }
    if (!v.IsArray()) return Fail("parsing_exception", fmt::format("[{}] query does not support [fields]", query), "fields");
    for (const Value& f : v.GetArray()) {
      if (!f.IsString()) return Fail("parsing_exception", fmt::format("[{}] fields must be strings", query), "fields");
      std::string name = f.GetString();
      if (const size_t caret = name.find('^'); caret != std::string::npos) name.resize(caret);  // boosts: no scoring
      out->push_back(name);
    }
    return true;
  }

  bool ParseSimpleQueryStringQuery(const Value& body, Query* q) {
    if (!ExpectObject("simple_query_string", body)) return false;
    std::string text;
    bool have_query = false;
    SimpleQueryStringOptions options;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "query" && m.value.IsString()) {
        text = m.value.GetString();
        have_query = true;
      } else if (key == "fields") {
        options.fields.clear();
        if (!ReadFieldList(m.value, "simple_query_string", &options.fields)) return false;
      } else if (key == "default_operator" && m.value.IsString()) {
        const std::string op = m.value.GetString();
        if (op != "AND" && op != "OR" && op != "and" && op != "or") {
          return Fail("parsing_exception", "[simple_query_string] default operator [" + op + "] is not allowed", key);
        }
        options.default_and = op == "AND" || op == "and";
      } else if (key == "boost" || key == "_name" || key == "lenient" || key == "analyzer" || key == "flags" ||
                 key == "analyze_wildcard" || key == "auto_generate_synonyms_phrase_query" ||
                 key == "fuzzy_max_expansions" || key == "fuzzy_prefix_length" || key == "fuzzy_transpositions" ||
                 key == "minimum_should_match" || key == "quote_field_suffix") {
      } else {
        return Fail("parsing_exception", fmt::format("[simple_query_string] unsupported field [{}]", key), key);
      }
    }
    if (!have_query) return Fail("parsing_exception", "[simple_query_string] query text missing", "simple_query_string");
    ParseSimpleQueryString(text, options, q);
    return true;
  }

  // multi_match: the match (or match_phrase) on each field, any of them;
  // cross_fields: every token (with operator and) in some field.
  bool ParseMultiMatch(const Value& body, Query* q) {
    if (!ExpectObject("multi_match", body)) return false;
    QueryValue text;
    bool have_query = false, all_tokens = false;
    std::vector<std::string> fields;
    std::string type = "best_fields";
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "query") {
        if (!ParseValue(m.value, &text, "multi_match", key)) return false;
        have_query = true;
      } else if (key == "fields") {
        if (!ReadFieldList(m.value, "multi_match", &fields)) return false;
      } else if (key == "type" && m.value.IsString()) {
        type = m.value.GetString();
        static const char* kTypes[] = {"best_fields", "most_fields", "cross_fields", "phrase", "phrase_prefix", "bool_prefix"};
        if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
          return Fail("parsing_exception", "[multi_match] query type [" + type + "] is not supported", key);
        }
      } else if (key == "operator" && m.value.IsString()) {
        const std::string op = m.value.GetString();
        if (op != "and" && op != "AND" && op != "or" && op != "OR") {
          return Fail("parsing_exception", "[multi_match] unknown operator [" + op + "]", key);
        }
        all_tokens = op == "and" || op == "AND";
      } else if (key == "boost" || key == "_name" || key == "lenient" || key == "analyzer" || key == "tie_breaker" ||
                 key == "fuzziness" || key == "slop" || key == "minimum_should_match" || key == "zero_terms_query" ||
                 key == "prefix_length" || key == "max_expansions" || key == "auto_generate_synonyms_phrase_query") {
      } else {
        return Fail("parsing_exception", fmt::format("[multi_match] query does not support [{}]", key), key);
      }
    }
    if (!have_query) return Fail("parsing_exception", "No text specified for multi_match query", "multi_match");
    if (fields.empty()) fields.push_back("*");
    const bool phrase = type == "phrase" || type == "phrase_prefix";
    auto per_field = [&](const std::string& field, const QueryValue& value, bool all) {
      Query m;
      m.kind = phrase ? Query::Kind::kMatchPhrase : Query::Kind::kMatch;
      m.field = field;
      m.values = {value};
      m.match_all_tokens = all;
      return m;
    };
    q->kind = Query::Kind::kBool;
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
      for (const std::string& t : tokens) {
        Query any;
        any.kind = Query::Kind::kBool;
        for (const std::string& f : fields) any.should.push_back(per_field(f, QueryValue::String(t), false));
        (all_tokens ? q->must : q->should).push_back(std::move(any));
      }
      if (tokens.empty()) *q = Query::MatchNone();
      return true;
    }
    for (const std::string& f : fields) q->should.push_back(per_field(f, text, all_tokens));
    return true;
  }

  bool ParseKqlQuery(const Value& body, Query* q) {
    if (!ExpectObject("kql", body)) return false;
    std::string text;
    bool ci = false;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "query" && m.value.IsString()) {
        text = m.value.GetString();
      } else if (key == "case_insensitive" && m.value.IsBool()) {
        ci = m.value.GetBool();
      } else if (key != "boost" && key != "_name" && key != "time_zone" && key != "default_field") {
        return Fail("parsing_exception", fmt::format("[kql] query does not support [{}]", key), key);
      }
    }
    SearchError kql_error;
    if (!ParseKql(text, q, &kql_error, ci)) {
      return Fail("parsing_exception", "[kql] " + kql_error.reason, "kql");
    }
    return true;
  }

  bool ParseMatch(const Value& body, Query* q, const char* name = "match") {
    const std::string type_name = name;
    if (!ExpectObject(type_name, body)) return false;
    q->kind = Query::Kind::kMatch;
    bool have_field = false;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (have_field) {
        return Fail("parsing_exception", "[" + type_name + "] query doesn't support multiple fields, found [" + q->field +
                                             "] and [" + key + "]",
                    key);
      }
      have_field = true;
      q->field = key;
      if (m.value.IsObject()) {
        for (const auto& p : m.value.GetObject()) {
          const std::string param = p.name.GetString();
          if (param == "query") {
            QueryValue v;
            if (!ParseValue(p.value, &v, type_name, param)) return false;
            q->values = {v};
          } else if (param == "operator" && type_name == "match") {
            const std::string op = p.value.IsString() ? p.value.GetString() : "";
            if (op == "and" || op == "AND") {
              q->match_all_tokens = true;
            } else if (op != "or" && op != "OR") {
              return Fail("parsing_exception", fmt::format("[match] unknown operator [{}]", op), param);
            }
          } else if (param == "boost" || param == "_name" || param == "lenient" || param == "analyzer" ||
                     param == "zero_terms_query" || param == "fuzziness" || param == "slop" ||
                     param == "auto_generate_synonyms_phrase_query") {
          } else {
            // The seed's {"match": {"destination_ip": {"exists": true}}} ends here.
            return Fail("parsing_exception", fmt::format("[{}] query does not support [{}]", type_name, param), param);
          }
        }
        if (q->values.empty()) return Fail("parsing_exception", "No text specified for text query", key);
      } else {
        QueryValue v;
        if (!ParseValue(m.value, &v, type_name, key)) return false;
        q->values = {v};
      }
    }
    if (!have_field) return Fail("parsing_exception", "No text specified for text query", type_name);
    return true;
  }

  bool ParseTerms(const Value& body, Query* q) {
    if (!ExpectObject("terms", body)) return false;
    q->kind = Query::Kind::kTerms;
    bool have_field = false;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "boost" || key == "_name") continue;
      if (have_field) {
        return Fail("parsing_exception",
                    fmt::format("[terms] query does not support multiple fields"), key);
      }
      have_field = true;
      q->field = key;
      if (!m.value.IsArray()) {
        return Fail("parsing_exception", fmt::format("[terms] query does not support [{}]", key), key);
      }
      for (const Value& e : m.value.GetArray()) {
        QueryValue v;
        if (!ParseValue(e, &v, "terms", key)) return false;
        q->values.push_back(v);
      }
    }
    if (!have_field) return Fail("parsing_exception", "[terms] query requires a field", "terms");
    return true;
  }

  bool ParseRange(const Value& body, Query* q) {
    if (!ExpectObject("range", body)) return false;
    q->kind = Query::Kind::kRange;
    bool have_field = false;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (have_field) {
        return Fail("parsing_exception",
                    fmt::format("[range] query doesn't support multiple fields, found [{}] and [{}]", q->field, key),
                    key);
      }
      have_field = true;
      q->field = key;
      if (!m.value.IsObject()) {
        return Fail("parsing_exception", fmt::format("[range] query does not support [{}]", key), key);
      }
      for (const auto& p : m.value.GetObject()) {
        const std::string param = p.name.GetString();
        std::optional<QueryValue>* slot = param == "gt"    ? &q->gt
                                          : param == "gte" || param == "from" ? &q->gte
                                          : param == "lt"  ? &q->lt
                                          : param == "lte" || param == "to" ? &q->lte
                                                           : nullptr;
        if (slot != nullptr) {
          if (p.value.IsNull()) continue;  // an open end
          QueryValue v;
          if (!ParseValue(p.value, &v, "range", param)) return false;
          *slot = v;
        } else if ((param == "format" || param == "time_zone") && p.value.IsString()) {
          // Checked here so that a bad one is a parsing error wherever the field is.
          const std::string text = p.value.GetString();
          if (param == "format") {
            DateFormat f;
            if (Status st = DateFormat::Parse(text, &f); !st.ok()) return Fail("illegal_argument_exception", std::string(st.message()), param);
            q->date_format = text;
          } else {
            TimeZone tz;
            if (Status st = TimeZone::Parse(text, &tz); !st.ok()) return Fail("illegal_argument_exception", std::string(st.message()), param);
            q->time_zone = text;
          }
        } else if (param == "boost" || param == "_name" || param == "relation") {
        } else {
          return Fail("parsing_exception", fmt::format("[range] query does not support [{}]", param), param);
        }
      }
    }
    if (!have_field) return Fail("parsing_exception", "[range] query requires a field", "range");
    return true;
  }

  bool ParseFieldOnly(const std::string& type, const Value& body, Query* q) {
    if (!ExpectObject(type, body)) return false;
    q->kind = Query::Kind::kExists;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "field" && m.value.IsString()) {
        q->field = m.value.GetString();
      } else if (key != "boost" && key != "_name") {
        return Fail("parsing_exception", fmt::format("[{}] query does not support [{}]", type, key), key);
      }
    }
    if (q->field.empty()) return Fail("parsing_exception", fmt::format("[{}] must be provided with a [field]", type), type);
    return true;
  }

  bool ParseIds(const Value& body, Query* q) {
    if (!ExpectObject("ids", body)) return false;
    q->kind = Query::Kind::kIds;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "values" && m.value.IsArray()) {
        for (const Value& e : m.value.GetArray()) {
          QueryValue v;
          if (!ParseValue(e, &v, "ids", key)) return false;
          v.text = v.ToString();
          v.kind = QueryValue::Kind::kString;
          q->values.push_back(v);
        }
      } else if (key != "boost" && key != "_name") {
        return Fail("parsing_exception", fmt::format("[ids] query does not support [{}]", key), key);
      }
    }
    return true;
  }

  // (public) "aggs": {"<name>": {"<type>": {...}, "aggs": {...}}, ...}
 public:
  // parent: the enclosing aggregation's name, for sub-aggregations.
  bool ParseAggs(const Value& v, std::vector<AggRequest>* out, const std::string* parent = nullptr) {
    struct DepthGuard {
      int& depth;
      ~DepthGuard() { --depth; }
    } guard{++depth_};
    if (depth_ > kMaxQueryDepth) {
      return Fail("parsing_exception", fmt::format("aggregations nested deeper than {} levels", kMaxQueryDepth));
    }
    if (!v.IsObject()) return Fail("parsing_exception", "Found [aggs] but it is not an object", "aggs");
    for (const auto& m : v.GetObject()) {
      AggRequest agg;
      agg.name = m.name.GetString();
      if (!m.value.IsObject()) {
        return Fail("parsing_exception", "Expected [START_OBJECT] under [" + agg.name + "]", agg.name);
      }
      bool have_type = false;
      for (const auto& part : m.value.GetObject()) {
        const std::string key = part.name.GetString();
        if (key == "aggs" || key == "aggregations") {
          if (!ParseAggs(part.value, &agg.subs, &agg.name)) return false;
        } else if (key == "meta") {
        } else if (have_type) {
          return Fail("parsing_exception",
                      fmt::format("Found two aggregation type definitions in [{}]: [{}]", agg.name, key), key);
        } else {
          have_type = true;
          if (!ParseAggBody(key, part.value, &agg)) return false;
        }
      }
      if (!have_type) return Fail("parsing_exception", "Missing definition for aggregation [" + agg.name + "]", agg.name);
      // Orders by a sub-aggregation name one that exists (known only now).
      for (const AggRequest::Order& o : agg.order) {
        if (o.by == "_count" || o.by == "_key" || o.by == "_term") continue;
        const std::string head = o.by.substr(0, o.by.find_first_of(".>["));
        if (std::none_of(agg.subs.begin(), agg.subs.end(), [&](const AggRequest& s) { return s.name == head; })) {
          return Fail("illegal_argument_exception",
                      fmt::format("Invalid aggregator order path [{}]. The provided aggregation [{}] either does not "
                                  "exist, or is a pipeline aggregation and cannot be used to sort the buckets.",
                                  o.by, head),
                      "order");
        }
      }
      if (agg.type == AggRequest::Type::kComposite && parent != nullptr) {
        return Fail("illegal_argument_exception",
                    "[composite] aggregation cannot be used with a parent aggregation [" + *parent + "]", agg.name);
      }
      out->push_back(std::move(agg));
    }
    return true;
  }

 private:
  bool ParseAggBody(const std::string& type, const Value& body, AggRequest* agg) {
    using T = AggRequest::Type;
    static const std::pair<const char*, T> kTypes[] = {
        {"terms", T::kTerms},         {"date_histogram", T::kDateHistogram}, {"histogram", T::kHistogram},
        {"range", T::kRange},         {"date_range", T::kDateRange},         {"ip_range", T::kIpRange},
        {"filter", T::kFilter},       {"filters", T::kFilters},              {"missing", T::kMissing},
        {"composite", T::kComposite}, {"sum", T::kSum},                      {"avg", T::kAvg},
        {"min", T::kMin},             {"max", T::kMax},                      {"value_count", T::kValueCount},
        {"stats", T::kStats},         {"extended_stats", T::kExtendedStats}, {"cardinality", T::kCardinality},
        {"percentiles", T::kPercentiles}, {"top_hits", T::kTopHits}};
    bool known = false;
    for (const auto& [name, t] : kTypes) {
      if (type == name) agg->type = t, known = true;
    }
    if (!known) {
      const std::string close = ClosestAggType(type);
      return Fail("parsing_exception",
                  fmt::format("Unknown aggregation type [{}]{}", type, close.empty() ? "" : " did you mean [" + close + "]?"),
                  type);
    }
    if (!body.IsObject()) return Fail("parsing_exception", fmt::format("[{}] must be an object", type), type);
    if (agg->type == T::kFilter) {
      agg->filters.emplace_back("", Query{});
      return ParseQuery(body, &agg->filters.back().second);
    }
    if (agg->type == T::kDateHistogram || agg->type == T::kHistogram) agg->min_doc_count = 0;
    if (agg->type == T::kTopHits) agg->size = 3;
    if (agg->type == T::kPercentiles) {
      agg->percents = {1, 5, 25, 50, 75, 95, 99};
      agg->keyed = true;
    }
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      const Value& v = m.value;
      if (key == "field" && v.IsString()) {
        agg->field = v.GetString();
      } else if (key == "size" && v.IsInt64()) {
        if (v.GetInt64() < 0 || (v.GetInt64() == 0 && agg->type != T::kTopHits)) {
          return Fail("illegal_argument_exception", fmt::format("[size] must be greater than 0. Found [{}] in [{}]",
                                                                v.GetInt64(), agg->name), key);
        }
        agg->size = static_cast<uint64_t>(v.GetInt64());
      } else if (key == "from" && v.IsUint64() && agg->type == T::kTopHits) {
        agg->from = v.GetUint64();
      } else if (key == "min_doc_count" && v.IsUint64()) {
        agg->min_doc_count = v.GetUint64();
      } else if (key == "order" && agg->type == T::kTerms) {
        if (!ParseTermsOrder(v, agg)) return false;
      } else if (key == "collect_mode" && agg->type == T::kTerms) {
        const std::string mode = v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : "";
        if (mode == "depth_first") {
          agg->collect_mode = AggRequest::CollectMode::kDepthFirst;
        } else if (mode == "breadth_first") {
          agg->collect_mode = AggRequest::CollectMode::kBreadthFirst;
        } else {
          return Fail("illegal_argument_exception",
                      fmt::format("Unknown `collect_mode` [{}], expected [breadth_first] or [depth_first]",
                                  v.IsString() ? mode : TokenName(v)),
                      key);
        }
      } else if (key == "missing" && agg->type == T::kTerms) {
        QueryValue mv;
        if (!ParseValue(v, &mv, type, key)) return false;
        agg->missing = mv;
      } else if ((key == "include" || key == "exclude") && agg->type == T::kTerms) {
        std::string* regex = key == "include" ? &agg->include_regex : &agg->exclude_regex;
        std::vector<std::string>* values = key == "include" ? &agg->include_values : &agg->exclude_values;
        if (v.IsString()) {
          *regex = v.GetString();
          RE2 re(*regex, RE2::Quiet);
          if (!re.ok()) return Fail("illegal_argument_exception", "Invalid regular expression [" + *regex + "]: " + re.error(), key);
        } else if (v.IsArray()) {
          for (const Value& e : v.GetArray()) {
            QueryValue qv;
            if (!ParseValue(e, &qv, type, key)) return false;
            values->push_back(qv.ToString());
          }
        } else {
          return Fail("illegal_argument_exception", "Unrecognized token for an include [" + std::string(TokenName(v)) + "]", key);
        }
      } else if (key == "fixed_interval" && v.IsString()) {
        int64_t ms = 0;
        if (!ReadTimeValue(v.GetString(), &ms) || ms <= 0) {
          return Fail("illegal_argument_exception",
                      fmt::format("failed to parse setting [date_histogram.fixedInterval] with value [{}] as a time "
                                  "value: unit is missing or unrecognized",
                                  v.GetString()),
                      key);
        }
        agg->fixed_interval_ms = ms;
      } else if (key == "calendar_interval" && v.IsString()) {
        static const char* kUnits[] = {"minute", "1m", "hour", "1h", "day", "1d", "week", "1w",
                                       "month", "1M", "quarter", "1q", "year", "1y"};
        const std::string unit = v.GetString();
        if (std::find(std::begin(kUnits), std::end(kUnits), unit) == std::end(kUnits)) {
          return Fail("illegal_argument_exception", fmt::format("The supplied interval [{}] could not be parsed as a "
                                                                "calendar interval.",
                                                                unit),
                      key);
        }
        agg->calendar_unit = unit;
      } else if (key == "interval" && v.IsNumber() && agg->type == T::kHistogram) {
        agg->interval = v.GetDouble();
      } else if (key == "offset" && (agg->type == T::kHistogram || agg->type == T::kDateHistogram)) {
        if (v.IsNumber()) {
          agg->offset = v.GetDouble();
        } else if (v.IsString() && agg->type == T::kDateHistogram) {
          std::string text = v.GetString();
          const bool negative = !text.empty() && text[0] == '-';
          if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.erase(0, 1);
          int64_t ms = 0;
          if (!ReadTimeValue(text, &ms)) {
            return Fail("illegal_argument_exception", "failed to parse setting [date_histogram.offset] with value [" +
                                                          std::string(v.GetString()) + "] as a time value", key);
          }
          agg->offset = static_cast<double>(negative ? -ms : ms);
        } else {
          return Fail("parsing_exception", fmt::format("Unexpected token {} [{}] in [{}].", TokenName(v), key, agg->name), key);
        }
      } else if ((key == "extended_bounds" || key == "hard_bounds") && v.IsObject()) {
        std::optional<double>* lo = key == "extended_bounds" ? &agg->extended_min : &agg->hard_min;
        std::optional<double>* hi = key == "extended_bounds" ? &agg->extended_max : &agg->hard_max;
        for (const auto& b : v.GetObject()) {
          const std::string bk = b.name.GetString();
          std::optional<double>* slot = bk == "min" ? lo : bk == "max" ? hi : nullptr;
          if (slot == nullptr) return Fail("x_content_parse_exception", fmt::format("[{}] unknown field [{}]", key, bk), bk);
          double d = 0;
          if (!ReadBound(b.value, agg, bk == "max", &d)) return false;
          *slot = d;
        }
        if (*lo && *hi && **lo > **hi) {
          return Fail("illegal_argument_exception",
                      fmt::format("[{}.min][{}] cannot be greater than [{}.max][{}] for histogram aggregation [{}]",
                                  key, **lo, key, **hi, agg->name), key);
        }
      } else if (key == "time_zone" && v.IsString()) {
        TimeZone tz;
        if (Status st = TimeZone::Parse(v.GetString(), &tz); !st.ok()) {
          return Fail("illegal_argument_exception", std::string(st.message()), key);
        }
        agg->time_zone = v.GetString();
      } else if (key == "format" && v.IsString()) {
        DateFormat f;
        if (Status st = DateFormat::Parse(v.GetString(), &f); !st.ok()) {
          return Fail("illegal_argument_exception", std::string(st.message()), key);
        }
        agg->format = v.GetString();
      } else if (key == "keyed" && v.IsBool()) {
        agg->keyed = v.GetBool();
      } else if (key == "ranges" && v.IsArray()) {
        for (const Value& r : v.GetArray()) {
          if (!ParseAggRange(r, agg)) return false;
        }
      } else if (key == "filters") {
        if (v.IsObject()) {
          for (const auto& f : v.GetObject()) {
            agg->filters.emplace_back(f.name.GetString(), Query{});
            if (!ParseQuery(f.value, &agg->filters.back().second)) return false;
          }
        } else if (v.IsArray()) {
          agg->keyed_filters = false;
          for (const Value& f : v.GetArray()) {
            agg->filters.emplace_back(fmt::format("{:08}", agg->filters.size()), Query{});
            if (!ParseQuery(f, &agg->filters.back().second)) return false;
          }
        }
        if (agg->filters.empty()) return Fail("illegal_argument_exception", "[filters] cannot be empty.", key);
      } else if (key == "precision_threshold" && v.IsUint64()) {
        agg->precision_threshold = v.GetUint64();
      } else if (key == "percents" && v.IsArray()) {
        agg->percents.clear();
        for (const Value& p : v.GetArray()) {
          if (!p.IsNumber() || p.GetDouble() < 0 || p.GetDouble() > 100) {
            return Fail("illegal_argument_exception", "percent must be in [0,100], got [" +
                                                          (p.IsNumber() ? fmt::format("{}", p.GetDouble()) : "?") + "]", key);
          }
          agg->percents.push_back(p.GetDouble());
        }
        if (agg->percents.empty()) return Fail("illegal_argument_exception", "[percents] must not be empty", key);
      } else if (key == "sort" && agg->type == T::kTopHits) {
        if (!ParseSort(v, &agg->sort)) return false;
      } else if (key == "_source" && agg->type == T::kTopHits) {
        agg->fetch_source = !(v.IsBool() && !v.GetBool());
      } else if (key == "sources" && agg->type == T::kComposite) {
        if (!ParseCompositeSources(v, agg)) return false;
      } else if (key == "after" && agg->type == T::kComposite && v.IsObject()) {
        for (const AggRequest& src : agg->sources) {
          if (!v.HasMember(src.name.c_str())) continue;
          const Value& av = v[src.name.c_str()];
          agg->after_null.push_back(av.IsNull());
          QueryValue qv;
          if (!av.IsNull() && !ParseValue(av, &qv, type, key)) return false;
          agg->after.push_back(qv);
        }
        if (agg->after.size() != agg->sources.size()) {
          return Fail("illegal_argument_exception",
                      fmt::format("[after] has {} value(s) but [sources] has {}", agg->after.size(), agg->sources.size()), key);
        }
      } else if (key == "format" || key == "keyed" || key == "shard_size" || key == "execution_hint" ||
                 key == "show_term_doc_count_error" || key == "collect_mode" || key == "value_type" ||
                 key == "sigma" || key == "tdigest" || key == "hdr" || key == "script" ||
                 (key == "missing" && agg->type != T::kTerms)) {
        // Accepted and ignored: hints, or options flowdex answers the same way without.
      } else {
        return Fail("parsing_exception", fmt::format("Unexpected token {} [{}] in [{}].", TokenName(v), key, agg->name),
                    key);
      }
    }
    if (agg->type == T::kDateHistogram) {
      if (agg->fixed_interval_ms > 0 && !agg->calendar_unit.empty()) {
        return Fail("illegal_argument_exception", "Cannot use [fixed_interval] with [calendar_interval] configuration option.");
      }
      if (agg->fixed_interval_ms == 0 && agg->calendar_unit.empty()) {
        return Fail("illegal_argument_exception", "Invalid interval specified, must be non-null and non-empty");
      }
    }
    if (agg->type == T::kHistogram && agg->interval <= 0) {
      return Fail("illegal_argument_exception", "[interval] must be >0 for histogram aggregation [" + agg->name + "]");
    }
    if ((agg->type == T::kRange || agg->type == T::kDateRange || agg->type == T::kIpRange) && agg->ranges.empty()) {
      return Fail("illegal_argument_exception", "No [ranges] specified for the [" + agg->name + "] aggregation");
    }
    if (agg->type == T::kComposite && agg->sources.empty()) {
      return Fail("illegal_argument_exception", "Composite [sources] cannot be null or empty");
    }
    const bool needs_field = agg->type != T::kFilters && agg->type != T::kFilter && agg->type != T::kTopHits &&
                             agg->type != T::kComposite;
    if (needs_field && agg->field.empty()) {
      return Fail("illegal_argument_exception", "Required one of fields [field, script], but none were specified. ");
    }
    return true;
  }

  // Elasticsearch suggests a known name close to a misspelt one.
  static std::string ClosestAggType(const std::string& type) {
    static const char* kNames[] = {"terms", "date_histogram", "histogram", "range", "date_range", "ip_range",
                                   "filter", "filters", "missing", "composite", "sum", "avg", "min", "max",
                                   "value_count", "stats", "extended_stats", "cardinality", "percentiles", "top_hits"};
    std::string best;
    size_t best_distance = 3;  // at most two edits away
    for (const char* n : kNames) {
      const std::string name = n;
      std::vector<size_t> prev(name.size() + 1), cur(name.size() + 1);
      for (size_t j = 0; j <= name.size(); ++j) prev[j] = j;
      for (size_t i = 1; i <= type.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= name.size(); ++j) {
          cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (type[i - 1] == name[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
      }
      if (prev[name.size()] < best_distance) best = name, best_distance = prev[name.size()];
    }
    return best;
  }

  // A histogram bound: a number, or for date_histogram a date (math allowed).
  bool ReadBound(const Value& v, const AggRequest* agg, bool upper, double* out) {
    if (v.IsNumber()) return *out = v.GetDouble(), true;
    if (v.IsString() && agg->type == AggRequest::Type::kDateHistogram) {
      TimeZone tz;
      (void)TimeZone::Parse(agg->time_zone, &tz);
      int64_t ms = 0;
      Status s = EvaluateDateMath(v.GetString(), now_ms_, DateFormat(), tz, upper, &ms);
      if (!s.ok()) return Fail("parse_exception", std::string(s.message()), "bounds");
      *out = static_cast<double>(ms);
      return true;
    }
    return Fail("x_content_parse_exception", "[bounds] failed to parse field", "bounds");
  }

  bool ParseTermsOrder(const Value& v, AggRequest* agg) {
    auto one = [&](const Value& o) {
      if (!o.IsObject() || o.MemberCount() != 1 || !o.MemberBegin()->value.IsString()) {
        return Fail("parsing_exception", "Unexpected token in [order]", "order");
      }
      const std::string by = o.MemberBegin()->name.GetString();
      const std::string dir = o.MemberBegin()->value.GetString();
      if (dir != "asc" && dir != "desc") {
        return Fail("parsing_exception", "Unknown terms order direction [" + dir + "] in terms aggregation [" + agg->name + "]", "order");
      }
      agg->order.push_back({by, dir == "desc"});
      return true;
    };
    if (v.IsArray()) {
      for (const Value& o : v.GetArray()) {
        if (!one(o)) return false;
      }
      return true;
    }
    return one(v);
  }

  bool ParseAggRange(const Value& r, AggRequest* agg) {
    using T = AggRequest::Type;
    AggRequest::Range range;
    if (!r.IsObject()) return Fail("parsing_exception", "[ranges] must hold objects", "ranges");
    TimeZone tz;
    DateFormat format;
    if (agg->type == T::kDateRange) {
      (void)TimeZone::Parse(agg->time_zone, &tz);
      if (!agg->format.empty()) (void)DateFormat::Parse(agg->format, &format);
    }
    for (const auto& m : r.GetObject()) {
      const std::string k = m.name.GetString();
      const Value& v = m.value;
      if (k == "key" && v.IsString()) {
        range.key = v.GetString();
      } else if ((k == "from" || k == "to") && v.IsNull()) {
      } else if (k == "from" || k == "to") {
        std::optional<double>* slot = k == "from" ? &range.from : &range.to;
        if (agg->type == T::kIpRange) {
          IpAddress ip;
          if (!v.IsString() || !ParseIpAddress(v.GetString(), &ip)) {
            return Fail("illegal_argument_exception", fmt::format("'{}' is not an IP string literal.", v.IsString() ? v.GetString() : "?"), k);
          }
          (k == "from" ? range.ip_from : range.ip_to) = IpSortKey(ip);
          (k == "from" ? range.has_ip_from : range.has_ip_to) = true;
          (k == "from" ? range.from_text : range.to_text) = v.GetString();
        } else if (v.IsNumber()) {
          *slot = v.GetDouble();
        } else if (v.IsString() && agg->type == T::kDateRange) {
          int64_t ms = 0;
          Status s = EvaluateDateMath(v.GetString(), now_ms_, format, tz, false, &ms);
          if (!s.ok()) return Fail("parse_exception", std::string(s.message()), k);
          *slot = static_cast<double>(ms);
        } else if (v.IsString()) {
          char* end = nullptr;
          const std::string text = v.GetString();
          const double d = std::strtod(text.c_str(), &end);
          if (text.empty() || end != text.c_str() + text.size()) {
            return Fail("number_format_exception", "For input string: \"" + text + "\"", k);
          }
          *slot = d;
        } else {
          return Fail("parsing_exception", fmt::format("[{}] must be a number", k), k);
        }
      } else if (k == "mask" && v.IsString() && agg->type == T::kIpRange) {
        const std::string mask = v.GetString();
        const size_t slash = mask.find('/');
        IpAddress ip;
        int bits = -1;
        if (slash != std::string::npos) {
          const std::string b = mask.substr(slash + 1);
          if (!b.empty() && b.size() <= 3 && b.find_first_not_of("0123456789") == std::string::npos) bits = std::stoi(b);
        }
        if (bits < 0 || !ParseIpAddress(mask.substr(0, slash), &ip) || bits > (ip.is_v4() ? 32 : 128)) {
          return Fail("illegal_argument_exception", "Expected [ip/prefix] but was [" + mask + "]", k);
        }
        std::array<uint8_t, 16> lo = IpSortKey(ip), hi = lo;
        const int total = ip.is_v4() ? bits + 96 : bits;
        for (int b = total; b < 128; ++b) {
          lo[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
          hi[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
        }
        range.ip_from = lo;
        range.ip_to = hi;
        range.has_ip_from = range.has_ip_to = true;
        range.ip_to_inclusive = true;
        range.key = range.key.empty() ? mask : range.key;
        range.from_text = KeyAddress(lo, ip.is_v4());
        // Elasticsearch shows the address after the block as "to".
        std::array<uint8_t, 16> next = hi;
        int i = 15;
        while (i >= 0 && ++next[i] == 0) --i;
        const bool overflow = i < 0 || (ip.is_v4() && next[11] != 0xff);
        range.to_text = overflow ? "" : KeyAddress(next, ip.is_v4());
      } else {
        return Fail("parsing_exception", fmt::format("[range] unknown field [{}]", k), k);
      }
    }
    if (agg->type == T::kIpRange && range.key.empty() && !range.ip_to_inclusive) {
      range.key = (range.from_text.empty() ? "*" : range.from_text) + "-" + (range.to_text.empty() ? "*" : range.to_text);
    }
    agg->ranges.push_back(range);
    return true;
  }

  static std::string KeyAddress(const std::array<uint8_t, 16>& key, bool v4) {
    IpAddress ip;
    if (v4) {
      ip = IpAddress::FromV4((uint32_t{key[12]} << 24) | (uint32_t{key[13]} << 16) | (uint32_t{key[14]} << 8) | key[15]);
    } else {
      ip.family = IpAddress::Family::kV6;
      ip.bytes = key;
    }
    char buf[kMaxIpTextLength];
    return std::string(buf, FormatIpAddress(ip, buf));
  }

  bool ParseCompositeSources(const Value& v, AggRequest* agg) {
    using T = AggRequest::Type;
    if (!v.IsArray()) return Fail("parsing_exception", "[sources] must be an array", "sources");
    for (const Value& s : v.GetArray()) {
      if (!s.IsObject() || s.MemberCount() != 1 || !s.MemberBegin()->value.IsObject() ||
          s.MemberBegin()->value.MemberCount() != 1) {
        return Fail("parsing_exception", "[sources] entries must be {\"name\": {\"<type>\": {...}}}", "sources");
      }
      AggRequest src;
      src.name = s.MemberBegin()->name.GetString();
      const auto& def = *s.MemberBegin()->value.MemberBegin();
      const std::string kind = def.name.GetString();
      src.type = kind == "terms" ? T::kTerms : kind == "histogram" ? T::kHistogram
               : kind == "date_histogram" ? T::kDateHistogram : T::kMissing;
      if (src.type == T::kMissing) {
        return Fail("parsing_exception", "Unknown value source type [" + kind + "] in [" + agg->name + "]", kind);
      }
      if (!def.value.IsObject()) return Fail("parsing_exception", "[" + kind + "] must be an object", kind);
      for (const auto& m : def.value.GetObject()) {
        const std::string key = m.name.GetString();
        const Value& p = m.value;
        if (key == "field" && p.IsString()) {
          src.field = p.GetString();
        } else if (key == "order" && p.IsString()) {
          const std::string dir = p.GetString();
          if (dir != "asc" && dir != "desc") return Fail("illegal_argument_exception", "Unknown SortOrder [" + dir + "]", key);
          src.order.push_back({"_key", dir == "desc"});
        } else if ((key == "missing_bucket" || key == "missing_first") && p.IsBool()) {
          if (key == "missing_bucket") src.missing_bucket = p.GetBool();
        } else if (key == "interval" && p.IsNumber() && src.type == T::kHistogram) {
          src.interval = p.GetDouble();
        } else if (key == "fixed_interval" && p.IsString()) {
          int64_t ms = 0;
          if (!ReadTimeValue(p.GetString(), &ms) || ms <= 0) {
            return Fail("illegal_argument_exception", "failed to parse setting [date_histogram.fixedInterval] with value [" +
                                                          std::string(p.GetString()) + "] as a time value", key);
          }
          src.fixed_interval_ms = ms;
        } else if (key == "calendar_interval" && p.IsString()) {
          src.calendar_unit = p.GetString();
        } else if (key == "time_zone" && p.IsString()) {
          TimeZone tz;
          if (Status st = TimeZone::Parse(p.GetString(), &tz); !st.ok()) {
            return Fail("illegal_argument_exception", std::string(st.message()), key);
          }
          src.time_zone = p.GetString();
        } else if (key == "format" || key == "missing_order" || key == "value_type") {
        } else {
          return Fail("parsing_exception", fmt::format("[{}] unknown field [{}]", kind, key), key);
        }
      }
      if (src.field.empty()) {
        return Fail("illegal_argument_exception", "Required one of fields [field, script], but none were specified. ");
      }
      if (src.type == T::kHistogram && src.interval <= 0) {
        return Fail("illegal_argument_exception", "[interval] must be greater than 0 for [histogram] source");
      }
      if (src.type == T::kDateHistogram && src.fixed_interval_ms == 0 && src.calendar_unit.empty()) {
        return Fail("illegal_argument_exception", "Invalid interval specified, must be non-null and non-empty");
      }
      agg->sources.push_back(std::move(src));
    }
    return true;
  }

 public:
  // Parses "sort" (a string, an object, or an array of them).
  bool ParseSort(const Value& v, std::vector<SortKey>* out) {
    const auto add = [&](const Value& s) -> bool {
      SortKey k;
      if (s.IsString()) {
        k.field = s.GetString();
        k.descending = k.field == "_score";
      } else if (s.IsObject() && s.MemberCount() == 1) {
        k.field = s.MemberBegin()->name.GetString();
        k.descending = k.field == "_score";
        const Value& o = s.MemberBegin()->value;
        std::string order = o.IsString() ? o.GetString() : "";
        if (o.IsObject()) {
          for (const auto& p : o.GetObject()) {
            const std::string pk = p.name.GetString();
            if (pk == "order" && p.value.IsString()) {
              order = p.value.GetString();
            } else if (pk == "missing" && p.value.IsString()) {
              const std::string missing = p.value.GetString();
              if (missing != "_first" && missing != "_last") {
                return Fail("illegal_argument_exception", "Unsupported [missing] value [" + missing + "]: use _first or _last", "missing");
              }
              k.missing_first = missing == "_first";
            } else if (pk == "unmapped_type" || pk == "mode" || pk == "format" || pk == "numeric_type") {
            } else {
              return Fail("parsing_exception", fmt::format("[field_sort] unknown field [{}]", pk), pk);
            }
          }
        }
        if (order == "desc") {
          k.descending = true;
        } else if (order == "asc") {
          k.descending = false;
        } else if (!order.empty()) {
          return Fail("illegal_argument_exception", "Unknown SortOrder [" + order + "]", "sort");
        }
      } else {
        return Fail("parsing_exception", "malformed sort format, within the sort array, an object, or an actual "
                                         "string are allowed",
                    "sort");
      }
      out->push_back(k);
      return true;
    };
    if (v.IsArray()) {
      for (const Value& s : v.GetArray()) {
        if (!add(s)) return false;
      }
      return true;
    }
    return add(v);
  }

  void set_now(int64_t now_ms) { now_ms_ = now_ms; }

 private:
  int64_t now_ms_ = 0;
  int depth_ = 0;  // nesting of queries and aggregations being parsed

  // Sets the error position to the first occurrence of "key" in the body.
  void Locate(std::string_view key) {
    size_t at = std::string_view::npos;
    if (!key.empty()) at = body_.find("\"" + std::string(key) + "\"");
    if (at == std::string_view::npos) at = 0;
    error_->line = 1;
    error_->col = 1;
    for (size_t i = 0; i < at; ++i) {
      if (body_[i] == '\n') {
        ++error_->line;
        error_->col = 1;
      } else {
        ++error_->col;
      }
    }
  }

  std::string_view body_;
  SearchError* error_;
};

bool ReadCount(Parser& p, const Value& v, const char* name, uint64_t* out) {
  if (!v.IsInt64()) return p.Fail("parsing_exception", fmt::format("[{}] must be a number", name), name);
  if (v.GetInt64() < 0) {
    return p.Fail("illegal_argument_exception", fmt::format("[{}] parameter cannot be negative", name), name);
  }
  *out = static_cast<uint64_t>(v.GetInt64());
  return true;
}

// "_source": true/false, "pattern", ["a", "b.*"], or {"includes": [...], "excludes": [...]}.
bool ParseSourceFilter(Parser& p, const Value& v, SearchRequest* request) {
  auto strings = [&](const Value& list, std::vector<std::string>* out) {
    if (list.IsString()) {
      out->push_back(list.GetString());
      return true;
    }
    if (!list.IsArray()) return p.Fail("parsing_exception", "Expected one of [VALUE_STRING, START_ARRAY] in [_source]", "_source");
    for (const Value& e : list.GetArray()) {
      if (!e.IsString()) return p.Fail("parsing_exception", "Unknown key for a VALUE_NUMBER in [_source].", "_source");
      out->push_back(e.GetString());
    }
    return true;
  };
  if (v.IsBool()) {
    request->fetch_source = v.GetBool();
    return true;
  }
  if (v.IsString() || v.IsArray()) return strings(v, &request->source_includes);
  if (!v.IsObject()) return p.Fail("parsing_exception", "Unknown key for a VALUE_NULL in [_source].", "_source");
  for (const auto& m : v.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "includes" || key == "include") {
      if (!strings(m.value, &request->source_includes)) return false;
    } else if (key == "excludes" || key == "exclude") {
      if (!strings(m.value, &request->source_excludes)) return false;
    } else {
      return p.Fail("parsing_exception", "Unknown key for a START_ARRAY in [" + key + "].", key);
    }
  }
  return true;
}

// "500ms", "30s", "1m", or a bare number of milliseconds.
bool ReadTimeout(const std::string& text, int64_t* ms) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return ParseDuration(text + "ms", ms).ok();
  return ReadTimeValue(text, ms);
}

}  // namespace

bool ParseSearchBody(std::string_view body, SearchRequest* request, SearchError* error) {
  Parser p(body, error);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  rapidjson::Document d;
  // Iterative: a deeply nested body cannot exhaust the stack.
  d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (d.HasParseError()) {
    error->status = 400;
    error->type = "x_content_parse_exception";
    const size_t offset = d.GetErrorOffset();
    error->line = 1;
    error->col = 1;
    for (size_t i = 0; i < offset && i < body.size(); ++i) {
      if (body[i] == '\n') {
        ++error->line;
        error->col = 1;
      } else {
        ++error->col;
      }
    }
    error->reason = fmt::format("[{}:{}] Unexpected character: {}", error->line, error->col,
                                rapidjson::GetParseError_En(d.GetParseError()));
    return false;
  }
  if (!d.IsObject()) return p.Fail("parsing_exception", "Expected [START_OBJECT] but found [" + std::string(Parser::TokenName(d)) + "]");
  if (request->now_ms == 0) request->now_ms = CurrentTimeMillis();
  p.set_now(request->now_ms);
  for (const auto& m : d.GetObject()) {
    const std::string key = m.name.GetString();
    const Value& v = m.value;
    if (key == "query") {
      if (!p.ParseQuery(v, &request->query)) return false;
    } else if (key == "from") {
      if (!ReadCount(p, v, "from", &request->from)) return false;
    } else if (key == "size") {
      if (!ReadCount(p, v, "size", &request->size)) return false;
    } else if (key == "track_total_hits") {
      if (v.IsBool()) {
        request->track_total_hits = v.GetBool() ? -1 : 0;
      } else if (v.IsInt64() && v.GetInt64() >= -1) {
        request->track_total_hits = v.GetInt64();
      } else {
        return p.Fail("illegal_argument_exception",
                      "[track_total_hits] parameter must be positive or equals to -1, got " +
                          std::to_string(v.IsInt64() ? v.GetInt64() : 0),
                      key);
      }
    } else if (key == "_source") {
      if (!ParseSourceFilter(p, v, request)) return false;
    } else if (key == "search_after") {
      if (!v.IsArray()) return p.Fail("parsing_exception", "[search_after] must be an array", key);
      for (const Value& e : v.GetArray()) {
        QueryValue qv;
        if (e.IsNull()) {
          qv.kind = QueryValue::Kind::kString;
          request->search_after_null.push_back(true);
        } else {
          if (!p.ParseValue(e, &qv, "search_after", key)) return false;
          request->search_after_null.push_back(false);
        }
        request->search_after.push_back(qv);
      }
    } else if (key == "fields" || key == "docvalue_fields") {
      if (!v.IsArray()) return p.Fail("parsing_exception", "[" + key + "] must be an array", key);
      for (const Value& e : v.GetArray()) {
        if (e.IsString()) {
          request->fields.push_back(e.GetString());
        } else if (e.IsObject() && e.HasMember("field") && e["field"].IsString()) {
          request->fields.push_back(e["field"].GetString());
        } else {
          return p.Fail("parsing_exception", "[" + key + "] entries must be strings or {\"field\": ...}", key);
        }
      }
    } else if (key == "timeout") {
      int64_t ms = 0;
      if (!v.IsString() || !ReadTimeout(v.GetString(), &ms)) {
        return p.Fail("parsing_exception",
                      fmt::format("failed to parse setting [timeout] with value [{}] as a time value: unit is missing "
                                  "or unrecognized",
                                  v.IsString() ? v.GetString() : "?"),
                      key);
      }
      request->timeout_ms = ms;
    } else if (key == "terminate_after") {
      if (!ReadCount(p, v, "terminate_after", &request->terminate_after)) return false;
    } else if (key == "sort") {
      if (!p.ParseSort(v, &request->sort)) return false;
    } else if (key == "aggs" || key == "aggregations") {
      if (!p.ParseAggs(v, &request->aggs)) return false;
    } else if (key == "track_scores" || key == "version" ||
               key == "seq_no_primary_term" || key == "stored_fields" || key == "explain" ||
               key == "highlight" || key == "indices_boost" || key == "min_score" || key == "profile") {
      // Accepted; flowdex answers within its own limits (no highlighting:
      // clients such as Grafana show hits without it).
    } else if ((key == "script_fields" || key == "runtime_mappings") && v.IsObject() && v.MemberCount() == 0) {
      // Kibana and Grafana send these empty.
    } else if (key == "script_fields" || key == "runtime_mappings") {
      return p.Fail("illegal_argument_exception", fmt::format("[{}] is not supported: flowdex runs no scripts", key), key);
    } else {
      return p.Fail("parsing_exception", fmt::format("Unknown key for a {} in [{}].", Parser::TokenName(v), key), key);
    }
  }
  if (!request->search_after.empty()) {
    if (request->from > 0) {
      return p.Fail("illegal_argument_exception", "[from] parameter must be set to 0 when [search_after] is used", "from");
    }
    if (request->sort.empty() || request->search_after.size() != request->sort.size()) {
      return p.Fail("illegal_argument_exception",
                    fmt::format("search_after has {} value(s) but sort has {}.", request->search_after.size(),
                                request->sort.size()),
                    "search_after");
    }
  }
  if (!CheckResultWindow(*request, error)) {
    error->line = error->col = 0;
    return false;
  }
  return true;
}

bool CheckResultWindow(const SearchRequest& request, SearchError* error) {
  if (request.from + request.size <= kMaxResultWindow && request.from <= kMaxResultWindow) return true;
  error->status = 400;
  error->type = "illegal_argument_exception";
  error->reason = fmt::format(
      "Result window is too large, from + size must be less than or equal to: [{}] but was [{}]. See the scroll api "
      "for a more efficient way to request large data sets. This limit can be set by changing the "
      "[index.max_result_window] index level setting.",
      kMaxResultWindow, request.from + request.size);
  return false;
}

}  // namespace flowdex
