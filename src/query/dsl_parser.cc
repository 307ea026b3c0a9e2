#include "query/dsl_parser.h"

#include "query/kql_parser.h"
#include "query/query_string_parser.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace flowdex {

namespace {

using Value = rapidjson::Value;

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
    if (type == "term" || type == "prefix" || type == "wildcard") return ParseSingleField(type, body, q);
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
    q->kind = type == "term" ? Query::Kind::kTerm : type == "prefix" ? Query::Kind::kPrefix : Query::Kind::kWildcard;
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
          } else if (param == "boost" || param == "_name" || param == "rewrite") {
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
        } else if (param == "boost" || param == "_name" || param == "format" || param == "relation") {
          // format: dates in flowdex read as ISO-8601 or epoch milliseconds whatever it says.
        } else if (param == "time_zone") {
          // Accepted; explicit offsets in the values are honoured, bare dates are UTC.
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
  bool ParseAggs(const Value& v, std::vector<AggRequest>* out) {
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
          if (!ParseAggs(part.value, &agg.subs)) return false;
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
      out->push_back(std::move(agg));
    }
    return true;
  }

 private:
  bool ParseAggBody(const std::string& type, const Value& body, AggRequest* agg) {
    using T = AggRequest::Type;
    static const std::pair<const char*, T> kTypes[] = {
        {"terms", T::kTerms}, {"date_histogram", T::kDateHistogram}, {"histogram", T::kHistogram},
        {"range", T::kRange}, {"filter", T::kFilter},      {"filters", T::kFilters},
        {"sum", T::kSum},     {"avg", T::kAvg},            {"min", T::kMin},
        {"max", T::kMax},     {"value_count", T::kValueCount}, {"stats", T::kStats},
        {"cardinality", T::kCardinality}};
    bool known = false;
    for (const auto& [name, t] : kTypes) {
      if (type == name) agg->type = t, known = true;
    }
    if (!known) return Fail("parsing_exception", fmt::format("Unknown aggregation type [{}]", type), type);
    if (!body.IsObject()) return Fail("parsing_exception", fmt::format("[{}] must be an object", type), type);
    if (agg->type == T::kFilter) {
      agg->filters.emplace_back("", Query{});
      return ParseQuery(body, &agg->filters.back().second);
    }
    if (agg->type == T::kDateHistogram || agg->type == T::kHistogram) agg->min_doc_count = 0;
    for (const auto& m : body.GetObject()) {
      const std::string key = m.name.GetString();
      const Value& v = m.value;
      if (key == "field" && v.IsString()) {
        agg->field = v.GetString();
      } else if (key == "size" && v.IsUint64()) {
        agg->size = v.GetUint64();
      } else if (key == "min_doc_count" && v.IsUint64()) {
        agg->min_doc_count = v.GetUint64();
      } else if (key == "order" && v.IsObject() && v.MemberCount() == 1) {
        const std::string by = v.MemberBegin()->name.GetString();
        const std::string dir = v.MemberBegin()->value.IsString() ? v.MemberBegin()->value.GetString() : "";
        if ((by != "_count" && by != "_key") || (dir != "asc" && dir != "desc")) {
          return Fail("illegal_argument_exception", fmt::format("Invalid aggregation order [{}] [{}]", by, dir), key);
        }
        agg->order_by_key = by == "_key";
        agg->order_descending = dir == "desc";
      } else if (key == "fixed_interval" && v.IsString()) {
        const std::string text = v.GetString();
        size_t digits = 0;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
        const std::string unit = text.substr(digits);
        const int64_t n = digits ? std::stoll(text.substr(0, digits)) : 0;
        const int64_t ms = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000
                         : unit == "d" ? 86400000 : 0;
        if (n <= 0 || ms == 0) {
          return Fail("illegal_argument_exception",
                      fmt::format("failed to parse setting [date_histogram.fixedInterval] with value [{}] as a time "
                                  "value: unit is missing or unrecognized",
                                  text),
                      key);
        }
        agg->fixed_interval_ms = n * ms;
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
      } else if (key == "ranges" && v.IsArray()) {
        for (const Value& r : v.GetArray()) {
          AggRequest::Range range;
          if (r.IsObject()) {
            if (r.HasMember("from") && r["from"].IsNumber()) range.from = r["from"].GetDouble();
            if (r.HasMember("to") && r["to"].IsNumber()) range.to = r["to"].GetDouble();
            if (r.HasMember("key") && r["key"].IsString()) range.key = r["key"].GetString();
          }
          agg->ranges.push_back(range);
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
      } else if (key == "format" || key == "time_zone" || key == "keyed" || key == "precision_threshold" ||
                 key == "shard_size" || key == "execution_hint") {
      } else {
        return Fail("parsing_exception", fmt::format("Unexpected token {} [{}] in [{}].", TokenName(v), key, type), key);
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
    if (agg->type != T::kFilters && agg->type != T::kFilter && agg->field.empty()) {
      return Fail("illegal_argument_exception", "Required one of fields [field, script], but none were specified. ");
    }
    return true;
  }

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

}  // namespace

bool ParseSearchBody(std::string_view body, SearchRequest* request, SearchError* error) {
  Parser p(body, error);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
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
      request->fetch_source = !(v.IsBool() && !v.GetBool());
    } else if (key == "sort") {
      const auto add = [&](const Value& s) -> bool {
        SortKey k;
        if (s.IsString()) {
          k.field = s.GetString();
          k.descending = k.field == "_score";
        } else if (s.IsObject() && s.MemberCount() == 1) {
          k.field = s.MemberBegin()->name.GetString();
          const Value& o = s.MemberBegin()->value;
          std::string order = o.IsString() ? o.GetString() : "";
          if (o.IsObject()) {
            if (o.HasMember("order") && o["order"].IsString()) order = o["order"].GetString();
            if (o.HasMember("missing") && o["missing"].IsString()) k.missing_first = std::string(o["missing"].GetString()) == "_first";
          }
          if (order == "desc") {
            k.descending = true;
          } else if (order != "asc" && !order.empty()) {
            return p.Fail("illegal_argument_exception", "Unknown SortOrder [" + order + "]", "sort");
          }
        } else {
          return p.Fail("parsing_exception", "malformed sort format, within the sort array, an object, or an actual "
                                             "string are allowed",
                        "sort");
        }
        request->sort.push_back(k);
        return true;
      };
      if (v.IsArray()) {
        for (const Value& s : v.GetArray()) {
          if (!add(s)) return false;
        }
      } else if (!add(v)) {
        return false;
      }
    } else if (key == "aggs" || key == "aggregations") {
      if (!p.ParseAggs(v, &request->aggs)) return false;
    } else if (key == "timeout" || key == "terminate_after" || key == "track_scores" || key == "version" ||
               key == "seq_no_primary_term" || key == "stored_fields" || key == "explain") {
      // Accepted; flowdex answers within its own limits.
    } else {
      return p.Fail("parsing_exception", fmt::format("Unknown key for a {} in [{}].", Parser::TokenName(v), key), key);
    }
  }
  if (request->from + request->size > 10000) {
    return p.Fail("illegal_argument_exception",
                  fmt::format("Result window is too large, from + size must be less than or equal to: [10000] but was "
                              "[{}]. See the scroll api for a more efficient way to request large data sets. This "
                              "limit can be set by changing the [index.max_result_window] index level setting.",
                              request->from + request->size));
  }
  return true;
}

}  // namespace flowdex
