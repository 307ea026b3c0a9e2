// The query tree: one representation that every query language (the
// Elasticsearch Query DSL, Lucene query strings, KQL) lowers into, and that
// one executor runs (Quickwit's "one AST, many parsers").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowdex {

// A literal from a query: JSON keeps the distinction between "80" and 80,
// which matters for error messages but not for matching.
struct QueryValue {
  enum class Kind : uint8_t { kString, kInteger, kDouble, kBool };
  Kind kind = Kind::kString;
  std::string text;  // kString
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;

  static QueryValue String(std::string s) {
    QueryValue v;
    v.text = std::move(s);
    return v;
  }
  static QueryValue Integer(int64_t i) {
    QueryValue v;
    v.kind = Kind::kInteger;
    v.integer = i;
    return v;
  }
  static QueryValue Double(double d) {
    QueryValue v;
    v.kind = Kind::kDouble;
    v.number = d;
    return v;
  }
  static QueryValue Bool(bool b) {
    QueryValue v;
    v.kind = Kind::kBool;
    v.boolean = b;
    return v;
  }
  // The value as text ("80", "true", "1.5").
  std::string ToString() const;
};

// How deeply the query languages nest groups and bool queries: deeper
// input is refused, so that parsing and matching (both recursive) stay
// within the stack whatever a request holds.
inline constexpr int kMaxQueryDepth = 64;

struct Query {
  enum class Kind : uint8_t {
    kMatchAll,
    kMatchNone,
    kTerm,      // field = values[0] (ip fields: an address or a CIDR block)
    kTerms,     // field = any of values
    kRange,     // gt/gte/lt/lte on field
    kExists,    // field has a value
    kPrefix,    // keyword field starts with values[0]
    kWildcard,  // keyword field matches values[0] (* and ?)
    kMatch,     // full text: any (or, with match_all_tokens, every) token of values[0]
    kMatchPhrase,  // full text: the tokens of values[0], in order, adjacent
    kIds,       // _id is any of values
    kRegexp,    // keyword field matches the regular expression values[0] whole (RE2, Lucene's syntax subset)
    kBool,
  };

  Kind kind = Kind::kMatchAll;
  // A field name; "*" or a pattern with * searches every matching field
  // leniently (values that do not fit a field's type just do not match there).
  std::string field;
  std::vector<QueryValue> values;
  std::optional<QueryValue> gt, gte, lt, lte;  // kRange
  bool match_all_tokens = false;               // kMatch with operator "and"
  bool case_insensitive = false;               // kTerm, kPrefix, kWildcard on keywords
  // Dates in kRange (and kTerm/kMatch) values: their format ("" = the
  // field's, strict_date_optional_time||epoch_millis) and the time zone of
  // dates without one, both as Elasticsearch spells them.
  std::string date_format, time_zone;
  // kBool. minimum_should_match < 0 means Elasticsearch's default: 1 when
  // there are should clauses and no must or filter clause, else 0.
  std::vector<Query> must, filter, should, must_not;
  int minimum_should_match = -1;

  static Query MatchAll() { return Query{}; }
  static Query MatchNone() {
    Query q;
    q.kind = Kind::kMatchNone;
    return q;
  }
  static Query Term(std::string field, QueryValue value) {
    Query q;
    q.kind = Kind::kTerm;
    q.field = std::move(field);
    q.values.push_back(std::move(value));
    return q;
  }
  static Query Range(std::string field) {
    Query q;
    q.kind = Kind::kRange;
    q.field = std::move(field);
    return q;
  }
  static Query Exists(std::string field) {
    Query q;
    q.kind = Kind::kExists;
    q.field = std::move(field);
    return q;
  }
};

}  // namespace flowdex
