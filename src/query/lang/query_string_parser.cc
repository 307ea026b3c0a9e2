#include "query/lang/query_string_parser.h"

#include <fmt/format.h>

namespace flowdex {

namespace {

enum class Occur { kShould, kMust, kMustNot };

bool IsReserved(char c) { return std::string_view("+-=&|><!(){}[]^\"~*?:\\/").find(c) != std::string_view::npos; }

class QueryStringParser {
 public:
  QueryStringParser(std::string_view s, const QueryStringOptions& o) : s_(s), o_(o) {}

  bool Parse(Query* out, std::string* reason) {
    SkipSpace();
    if (pos_ == s_.size()) {
      *out = Query::MatchNone();  // Elasticsearch: an empty query string matches nothing
      return true;
    }
    if (!ParseGroup(o_.default_field, out)) return *reason = reason_, false;
    SkipSpace();
    if (pos_ != s_.size()) {
      *reason = fmt::format("Encountered \"{}\" at column {}", s_[pos_], pos_ + 1);
      return false;
    }
    return true;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool Fail(std::string why) {
    reason_ = std::move(why);
    return false;
  }
  int depth_ = 0;
  bool AtWord(std::string_view w) const {
    if (s_.substr(pos_, w.size()) != w) return false;
    const size_t after = pos_ + w.size();
    return after == s_.size() || s_[after] == ' ' || s_[after] == '(' || s_[after] == '\t';
  }

  // A sequence of clauses up to ')' or the end, combined Lucene-style.
  bool ParseGroup(const std::string& field, Query* out) {
    std::vector<std::pair<Occur, Query>> clauses;
    const Occur default_occur = o_.default_and ? Occur::kMust : Occur::kShould;
    bool pending_and = false;
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] == ')') break;
      // Conjunctions between clauses.
      if (AtWord("AND") || s_.substr(pos_, 2) == "&&") {
        pos_ += s_[pos_] == '&' ? 2 : 3;
        if (clauses.empty()) return Fail("Encountered \"AND\" with nothing before it");
        if (clauses.back().first != Occur::kMustNot) clauses.back().first = Occur::kMust;
        pending_and = true;
        continue;
      }
      if (AtWord("OR") || s_.substr(pos_, 2) == "||") {
        pos_ += 2;  // "OR" or "||"
        if (clauses.empty()) return Fail("Encountered \"OR\" with nothing before it");
        if (o_.default_and && clauses.back().first == Occur::kMust) clauses.back().first = Occur::kShould;
        pending_and = false;
        continue;
      }
      Occur occur = pending_and ? Occur::kMust : default_occur;
      if (s_[pos_] == '+') {
        occur = Occur::kMust;
        ++pos_;
      } else if (s_[pos_] == '-' || s_[pos_] == '!') {
        occur = Occur::kMustNot;
        ++pos_;
      } else if (AtWord("NOT")) {
        occur = Occur::kMustNot;
        pos_ += 3;
        SkipSpace();
      }
      Query clause;
      if (!ParseClause(field, &clause)) return false;
      clauses.emplace_back(occur, std::move(clause));
      pending_and = false;
    }
    if (clauses.empty()) return Fail("Encountered \"<EOF>\": a query was expected");
    if (clauses.size() == 1 && clauses[0].first != Occur::kMustNot) {
      *out = std::move(clauses[0].second);
      return true;
    }
    BoolQuery q;
    for (auto& [occur, c] : clauses) {
      (occur == Occur::kMust ? q.must : occur == Occur::kMustNot ? q.must_not : q.should).push_back(std::move(c));
    }
    if (q.must.empty() && q.should.empty()) q.must.push_back(Query::MatchAll());  // pure negative
    *out = std::move(q);
    return true;
  }

  void SkipBoostAndFuzz() {
    while (pos_ < s_.size() && (s_[pos_] == '^' || s_[pos_] == '~')) {
      ++pos_;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
    }
  }

  // "(" group ")" [^boost], with `field` as the default field inside.
  bool ParseParenthesized(const std::string& field, Query* out) {
    if (++depth_ > kMaxQueryDepth) return Fail(fmt::format("groups nested more than {} deep", kMaxQueryDepth));
    ++pos_;
    if (!ParseGroup(field, out)) return false;
    --depth_;
    if (pos_ >= s_.size() || s_[pos_] != ')') return Fail("Encountered \"<EOF>\": \")\" was expected");
    ++pos_;
    SkipBoostAndFuzz();
    return true;
  }

  bool ParseClause(const std::string& field, Query* out) {
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("Encountered \"<EOF>\": a term was expected");
    if (s_[pos_] == '(') return ParseParenthesized(field, out);
    // field:... ?
    const size_t start = pos_;
    std::string word;
    bool wildcard = false;
    if (s_[pos_] != '"' && s_[pos_] != '[' && s_[pos_] != '{' && s_[pos_] != '/' && s_[pos_] != '>' &&
        s_[pos_] != '<') {
      if (!ReadTerm(&word, &wildcard)) return false;
      if (pos_ < s_.size() && s_[pos_] == ':') {
        ++pos_;
        SkipSpace();
        if (word == "_exists_") {
          std::string f;
          bool w;
          if (!ReadTerm(&f, &w)) return false;
          *out = Query::Exists(f);
          return true;
        }
        // A field name with escaped stars is a pattern (book.\*:x).
        return ParseFieldValue(Unescape(word), out);
      }
      pos_ = start;
    }
    return ParseFieldValue(field, out);
  }

