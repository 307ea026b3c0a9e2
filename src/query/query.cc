#include "query/query.h"

#include <fmt/format.h>

namespace flowdex {

std::string QueryValue::ToString() const {
  switch (kind) {
    case Kind::kString: return text;
    case Kind::kInteger: return std::to_string(integer);
    case Kind::kDouble: return fmt::format("{}", number);
    case Kind::kBool: return boolean ? "true" : "false";
  }
  return text;
}

const std::string& Query::field() const {
  static const std::string kNone;
  return std::visit(
      [](const auto& q) -> const std::string& {
        if constexpr (requires { q.field; }) {
          return q.field;
        } else {
          return kNone;
        }
      },
      node);
}

const char* Query::TypeName() const {
  struct Names {
    const char* operator()(const MatchAllQuery&) const { return "match_all"; }
    const char* operator()(const MatchNoneQuery&) const { return "match_none"; }
    const char* operator()(const TermQuery&) const { return "term"; }
    const char* operator()(const TermsQuery&) const { return "terms"; }
    const char* operator()(const RangeQuery&) const { return "range"; }
    const char* operator()(const ExistsQuery&) const { return "exists"; }
    const char* operator()(const PrefixQuery&) const { return "prefix"; }
    const char* operator()(const WildcardQuery&) const { return "wildcard"; }
    const char* operator()(const RegexpQuery&) const { return "regexp"; }
    const char* operator()(const MatchQuery&) const { return "match"; }
    const char* operator()(const MatchPhraseQuery&) const { return "match_phrase"; }
    const char* operator()(const IdsQuery&) const { return "ids"; }
    const char* operator()(const BoolQuery&) const { return "bool"; }
    const char* operator()(const GeoBoundingBoxQuery&) const { return "geo_bounding_box"; }
  };
  return std::visit(Names{}, node);
}

void MarkLenient(Query* q) {
  if (auto* b = q->As<BoolQuery>()) {
    for (auto* clauses : {&b->must, &b->filter, &b->should, &b->must_not}) {
      for (Query& c : *clauses) MarkLenient(&c);
    }
    return;
  }
  q->lenient = true;
}

std::string QueryToString(const Query& query) {
  struct Render {
    std::string operator()(const MatchAllQuery&) const { return "ALL"; }
    std::string operator()(const MatchNoneQuery&) const { return "NONE"; }
    std::string operator()(const TermQuery& q) const {
      return "term(" + q.field + "=" + q.value.ToString() + (q.case_insensitive ? ",ci" : "") + ")";
    }
    std::string operator()(const TermsQuery& q) const {
      std::string s = "terms(" + q.field + "=";
      for (size_t i = 0; i < q.values.size(); ++i) s += (i ? "," : "") + q.values[i].ToString();
      return s + ")";
    }
    std::string operator()(const RangeQuery& q) const {
      return "range(" + q.field + (q.gt ? " >" + q.gt->ToString() : "") + (q.gte ? " >=" + q.gte->ToString() : "") +
             (q.lt ? " <" + q.lt->ToString() : "") + (q.lte ? " <=" + q.lte->ToString() : "") + ")";
    }
    std::string operator()(const ExistsQuery& q) const { return "exists(" + q.field + ")"; }
    std::string operator()(const GeoBoundingBoxQuery& q) const {
      return fmt::format("geo_box({} top={} left={} bottom={} right={})", q.field, q.top, q.left, q.bottom, q.right);
    }
    std::string operator()(const PrefixQuery& q) const {
      return "prefix(" + q.field + "=" + q.prefix + (q.case_insensitive ? ",ci" : "") + ")";
    }
    std::string operator()(const WildcardQuery& q) const {
      return "wild(" + q.field + "=" + q.pattern + (q.case_insensitive ? ",ci" : "") + ")";
    }
    std::string operator()(const RegexpQuery& q) const { return "regexp(" + q.field + "=" + q.pattern + ")"; }
    std::string operator()(const MatchQuery& q) const {
      return "match(" + q.field + "=" + q.value.ToString() + (q.all_tokens ? ",and" : "") + ")";
    }
    std::string operator()(const MatchPhraseQuery& q) const {
      return "phrase(" + q.field + "=" + q.value.ToString() + ")";
    }
    std::string operator()(const IdsQuery& q) const {
      std::string s = "ids(";
      for (size_t i = 0; i < q.ids.size(); ++i) s += (i ? "," : "") + q.ids[i];
      return s + ")";
    }
    static std::string List(const char* name, const std::vector<Query>& qs) {
      std::string s = std::string(name) + "[";
      for (size_t i = 0; i < qs.size(); ++i) s += (i ? " " : "") + QueryToString(qs[i]);
      return s + "]";
    }
    std::string operator()(const BoolQuery& q) const {
      const int parts = !q.must.empty() + !q.filter.empty() + !q.should.empty() + !q.must_not.empty();
      if (parts == 1 && q.minimum_should_match <= 1) {
        if (!q.should.empty()) return List("or", q.should);
        if (!q.filter.empty()) return List("and", q.filter);
        if (!q.must.empty()) return List("must", q.must);
        return List("not", q.must_not);
      }
      std::string s = "bool(";
      if (!q.must.empty()) s += List("must", q.must) + " ";
      if (!q.filter.empty()) s += List("and", q.filter) + " ";
      if (!q.should.empty()) s += List("or", q.should) + " ";
      if (!q.must_not.empty()) s += List("not", q.must_not) + " ";
      if (q.minimum_should_match >= 0) s += "msm=" + std::to_string(q.minimum_should_match) + " ";
      if (s.back() == ' ') s.pop_back();
      return s + ")";
    }
  };
  return std::visit(Render{}, query.node);
}

}  // namespace flowdex
