#include "query/lang/kql_parser.h"

#include <fmt/format.h>

namespace flowdex {

namespace {

// A literal as the grammar reads it: its text (escapes resolved, trimmed),
// whether it was quoted, and where its unescaped wildcards are.
struct Literal {
  std::string text;
  bool quoted = false;
  bool wildcard = false;  // an unescaped * (text keeps it as '*'; escaped stars become "\*")
};

class KqlParser {
 public:
  KqlParser(std::string_view s, bool case_insensitive) : s_(s), ci_(case_insensitive) {}

  bool Parse(Query* out, ParseError* error) {
    SkipSpace();
    if (pos_ == s_.size()) {
      *out = Query::MatchAll();
      return true;
    }
    if (!OrQuery(out)) return Fail(error);
    SkipSpace();
    if (pos_ != s_.size()) {
      expected_ = "AND, OR, end of input";
      return Fail(error);
    }
    return true;
  }

 private:
  static bool IsSpace(std::string_view s, size_t i, size_t* len) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return *len = 1, true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) return *len = 2, true;  // NBSP
    return false;
  }
  bool AtSpace(size_t i) const {
    size_t len;
    return i < s_.size() && IsSpace(s_, i, &len);
  }
  void SkipSpace() {
    size_t len;
    while (pos_ < s_.size() && IsSpace(s_, pos_, &len)) pos_ += len;
  }
  // Case-insensitive keyword at position i.
  bool WordAt(size_t i, std::string_view word) const {
    if (i + word.size() > s_.size()) return false;
    for (size_t k = 0; k < word.size(); ++k) {
      const char c = s_[i + k];
      if ((c | 0x20) != word[k]) return false;
    }
    return true;
  }
  // <ws>+ word <ws>+ at pos_: consumes and returns true.
  bool Keyword(std::string_view word) {
    size_t i = pos_, len;
    if (i >= s_.size() || !IsSpace(s_, i, &len)) return false;
    while (i < s_.size() && IsSpace(s_, i, &len)) i += len;
    if (!WordAt(i, word)) return false;
    i += word.size();
    if (i >= s_.size() || !IsSpace(s_, i, &len)) return false;
    while (i < s_.size() && IsSpace(s_, i, &len)) i += len;
    pos_ = i;
    return true;
  }
  // not<ws>+ at pos_.
  bool Not() {
    if (!WordAt(pos_, "not") || !AtSpace(pos_ + 3)) return false;
    pos_ += 3;
    SkipSpace();
    return true;
  }

  // operand (keyword operand)*: one operand as it is, several as one bool
  // (should with minimum 1 for "or", filter for "and"), flat as Kibana builds it.
  template <typename Operand>
  bool Chain(std::string_view keyword, Operand&& operand, Query* out) {
    Query first;
    if (!operand(&first)) return false;
    if (!PeekKeyword(keyword)) {
      *out = std::move(first);
      return true;
    }
    const bool is_or = keyword == "or";
    BoolQuery q;
    if (is_or) q.minimum_should_match = 1;
    std::vector<Query>& operands = is_or ? q.should : q.filter;
    operands.push_back(std::move(first));
    while (Keyword(keyword)) {
      operands.emplace_back();
      if (!operand(&operands.back())) return false;
    }
    *out = std::move(q);
    return true;
  }

  bool OrQuery(Query* out) {
    return Chain(
        "or", [&](Query* q) { return AndQuery(q); }, out);
  }
  bool AndQuery(Query* out) {
    return Chain(
        "and", [&](Query* q) { return NotQuery(q); }, out);
  }
  bool PeekKeyword(std::string_view word) {
    const size_t saved = pos_;
    const bool yes = Keyword(word);
    pos_ = saved;
    return yes;
  }
  bool NotQuery(Query* out) {
    if (Not()) {
      BoolQuery negated;
      negated.must_not.emplace_back();
      if (!SubQuery(&negated.must_not.back())) return false;
      *out = std::move(negated);
      return true;
    }
    return SubQuery(out);
  }
  bool SubQuery(Query* out) {
    if (pos_ < s_.size() && s_[pos_] == '(') {
      return Parenthesized([&](Query* q) { return OrQuery(q); }, out);
    }
    return Expression(out);
  }