  static std::string Unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i];
    }
    return out;
  }

  // A term: up to whitespace or a reserved character (escapes kept as \x).
  bool ReadTerm(std::string* out, bool* wildcard) {
    *wildcard = false;
    const size_t start = pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) return Fail("Lexical error: escape at end of input");
        *out += c;
        *out += s_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') break;
      if (c == '*' || c == '?') {
        *wildcard = true;
        *out += c;
        ++pos_;
        continue;
      }
      if (c == '-' || c == '+' || c == '!' || c == '=' || c == '/' || c == '&' || c == '|') {
        // Inside a word these are ordinary (10.0.0.0/8, a-b), as Lucene's lexer allows after the first char.
        if (pos_ > start) {
          *out += c;
          ++pos_;
          continue;
        }
      }
      if (IsReserved(c)) break;
      *out += c;
      ++pos_;
    }
    if (out->empty())
      return Fail(fmt::format("Encountered \"{}\" at column {}", pos_ < s_.size() ? s_[pos_] : ' ', pos_ + 1));
    return true;
  }

  bool ParseFieldValue(const std::string& field, Query* out) {
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("Encountered \"<EOF>\": a value was expected");
    const char c = s_[pos_];
    if (c == '(') return ParseParenthesized(field, out);
    if (c == '"') {
      ++pos_;
      std::string phrase;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        phrase += s_[pos_++];
      }
      if (pos_ >= s_.size()) return Fail("Lexical error: unterminated phrase");
      ++pos_;
      SkipBoostAndFuzz();
      *out = MatchPhraseQuery{field, QueryValue::String(phrase)};
      return true;
    }
    if (c == '/') {
      // A regular expression, up to the next unescaped slash.
      ++pos_;
      std::string re;
      while (pos_ < s_.size() && s_[pos_] != '/') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/') ++pos_;
        re += s_[pos_++];
      }
      if (pos_ >= s_.size()) return Fail("Lexical error: unterminated regular expression");
      ++pos_;
      SkipBoostAndFuzz();
      *out = RegexpQuery{field, re};
      return true;
    }
    if (c == '[' || c == '{') return ParseRange(field, out);
    if (c == '>' || c == '<') {
      const bool greater = c == '>';
      ++pos_;
      const bool equal = pos_ < s_.size() && s_[pos_] == '=';
      if (equal) ++pos_;
      std::string v;
      bool w;
      if (!ReadTerm(&v, &w)) return false;
      RangeQuery range;
      range.field = field;
      (greater ? (equal ? range.gte : range.gt) : (equal ? range.lte : range.lt)) = QueryValue::String(Unescape(v));
      *out = std::move(range);
      return true;
    }
    std::string term;
    bool wildcard;
    if (!ReadTerm(&term, &wildcard)) return false;
    SkipBoostAndFuzz();
    if (wildcard && term == "*") {
      *out = field == "*" ? Query::MatchAll() : Query::Exists(field);
      return true;
    }
    if (wildcard) {
      *out = WildcardQuery{field, term};  // escapes stay for the glob
    } else {
      *out = MatchQuery{field, QueryValue::String(Unescape(term))};
    }
    return true;
  }

  bool ParseRange(const std::string& field, Query* out) {
    const bool lo_inclusive = s_[pos_] == '[';
    ++pos_;
    SkipSpace();
    std::string lo, hi;
    auto read_bound = [&](std::string* b) {
      while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != ']' && s_[pos_] != '}') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        *b += s_[pos_++];
      }
      return !b->empty();
    };
    if (!read_bound(&lo)) return Fail("Encountered a range without a lower bound");
    SkipSpace();
    if (s_.substr(pos_, 2) != "TO") return Fail("Encountered a range without TO");
    pos_ += 2;
    SkipSpace();
    if (!read_bound(&hi)) return Fail("Encountered a range without an upper bound");
    SkipSpace();
    if (pos_ >= s_.size() || (s_[pos_] != ']' && s_[pos_] != '}')) return Fail("Encountered an unterminated range");
    const bool hi_inclusive = s_[pos_] == ']';
    ++pos_;
    RangeQuery range;
    range.field = field;
    if (lo != "*") (lo_inclusive ? range.gte : range.gt) = QueryValue::String(lo);
    if (hi != "*") (hi_inclusive ? range.lte : range.lt) = QueryValue::String(hi);
    *out = std::move(range);
    return true;
  }

  std::string_view s_;
  const QueryStringOptions& o_;
  size_t pos_ = 0;
  std::string reason_;
};

}  // namespace

bool ParseQueryString(std::string_view text, const QueryStringOptions& options, Query* out, ParseError* error) {
  QueryStringParser p(text, options);
  std::string reason;
  if (p.Parse(out, &reason)) return true;
  error->kind = ParseError::Kind::kQueryString;
  error->reason = fmt::format("Failed to parse query [{}]: Cannot parse '{}': {}", text, text, reason);
  return false;
}

}  // namespace flowdex
