#include "query/dsl/dsl_parser.h"

#include "query/dsl/query_registry.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

SearchRequest Parse(std::string_view body) {
  SearchRequest r;
  ParseError e;
  EXPECT_TRUE(ParseSearchBody(body, &r, &e)) << e.reason;
  return r;
}

ParseError Fails(std::string_view body) {
  SearchRequest r;
  ParseError e;
  EXPECT_FALSE(ParseSearchBody(body, &r, &e)) << body;
  return e;
}

using K = ParseError::Kind;

TEST(DslParser, QueriesBecomeTheQueryTree) {
  SearchRequest r = Parse(R"({"query": {"bool": {
      "must": {"match": {"message": {"query": "refused host", "operator": "and"}}},
      "filter": [{"term": {"event.action": "REJECT"}}, {"range": {"@timestamp": {"gte": "2026-11-27", "lt": null}}},
                 {"terms": {"destination.port": [22, "3389"]}}],
      "should": [{"prefix": {"user": {"value": "Al", "case_insensitive": true}}}, {"exists": {"field": "tags"}}],
      "must_not": {"ids": {"values": ["a", 7]}},
      "minimum_should_match": 1}},
    "from": 5, "size": 20, "sort": [{"@timestamp": "desc"}, "source.ip", {"source.bytes": {"order": "asc", "missing": "_first"}}],
    "track_total_hits": true, "_source": false})");
  EXPECT_EQ(QueryToString(r.query),
            "bool(must[match(message=refused host,and)] "
            "and[term(event.action=REJECT) range(@timestamp >=2026-11-27) terms(destination.port=22,3389)] "
            "or[prefix(user=Al,ci) exists(tags)] not[ids(a,7)] msm=1)");
  // Values keep their JSON kind until they are lowered against a field.
  const auto& terms = *r.query.As<BoolQuery>()->filter[2].As<TermsQuery>();
  EXPECT_EQ(terms.values[0].kind, QueryValue::Kind::kInteger);
  EXPECT_EQ(terms.values[1].kind, QueryValue::Kind::kString);
  EXPECT_EQ(r.from, 5u);
  EXPECT_EQ(r.size, 20u);
  ASSERT_EQ(r.sort.size(), 3u);
  EXPECT_TRUE(r.sort[0].descending);
  EXPECT_FALSE(r.sort[1].descending);
  EXPECT_TRUE(r.sort[2].missing_first);
  EXPECT_EQ(r.track_total_hits, -1);
  EXPECT_FALSE(r.fetch_source);
  EXPECT_TRUE(Parse("").query.Is<MatchAllQuery>());
  EXPECT_EQ(Parse("{}").size, 10u);
}

TEST(DslParser, MinimumShouldMatchForms) {
  auto msm = [](const char* value) {
    return Parse(
               std::string(
                   R"({"query":{"bool":{"should":[{"match_all":{}},{"match_all":{}},{"match_all":{}},{"match_all":{}}],"minimum_should_match":)") +
               value + "}}}")
        .query.As<BoolQuery>()
        ->minimum_should_match;
  };
  EXPECT_EQ(msm("2"), 2);
  EXPECT_EQ(msm("\"3\""), 3);
  EXPECT_EQ(msm("-1"), 3);
  EXPECT_EQ(msm("\"75%\""), 3);
  EXPECT_EQ(msm("\"-25%\""), 3);
  // A nested bool does not take its parent's setting.
  SearchRequest r = Parse(
      R"({"query":{"bool":{"minimum_should_match":2,"should":[{"bool":{"should":[{"match_all":{}}]}},{"match_all":{}}]}}})");
  EXPECT_EQ(r.query.As<BoolQuery>()->minimum_should_match, 2);
  EXPECT_EQ(r.query.As<BoolQuery>()->should[0].As<BoolQuery>()->minimum_should_match, -1);
}

TEST(DslParser, ElasticsearchErrors) {
  // The seed's body: exists is not a match parameter.
  ParseError e = Fails(R"({"query": {"match": {"destination_ip": {"exists": true}}}})");
  EXPECT_EQ(e.kind, K::kParsing);
  EXPECT_EQ(e.reason, "[match] query does not support [exists]");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.col, 41);
  e = Fails(R"({"query": {"matchh": {}}})");
  EXPECT_EQ(e.reason, "unknown query [matchh]");
  e = Fails(R"({"match": {"a": "b"}})");
  EXPECT_EQ(e.reason, "Unknown key for a START_OBJECT in [match].");
  e = Fails("{\"query\": {\n  \"term\": {\"a\": 1, \"b\": 2}}}");
  EXPECT_EQ(e.reason, "[term] query doesn't support multiple fields, found [a] and [b]");
  EXPECT_EQ(e.line, 2);
  e = Fails(R"({"query": {"term": {"a": 1}, "match_all": {}}})");
  EXPECT_EQ(e.kind, K::kParsing);
  e = Fails(R"({"query": {"bool": {"must": [}})");
  EXPECT_EQ(e.kind, K::kMalformedJson);
  e = Fails(R"({"from": 9995, "size": 10})");
  EXPECT_EQ(e.kind, K::kIllegalArgument);
  EXPECT_NE(
      e.reason.find("Result window is too large, from + size must be less than or equal to: [10000] but was [10005]"),
      std::string::npos);
  e = Fails(R"({"size": -1})");
  EXPECT_EQ(e.reason, "[size] parameter cannot be negative");
  e = Fails(R"({"track_total_hits": -2})");
  EXPECT_EQ(e.reason, "[track_total_hits] parameter must be positive or equals to -1, got -2");
  e = Fails(R"({"query": {"range": {"a": {"gte": 1, "around": 2}}}})");
  EXPECT_EQ(e.reason, "[range] query does not support [around]");
}

TEST(DslParser, EveryQueryTypeIsRegisteredByItsName) {
  for (const char* name : {"bool", "constant_score", "exists", "ids", "kql", "match", "match_all", "match_none",
                           "match_phrase", "multi_match", "prefix", "query_string", "range", "regexp",
                           "simple_query_string", "term", "terms", "wildcard"}) {
    EXPECT_NE(FindQueryParser(name), nullptr) << name;
  }
  EXPECT_EQ(FindQueryParser("span_near"), nullptr);
  EXPECT_EQ(QueryToString(Parse(R"({"query":{"wildcard":{"f":{"wildcard":"a*"}}}})").query), "wild(f=a*)");
  EXPECT_EQ(QueryToString(Parse(R"({"query":{"regexp":{"f":{"value":"a.*","flags":"ALL"}}}})").query), "regexp(f=a.*)");
  EXPECT_EQ(QueryToString(Parse(R"({"query":{"constant_score":{"filter":{"term":{"a":1}}}}})").query), "term(a=1)");
  EXPECT_EQ(
      QueryToString(
          Parse(
              R"({"query":{"multi_match":{"query":"x y","fields":["a","b^2"],"type":"cross_fields","operator":"and"}}})")
              .query),
      "must[or[match(a=x) match(b=x)] or[match(a=y) match(b=y)]]");
  EXPECT_EQ(QueryToString(Parse(R"({"query":{"kql":{"query":"a:1 or b:*"}}})").query), "or[match(a=1) exists(b)]");
  EXPECT_EQ(QueryToString(Parse(R"({"query":{"query_string":{"query":"a:1 AND -b:2"}}})").query),
            "bool(must[match(a=1)] not[match(b=2)])");
}

}  // namespace
}  // namespace flowdex
