#include "query/dsl_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowdex {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void Value(Writer& w, const QueryValue& v) {
  switch (v.kind) {
    case QueryValue::Kind::kString: Str(w, v.text); break;
    case QueryValue::Kind::kInteger: w.Int64(v.integer); break;
    case QueryValue::Kind::kDouble: w.Double(v.number); break;
    case QueryValue::Kind::kBool: w.Bool(v.boolean); break;
  }
}

std::string ValueText(const QueryValue& v) {
  switch (v.kind) {
    case QueryValue::Kind::kString: return v.text;
    case QueryValue::Kind::kInteger: return std::to_string(v.integer);
    case QueryValue::Kind::kDouble: return std::to_string(v.number);
    case QueryValue::Kind::kBool: return v.boolean ? "true" : "false";
  }
  return "";
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

// { "<name>": { "<field>": <body> } }
template <typename Body>
void FieldQuery(Writer& w, const char* name, const std::string& field, Body body) {
  w.StartObject();
  w.Key(name);
  w.StartObject();
  Str(w, field);
  body();
  w.EndObject();
  w.EndObject();
}

void Write(Writer& w, const Query& q);

void Clauses(Writer& w, const char* name, const std::vector<Query>& clauses) {
  if (clauses.empty()) return;
  w.Key(name);
  w.StartArray();
  for (const Query& c : clauses) Write(w, c);
  w.EndArray();
}

void Write(Writer& w, const Query& q) {
  const bool pattern = q.field.find('*') != std::string::npos;
  using K = Query::Kind;
  if (pattern && (q.kind == K::kMatch || q.kind == K::kMatchPhrase) && !q.values.empty()) {
    w.StartObject();
    w.Key("multi_match");
    w.StartObject();
    w.Key("query");
    Str(w, ValueText(q.values[0]));
    w.Key("fields");
    w.StartArray();
    Str(w, q.field);
    w.EndArray();
    w.Key("type");
    w.String(q.kind == K::kMatchPhrase ? "phrase" : "best_fields");
    if (q.match_all_tokens) {
      w.Key("operator");
      w.String("and");
    }
    w.Key("lenient");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
    return;
  }
  if (pattern && q.kind != K::kBool && q.kind != K::kMatchAll && q.kind != K::kMatchNone && q.kind != K::kIds) {
    // Other leaves on several fields: the query-string syntax says them all.
    std::string text;
    switch (q.kind) {
      case K::kExists: text = "_exists_:" + EscapeLucene(q.field, true); break;
      case K::kRange: {
        const bool lo_inc = !q.gt.has_value(), hi_inc = !q.lt.has_value();
        const auto& lo = q.gt ? q.gt : q.gte;
        const auto& hi = q.lt ? q.lt : q.lte;
        text = std::string(lo_inc ? "[" : "{") + (lo ? EscapeLucene(ValueText(*lo), false) : "*") + " TO " +
               (hi ? EscapeLucene(ValueText(*hi), false) : "*") + (hi_inc ? "]" : "}");
        break;
      }
      case K::kPrefix: text = EscapeLucene(q.values.empty() ? "" : ValueText(q.values[0]), false) + "*"; break;
      case K::kWildcard: text = EscapeLucene(q.values.empty() ? "" : ValueText(q.values[0]), true); break;
      case K::kRegexp: text = "/" + (q.values.empty() ? std::string() : ValueText(q.values[0])) + "/"; break;
      default: {
        for (size_t i = 0; i < q.values.size(); ++i) {
          text += (i ? " OR " : "") + std::string("\"") + EscapeLucene(ValueText(q.values[i]), false) + "\"";
        }
      }
    }
    w.StartObject();
    w.Key("query_string");
    w.StartObject();
    w.Key("query");
    Str(w, text);
    if (q.kind != K::kExists) {
      w.Key("fields");
      w.StartArray();
      Str(w, q.field);
      w.EndArray();
    }
    w.Key("lenient");
    w.Bool(true);
    w.Key("analyze_wildcard");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
    return;
  }
  switch (q.kind) {
    case K::kMatchAll:
      w.StartObject();
      w.Key("match_all");
      w.StartObject();
      w.EndObject();
      w.EndObject();
      return;
    case K::kMatchNone:
      w.StartObject();
      w.Key("match_none");
      w.StartObject();
      w.EndObject();
      w.EndObject();
      return;
    case K::kTerm:
      FieldQuery(w, "term", q.field, [&] {
        w.StartObject();
        w.Key("value");
        Value(w, q.values.at(0));
        if (q.case_insensitive) {
          w.Key("case_insensitive");
          w.Bool(true);
        }
        w.EndObject();
      });
      return;
    case K::kTerms:
      FieldQuery(w, "terms", q.field, [&] {
        w.StartArray();
        for (const QueryValue& v : q.values) Value(w, v);
        w.EndArray();
      });
      return;
    case K::kIds:
      w.StartObject();
      w.Key("ids");
      w.StartObject();
      w.Key("values");
      w.StartArray();
      for (const QueryValue& v : q.values) Str(w, ValueText(v));
      w.EndArray();
      w.EndObject();
      w.EndObject();
      return;
    case K::kRange:
      FieldQuery(w, "range", q.field, [&] {
        w.StartObject();
        const std::pair<const char*, const std::optional<QueryValue>*> bounds[] = {
            {"gt", &q.gt}, {"gte", &q.gte}, {"lt", &q.lt}, {"lte", &q.lte}};
        for (const auto& [name, bound] : bounds) {
          if (!bound->has_value()) continue;
          w.Key(name);
          Value(w, **bound);
        }
        if (!q.date_format.empty()) {
          w.Key("format");
          Str(w, q.date_format);
        }
        if (!q.time_zone.empty()) {
          w.Key("time_zone");
          Str(w, q.time_zone);
        }
        w.EndObject();
      });
      return;
    case K::kExists:
      w.StartObject();
      w.Key("exists");
      w.StartObject();
      w.Key("field");
      Str(w, q.field);
      w.EndObject();
      w.EndObject();
      return;
    case K::kPrefix:
    case K::kWildcard:
    case K::kRegexp:
      FieldQuery(w, q.kind == K::kPrefix ? "prefix" : q.kind == K::kWildcard ? "wildcard" : "regexp", q.field, [&] {
        w.StartObject();
        w.Key("value");
        Str(w, q.values.empty() ? std::string() : ValueText(q.values[0]));
        if (q.case_insensitive) {
          w.Key("case_insensitive");
          w.Bool(true);
        }
        w.EndObject();
      });
      return;
    case K::kMatch:
    case K::kMatchPhrase:
      FieldQuery(w, q.kind == K::kMatch ? "match" : "match_phrase", q.field, [&] {
        w.StartObject();
        w.Key("query");
        Value(w, q.values.at(0));
        if (q.kind == K::kMatch && q.match_all_tokens) {
          w.Key("operator");
          w.String("and");
        }
        w.EndObject();
      });
      return;
    case K::kBool:
      w.StartObject();
      w.Key("bool");
      w.StartObject();
      Clauses(w, "must", q.must);
      Clauses(w, "filter", q.filter);
      Clauses(w, "should", q.should);
      Clauses(w, "must_not", q.must_not);
      if (q.minimum_should_match >= 0) {
        w.Key("minimum_should_match");
        w.Int(q.minimum_should_match);
      }
      w.EndObject();
      w.EndObject();
      return;
  }
}

}  // namespace

std::string QueryToDsl(const Query& query) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  Write(w, query);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