  // Parses "( inner )" with the cursor on "(": the grouping rule shared by
  // whole sub-queries and by value lists after "field:".
  template <typename Inner>
  bool Parenthesized(Inner&& inner, Query* out) {
    if (++depth_ > kMaxQueryDepth) {
      expected_ = fmt::format("at most {} nested groups", kMaxQueryDepth);
      return false;
    }
    ++pos_;
    SkipSpace();
    if (!inner(out)) return false;
    --depth_;
    SkipSpace();
    if (pos_ >= s_.size() || s_[pos_] != ')') {
      expected_ = "\")\", AND, OR";
      return false;
    }
    ++pos_;
    return true;
  }

  bool Expression(Query* out) {
    const size_t start = pos_;
    Literal field;
    if (!ReadLiteral(&field, /*in_field=*/true)) return false;
    field.text = nested_prefix_ + field.text;
    SkipSpace();
    // A range: field <, <=, >, >= value.
    if (pos_ < s_.size() && (s_[pos_] == '<' || s_[pos_] == '>') && !field.quoted) {
      const bool less = s_[pos_] == '<';
      ++pos_;
      const bool equal = pos_ < s_.size() && s_[pos_] == '=';
      if (equal) ++pos_;
      SkipSpace();
      Literal value;
      if (!ReadLiteral(&value, false)) return false;
      RangeQuery range;
      range.field = field.text;
      auto& slot = less ? (equal ? range.lte : range.lt) : (equal ? range.gte : range.gt);
      slot = QueryValue::String(value.text);
      *out = std::move(range);
      return true;
    }
    if (pos_ < s_.size() && s_[pos_] == ':') {
      ++pos_;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '{') {
        // field:{ query }: Kibana's nested query. flowdex keeps objects
        // flattened, so the inner fields are simply "field.inner".
        if (++depth_ > kMaxQueryDepth) {
          expected_ = fmt::format("at most {} nested groups", kMaxQueryDepth);
          return false;
        }
        const std::string saved = nested_prefix_;
        nested_prefix_ = field.text + ".";
        ++pos_;
        SkipSpace();
        if (!OrQuery(out)) return false;
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '}') {
          expected_ = "\"}\", AND, OR";
          return false;
        }
        ++pos_;
        nested_prefix_ = saved;
        --depth_;
        return true;
      }
      return ListOfValues(field, out);
    }
    // A value alone: searched in every field.
    pos_ = start;
    Literal value;
    if (!ReadLiteral(&value, false)) return false;
    Literal any;
    any.text = "*";
    any.wildcard = true;
    return MakeIs(any, value, out);
  }

  bool ListOfValues(const Literal& field, Query* out) {
    if (pos_ < s_.size() && s_[pos_] == '(') {
      return Parenthesized([&](Query* q) { return OrList(field, q); }, out);
    }
    Literal value;
    if (!ReadLiteral(&value, false)) return false;
    return MakeIs(field, value, out);
  }
  bool OrList(const Literal& field, Query* out) {
    return Chain(
        "or", [&](Query* q) { return AndList(field, q); }, out);
  }
  bool AndList(const Literal& field, Query* out) {
    return Chain(
        "and", [&](Query* q) { return NotList(field, q); }, out);
  }
  bool NotList(const Literal& field, Query* out) {
    if (Not()) {
      BoolQuery negated;
      negated.must_not.emplace_back();
      if (!ListOfValues(field, &negated.must_not.back())) return false;
      *out = std::move(negated);
      return true;
    }
    return ListOfValues(field, out);
  }

  // is(field, value) as a query.
  bool MakeIs(const Literal& field, const Literal& value, Query* out) {
    const bool any_field = field.wildcard && field.text == "*";
    if (!value.quoted && value.wildcard && value.text == "*") {
      *out = any_field ? Query::MatchAll() : Query::Exists(field.text);
      return true;
    }
    if (!value.quoted && value.wildcard) {
      *out = WildcardQuery{field.text, value.text, ci_};
      return true;
    }
    QueryValue v = !value.quoted && (value.text == "true" || value.text == "false")
                       ? QueryValue::Bool(value.text == "true")
                       : QueryValue::String(value.text);
    if (value.quoted) {
      *out = MatchPhraseQuery{field.text, std::move(v), ci_};
    } else {
      *out = MatchQuery{field.text, std::move(v), false, ci_};
    }
    return true;
  }

  // A quoted string or an unquoted literal (which may hold spaces, ends in
  // front of a special character or a keyword, and is trimmed).
  bool ReadLiteral(Literal* out, bool in_field) {
    if (pos_ < s_.size() && s_[pos_] == '"') return ReadQuoted(out);
    std::string text;
    size_t trailing_escaped = 0;  // escaped characters at the end survive trimming? (Kibana trims them too)
    (void)trailing_escaped;
    const size_t start = pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) {
          expected_ = "an escaped character";
          return false;
        }
        const char n = s_[pos_ + 1];
        if (n == 't' || n == 'r' || n == 'n') {
          text += n == 't' ? '\t' : n == 'r' ? '\r' : '\n';
          pos_ += 2;
        } else if (std::string_view("\\():<>\"*{}").find(n) != std::string_view::npos) {
          text += n == '*' ? std::string("\\*") : std::string(1, n);
          pos_ += 2;
        } else if (n == 'u' && pos_ + 6 <= s_.size()) {
          const std::string hex(s_.substr(pos_ + 2, 4));
          char* end = nullptr;
          const unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 4) {
            expected_ = "a unicode escape";
            return false;
          }
          AppendUtf8(cp, &text);
          pos_ += 6;
        } else if (WordAt(pos_ + 1, "or") || WordAt(pos_ + 1, "and") || WordAt(pos_ + 1, "not")) {
          const size_t len = WordAt(pos_ + 1, "or") ? 2 : 3;
          text.append(s_.substr(pos_ + 1, len));
          pos_ += 1 + len;
        } else {
          expected_ = "an escaped character";
          return false;
        }
        continue;
      }
      if (std::string_view("():<>\"{}").find(c) != std::string_view::npos) break;
      if (AtSpace(pos_) && (PeekKeyword("or") || PeekKeyword("and"))) break;
      if (WordAt(pos_, "not") && AtSpace(pos_ + 3)) break;
      if (c == '*') out->wildcard = true;
      text += c;
      ++pos_;
    }
    // Trim.
    size_t b = 0, e = text.size();
    while (b < e && (text[b] == ' ' || text[b] == '\t' || text[b] == '\r' || text[b] == '\n')) ++b;
    while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r' || text[e - 1] == '\n')) --e;
    out->text = text.substr(b, e - b);
    if (out->text.empty()) {
      pos_ = start;
      expected_ = in_field ? "a field name or value" : "a value";
      return false;
    }
    // Escaped stars are literal stars unless the literal is a wildcard
    // pattern, where they stay escaped for the glob.
    if (!out->wildcard) {
      std::string plain;
      for (size_t i = 0; i < out->text.size(); ++i) {
        if (out->text[i] == '\\' && i + 1 < out->text.size() && out->text[i + 1] == '*') continue;
        plain += out->text[i];
      }
      out->text = plain;
    }
    return true;
  }

  bool ReadQuoted(Literal* out) {
    ++pos_;
    std::string text;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
        const char n = s_[pos_ + 1];
        if (n == '"' || n == '\\') {
          text += n;
        } else if (n == 't' || n == 'r' || n == 'n') {
          text += n == 't' ? '\t' : n == 'r' ? '\r' : '\n';
        } else {
          text += '\\';
          text += n;
        }
        pos_ += 2;
        continue;
      }
      text += s_[pos_++];
    }
    if (pos_ >= s_.size()) {
      expected_ = "\"\\\"\"";
      return false;
    }
    ++pos_;
    out->text = std::move(text);
    out->quoted = true;
    return true;
  }

  static void AppendUtf8(unsigned long cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool Fail(ParseError* error) {
    error->kind = ParseError::Kind::kParsing;
    const std::string found = pos_ >= s_.size() ? "end of input" : fmt::format("\"{}\"", s_[pos_]);
    error->reason = fmt::format("Expected {} but {} found.\n{}\n{}^", expected_.empty() ? "a query" : expected_, found,
                                s_, std::string(pos_, '-'));
    error->line = 1;
    error->col = static_cast<int>(pos_) + 1;
    return false;
  }

  std::string_view s_;
  bool ci_;
  size_t pos_ = 0;
  std::string expected_;
  int depth_ = 0;
  std::string nested_prefix_;  // inside field:{...}: "field."
};

}  // namespace

bool ParseKql(std::string_view kql, Query* out, ParseError* error, bool case_insensitive) {
  KqlParser p(kql, case_insensitive);
  return p.Parse(out, error);
}

}  // namespace flowdex
