#include "query/dsl/dsl_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/json_util.h"

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteValue(Writer& w, const QueryValue& v) {
  switch (v.kind) {
    case QueryValue::Kind::kString: WriteJsonString(w, v.text); break;
    case QueryValue::Kind::kInteger: w.Int64(v.integer); break;
    case QueryValue::Kind::kDouble: w.Double(v.number); break;
    case QueryValue::Kind::kBool: w.Bool(v.boolean); break;
  }
}

// Lucene query-string escaping of a literal value.
std::string EscapeLucene(std::string_view s, bool keep_wildcards) {
  std::string out;
  for (char c : s) {
    if (std::string_view("+-=&|><!(){}[]^\"~:\\/ ").find(c) != std::string_view::npos ||
        (!keep_wildcards && (c == '*' || c == '?'))) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

bool IsPattern(const std::string& field) { return field.find('*') != std::string::npos; }

// { "<name>": { "<field>": <body> } }
template <typename Body>
void FieldQuery(Writer& w, const char* name, const std::string& field, Body body) {
  w.StartObject();
  w.Key(name);
  w.StartObject();
  WriteJsonString(w, field);
  body();
  w.EndObject();
  w.EndObject();
}

// A leaf on several fields (a field pattern), in the query-string syntax
// that says them all, as Kibana sends it: lenient, wildcards analysed.
void QueryStringOnPattern(Writer& w, const std::string& field, const std::string& text, bool with_fields) {
  w.StartObject();
  w.Key("query_string");
  w.StartObject();
  w.Key("query");
  WriteJsonString(w, text);
  if (with_fields) {
    w.Key("fields");
    w.StartArray();
    WriteJsonString(w, field);
    w.EndArray();
  }
  w.Key("lenient");
  w.Bool(true);
  w.Key("analyze_wildcard");
  w.Bool(true);
  w.EndObject();
  w.EndObject();
}

// match and match_phrase on a field pattern: a lenient multi_match.
void MultiMatch(Writer& w, const std::string& field, const QueryValue& value, bool phrase, bool all_tokens) {
  w.StartObject();
  w.Key("multi_match");
  w.StartObject();
  w.Key("query");
  WriteJsonString(w, value.ToString());
  w.Key("fields");
  w.StartArray();
  WriteJsonString(w, field);
  w.EndArray();
  w.Key("type");
  w.String(phrase ? "phrase" : "best_fields");
  if (all_tokens) {
    w.Key("operator");
    w.String("and");
  }
  w.Key("lenient");
  w.Bool(true);
  w.EndObject();
  w.EndObject();
}

void ValueWithCase(Writer& w, const char* key, const QueryValue& v, bool case_insensitive) {
  w.StartObject();
  w.Key(key);
  WriteValue(w, v);
  if (case_insensitive) {
    w.Key("case_insensitive");
    w.Bool(true);
  }
  w.EndObject();
}

struct DslVisitor {
  Writer& w;

  void Empty(const char* name) {
    w.StartObject();
    w.Key(name);
    w.StartObject();
    w.EndObject();
    w.EndObject();
  }
  void operator()(const MatchAllQuery&) { Empty("match_all"); }
  void operator()(const MatchNoneQuery&) { Empty("match_none"); }
  void operator()(const TermQuery& q) {
    if (IsPattern(q.field)) {
      QueryStringOnPattern(w, q.field, "\"" + EscapeLucene(q.value.ToString(), false) + "\"", true);
      return;
    }
    FieldQuery(w, "term", q.field, [&] { ValueWithCase(w, "value", q.value, q.case_insensitive); });
  }
  void operator()(const TermsQuery& q) {
    if (IsPattern(q.field)) {
      std::string text;
      for (size_t i = 0; i < q.values.size(); ++i) {
        text += (i ? " OR " : "") + std::string("\"") + EscapeLucene(q.values[i].ToString(), false) + "\"";
      }
      QueryStringOnPattern(w, q.field, text, true);
      return;
    }
    FieldQuery(w, "terms", q.field, [&] {
      w.StartArray();
      for (const QueryValue& v : q.values) WriteValue(w, v);
      w.EndArray();
    });
  }
  void operator()(const RangeQuery& q) {
    if (IsPattern(q.field)) {
      const bool lo_inc = !q.gt.has_value(), hi_inc = !q.lt.has_value();
      const auto& lo = q.gt ? q.gt : q.gte;
      const auto& hi = q.lt ? q.lt : q.lte;
      const std::string text = std::string(lo_inc ? "[" : "{") + (lo ? EscapeLucene(lo->ToString(), false) : "*") +
                               " TO " + (hi ? EscapeLucene(hi->ToString(), false) : "*") + (hi_inc ? "]" : "}");
      QueryStringOnPattern(w, q.field, text, true);
      return;
    }
    FieldQuery(w, "range", q.field, [&] {
      w.StartObject();
      const std::pair<const char*, const std::optional<QueryValue>*> bounds[] = {
          {"gt", &q.gt}, {"gte", &q.gte}, {"lt", &q.lt}, {"lte", &q.lte}};
      for (const auto& [name, bound] : bounds) {
        if (!bound->has_value()) continue;
        w.Key(name);
        WriteValue(w, **bound);
      }
      if (!q.format.empty()) {
        w.Key("format");
        WriteJsonString(w, q.format);
      }
      if (!q.time_zone.empty()) {
        w.Key("time_zone");
        WriteJsonString(w, q.time_zone);
      }
      w.EndObject();
    });
  }
  void operator()(const GeoBoundingBoxQuery& q) {
    auto corner = [&](const char* name, double lat, double lon) {
      w.Key(name);
      w.StartObject();
      w.Key("lat");
      w.Double(lat);
      w.Key("lon");
      w.Double(lon);
      w.EndObject();
    };
    w.StartObject();
    w.Key("geo_bounding_box");
    w.StartObject();
    w.Key(q.field.c_str(), static_cast<rapidjson::SizeType>(q.field.size()));
    w.StartObject();
    corner("top_left", q.top, q.left);
    corner("bottom_right", q.bottom, q.right);
    w.EndObject();
    if (q.ignore_unmapped) {
      w.Key("ignore_unmapped");
      w.Bool(true);
    }
    w.EndObject();
    w.EndObject();
  }
  void operator()(const ExistsQuery& q) {
    if (IsPattern(q.field)) {
      QueryStringOnPattern(w, q.field, "_exists_:" + EscapeLucene(q.field, true), false);
      return;
    }
    w.StartObject();
    w.Key("exists");
    w.StartObject();
    w.Key("field");
    WriteJsonString(w, q.field);
    w.EndObject();
    w.EndObject();
  }
  void Pattern(const char* name, const std::string& field, const std::string& value, bool ci, std::string lucene) {
    if (IsPattern(field)) {
      QueryStringOnPattern(w, field, lucene, true);
      return;
    }
    FieldQuery(w, name, field, [&] { ValueWithCase(w, "value", QueryValue::String(value), ci); });
  }
  void operator()(const PrefixQuery& q) {
    Pattern("prefix", q.field, q.prefix, q.case_insensitive, EscapeLucene(q.prefix, false) + "*");
  }
  void operator()(const WildcardQuery& q) {
    Pattern("wildcard", q.field, q.pattern, q.case_insensitive, EscapeLucene(q.pattern, true));
  }
  void operator()(const RegexpQuery& q) {
    Pattern("regexp", q.field, q.pattern, q.case_insensitive, "/" + q.pattern + "/");
  }
  void operator()(const MatchQuery& q) {
    if (IsPattern(q.field)) return MultiMatch(w, q.field, q.value, false, q.all_tokens);
    FieldQuery(w, "match", q.field, [&] {
      w.StartObject();
      w.Key("query");
      WriteValue(w, q.value);
      if (q.all_tokens) {
        w.Key("operator");
        w.String("and");
      }
      w.EndObject();
    });
  }
  void operator()(const MatchPhraseQuery& q) {
    if (IsPattern(q.field)) return MultiMatch(w, q.field, q.value, true, false);
    FieldQuery(w, "match_phrase", q.field, [&] {
      w.StartObject();
      w.Key("query");
      WriteValue(w, q.value);
      w.EndObject();
    });
  }
  void operator()(const IdsQuery& q) {
    w.StartObject();
    w.Key("ids");
    w.StartObject();
    w.Key("values");
    w.StartArray();
    for (const std::string& id : q.ids) WriteJsonString(w, id);
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }
  void Clauses(const char* name, const std::vector<Query>& clauses) {
    if (clauses.empty()) return;
    w.Key(name);
    w.StartArray();
    for (const Query& c : clauses) std::visit(*this, c.node);
    w.EndArray();
  }
  void operator()(const BoolQuery& q) {
    w.StartObject();
    w.Key("bool");
    w.StartObject();
    Clauses("must", q.must);
    Clauses("filter", q.filter);
    Clauses("should", q.should);
    Clauses("must_not", q.must_not);
    if (q.minimum_should_match >= 0) {
      w.Key("minimum_should_match");
      w.Int(q.minimum_should_match);
    }
    w.EndObject();
    w.EndObject();
  }
};

}  // namespace

std::string QueryToDsl(const Query& query) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  std::visit(DslVisitor{w}, query.node);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
