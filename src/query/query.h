// The query tree: one representation that every query language (the
// Elasticsearch Query DSL, Lucene query strings, KQL) parses into, and that
// the planner lowers against each index's fields before it runs
// (Quickwit's "one AST, many parsers"). Each query type is its own struct,
// so a term cannot carry a range bound; values stay as the request wrote
// them until lowering gives them their field's type (src/query/plan).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
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
  bool operator==(const QueryValue& o) const = default;
};

// How deeply the query languages nest groups and bool queries: deeper
// input is refused, so that parsing, lowering and matching (all recursive)
// stay within the stack whatever a request holds.
inline constexpr int kMaxQueryDepth = 64;

// Field names below may be patterns with * ("*", "source.*"): the query then
// runs on every matching field, leniently (a value that does not fit a
// field's type just does not match there), as Elasticsearch's multi-field
// queries do.

struct MatchAllQuery {
  bool operator==(const MatchAllQuery&) const = default;
};
struct MatchNoneQuery {
  bool operator==(const MatchNoneQuery&) const = default;
};
// The field holds exactly this value (ip fields: an address or a CIDR block).
struct TermQuery {
  std::string field;
  QueryValue value;
  bool case_insensitive = false;  // keywords
  bool operator==(const TermQuery&) const = default;
};
// The field holds any of these values.
struct TermsQuery {
  std::string field;
  std::vector<QueryValue> values;
  bool operator==(const TermsQuery&) const = default;
};
// Bounds on the field's values; dates may use date math ("now-1h/h") in
// `format` ("": the field's) and `time_zone` (of dates without one).
struct RangeQuery {
  std::string field;
  std::optional<QueryValue> gt, gte, lt, lte;
  std::string format, time_zone;
  bool operator==(const RangeQuery&) const = default;
};
// The field has a value.
struct ExistsQuery {
  std::string field;
  bool operator==(const ExistsQuery&) const = default;
};
// Geo points inside a box: lat in [bottom, top], lon in [left, right] (or,
// when left > right, a box across the antimeridian: lon >= left or <= right).
struct GeoBoundingBoxQuery {
  std::string field;
  double top = 0, left = 0, bottom = 0, right = 0;
  bool ignore_unmapped = false;  // an unmapped field matches nothing instead of failing
  bool operator==(const GeoBoundingBoxQuery&) const = default;
};
// Keywords starting with `prefix` (text: a token starting with it).
struct PrefixQuery {
  std::string field;
  std::string prefix;
  bool case_insensitive = false;
  bool operator==(const PrefixQuery&) const = default;
};
// Keywords matching `pattern` (* any run, ? one character, \ escapes).
struct WildcardQuery {
  std::string field;
  std::string pattern;
  bool case_insensitive = false;
  bool operator==(const WildcardQuery&) const = default;
};
// Keywords matched whole by a regular expression (RE2, Lucene's subset).
struct RegexpQuery {
  std::string field;
  std::string pattern;
  bool case_insensitive = false;
  bool operator==(const RegexpQuery&) const = default;
};
// Full text: any (all_tokens: every) token of `value` on text fields; on
// other types the value itself, read for the field's type (a date names
// the span it spells: a day, a minute).
struct MatchQuery {
  std::string field;
  QueryValue value;
  bool all_tokens = false;        // operator "and"
  bool case_insensitive = false;  // keywords (KQL's case_insensitive)
  bool operator==(const MatchQuery&) const = default;
};
// Full text: the tokens of `value`, adjacent and in order (other types: as MatchQuery).
struct MatchPhraseQuery {
  std::string field;
  QueryValue value;
  bool case_insensitive = false;
  int slop = 0;  // how many positions apart the words may be in all (in order)
  bool operator==(const MatchPhraseQuery&) const = default;
};
// Documents with any of these _ids.
struct IdsQuery {
  std::vector<std::string> ids;
  bool operator==(const IdsQuery&) const = default;
};

struct Query;

// minimum_should_match < 0 means Elasticsearch's default: 1 when there are
// should clauses and no must or filter clause, else 0.
struct BoolQuery {
  std::vector<Query> must, filter, should, must_not;
  int minimum_should_match = -1;
  bool operator==(const BoolQuery&) const;
};

using QueryNode =
    std::variant<MatchAllQuery, MatchNoneQuery, TermQuery, TermsQuery, RangeQuery, ExistsQuery, PrefixQuery,
                 WildcardQuery, RegexpQuery, MatchQuery, MatchPhraseQuery, IdsQuery, BoolQuery, GeoBoundingBoxQuery>;

struct Query {
  QueryNode node;
  // A leaf whose value cannot be read for its field's type matches nothing
  // instead of failing the request (Elasticsearch's "lenient" on match,
  // multi_match, query_string and simple_query_string, and ?lenient=true).
  bool lenient = false;

  Query() = default;
  template <typename T, typename = std::enable_if_t<!std::is_same_v<std::decay_t<T>, Query>>>
  Query(T&& n) : node(std::forward<T>(n)) {}  // NOLINT: any query type converts to a Query

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&node);
  }
  template <typename T>
  T* As() {
    return std::get_if<T>(&node);
  }
  template <typename T>
  bool Is() const {
    return std::holds_alternative<T>(node);
  }
  // The field a leaf names ("" for match_all, match_none, ids and bool).
  const std::string& field() const;
  // The query's type as Elasticsearch names it ("term", "bool", ...).
  const char* TypeName() const;

  bool operator==(const Query& o) const { return node == o.node; }

  static Query MatchAll() { return MatchAllQuery{}; }
  static Query MatchNone() { return MatchNoneQuery{}; }
  static Query Term(std::string field, QueryValue value) { return TermQuery{std::move(field), std::move(value)}; }
  static Query Exists(std::string field) { return ExistsQuery{std::move(field)}; }
};

// Marks every leaf of `q` lenient (Query::lenient).
void MarkLenient(Query* q);

// A compact rendering of a query tree, for tests and logs:
// "and[match(a=1) or[term(b=x) exists(c)]]", "range(f >=1 <2)".
std::string QueryToString(const Query& q);

inline bool BoolQuery::operator==(const BoolQuery& o) const {
  return must == o.must && filter == o.filter && should == o.should && must_not == o.must_not &&
         minimum_should_match == o.minimum_should_match;
}

}  // namespace flowdex
