#include "query/lang/simple_query_string_parser.h"

namespace flowdex {

namespace {

class SimpleParser {
 public:
  SimpleParser(std::string_view text, const SimpleQueryStringOptions& options) : s_(text), options_(options) {
    for (std::string f : options.fields) {
      if (const size_t caret = f.find('^'); caret != std::string::npos) f.resize(caret);
      fields_.push_back(f);
    }
    if (fields_.empty()) fields_.push_back("*");
  }

  // A sequence up to the end or a closing parenthesis.
  bool ParseSequence(Query* out, int depth) {
    bool have = false;
    Query acc;
    bool pending_and = false, pending_or = false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
        continue;
      }
      if (c == ')') {
        if (depth > 0) {
          ++pos_;
          break;
        }
        ++pos_;  // a stray closing parenthesis is ignored
        continue;
      }
      if (c == '+') {
        pending_and = true;
        ++pos_;
        continue;
      }
      if (c == '|') {
        pending_or = true;
        ++pos_;
        continue;
      }
      bool negate = false;
      while (pos_ < s_.size() && s_[pos_] == '-') negate = !negate, ++pos_;
      Query item;
      if (!ParseItem(&item, depth)) continue;
      if (negate) {
        BoolQuery n;
        n.must_not.push_back(std::move(item));
        item = std::move(n);
      }
      if (!have) {
        acc = std::move(item);
        have = true;
      } else {
        const bool use_and = pending_and || (!pending_or && options_.default_and);
        BoolQuery combined;
        (use_and ? combined.must : combined.should).push_back(std::move(acc));
        (use_and ? combined.must : combined.should).push_back(std::move(item));
        acc = std::move(combined);
      }
      pending_and = pending_or = false;
    }
    if (have) *out = std::move(acc);
    return have;
  }

 private:
  // A group, a phrase or a term (with * and ~ suffixes).
  bool ParseItem(Query* out, int depth) {
    if (pos_ >= s_.size()) return false;
    if (s_[pos_] == '(') {
      ++pos_;
      // Parentheses deeper than the limit are ignored (never an error here).
      if (depth + 1 >= kMaxQueryDepth) return false;
      return ParseSequence(out, depth + 1);
    }
    if (s_[pos_] == '"') {
      ++pos_;
      std::string phrase;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        phrase += s_[pos_++];
      }
      if (pos_ < s_.size()) ++pos_;
      SkipSlop();
      if (phrase.empty()) return false;
      *out = OverFields([&](const std::string& f) -> Query { return MatchPhraseQuery{f, QueryValue::String(phrase)}; });
      return true;
    }
    std::string term;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '|' || c == '+' || c == '"' ||
          c == '~') {
        break;
      }
      if (c == '\\' && pos_ + 1 < s_.size()) ++pos_;
      term += s_[pos_++];
    }
    SkipSlop();
    if (term.empty()) {
      if (pos_ < s_.size() && s_[pos_] != ')') ++pos_;  // a lone operator character
      return false;
    }
    if (term.back() == '*' && term.size() > 1) {
      *out = OverFields([&](const std::string& f) -> Query { return WildcardQuery{f, term}; });
    } else if (term == "*") {
      *out = Query::MatchAll();
    } else {
      *out = OverFields([&](const std::string& f) -> Query { return MatchQuery{f, QueryValue::String(term)}; });
    }
    return true;
  }

  void SkipSlop() {
    if (pos_ < s_.size() && s_[pos_] == '~') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
  }

  // The leaf `one(field)` on each field, any of them.
  template <typename Leaf>
  Query OverFields(Leaf&& one) const {
    if (fields_.size() == 1) return one(fields_[0]);
    BoolQuery any;
    for (const std::string& f : fields_) any.should.push_back(one(f));
    return any;
  }

  std::string_view s_;
  const SimpleQueryStringOptions& options_;
  std::vector<std::string> fields_;
  size_t pos_ = 0;
};

}  // namespace

void ParseSimpleQueryString(std::string_view text, const SimpleQueryStringOptions& options, Query* out) {
  SimpleParser parser(text, options);
  if (!parser.ParseSequence(out, 0)) *out = Query::MatchNone();
}

}  // namespace flowdex
