#include "query/dsl_parser.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

SearchRequest Parse(std::string_view body) {
  SearchRequest r;
  SearchError e;
  EXPECT_TRUE(ParseSearchBody(body, &r, &e)) << e.type << ": " << e.reason;
  return r;
}

SearchError Fails(std::string_view body) {
  SearchRequest r;
  SearchError e;
  EXPECT_FALSE(ParseSearchBody(body, &r, &e)) << body;
  return e;
}

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
  const Query& q = r.query;
  ASSERT_EQ(q.kind, Query::Kind::kBool);
  ASSERT_EQ(q.must.size(), 1u);
  EXPECT_EQ(q.must[0].kind, Query::Kind::kMatch);
  EXPECT_TRUE(q.must[0].match_all_tokens);
  ASSERT_EQ(q.filter.size(), 3u);
  EXPECT_EQ(q.filter[0].values[0].text, "REJECT");
  EXPECT_EQ(q.filter[1].gte->text, "2026-11-27");
  EXPECT_FALSE(q.filter[1].lt.has_value());
  EXPECT_EQ(q.filter[2].values[0].integer, 22);
  EXPECT_EQ(q.filter[2].values[1].text, "3389");
  EXPECT_TRUE(q.should[0].case_insensitive);
  EXPECT_EQ(q.should[1].kind, Query::Kind::kExists);
  EXPECT_EQ(q.must_not[0].values[1].text, "7");
  EXPECT_EQ(q.minimum_should_match, 1);
  EXPECT_EQ(r.from, 5u);
  EXPECT_EQ(r.size, 20u);
  ASSERT_EQ(r.sort.size(), 3u);
  EXPECT_TRUE(r.sort[0].descending);
  EXPECT_FALSE(r.sort[1].descending);
  EXPECT_TRUE(r.sort[2].missing_first);
  EXPECT_EQ(r.track_total_hits, -1);
  EXPECT_FALSE(r.fetch_source);
  EXPECT_EQ(Parse("").query.kind, Query::Kind::kMatchAll);
  EXPECT_EQ(Parse("{}").size, 10u);
}

TEST(DslParser, MinimumShouldMatchForms) {
  auto msm = [](const char* value) {
    return Parse(std::string(R"({"query":{"bool":{"should":[{"match_all":{}},{"match_all":{}},{"match_all":{}},{"match_all":{}}],"minimum_should_match":)") +
                 value + "}}}")
        .query.minimum_should_match;
  };
  EXPECT_EQ(msm("2"), 2);
  EXPECT_EQ(msm("\"3\""), 3);
  EXPECT_EQ(msm("-1"), 3);
  EXPECT_EQ(msm("\"75%\""), 3);
  EXPECT_EQ(msm("\"-25%\""), 3);
  // A nested bool does not take its parent's setting.
  SearchRequest r = Parse(R"({"query":{"bool":{"minimum_should_match":2,"should":[{"bool":{"should":[{"match_all":{}}]}},{"match_all":{}}]}}})");
  EXPECT_EQ(r.query.minimum_should_match, 2);
  EXPECT_EQ(r.query.should[0].minimum_should_match, -1);
}

TEST(DslParser, ElasticsearchErrors) {
  // The seed's body: exists is not a match parameter.
  SearchError e = Fails(R"({"query": {"match": {"destination_ip": {"exists": true}}}})");
  EXPECT_EQ(e.type, "parsing_exception");
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
  EXPECT_EQ(e.type, "parsing_exception");
  e = Fails(R"({"query": {"bool": {"must": [}})");
  EXPECT_EQ(e.type, "x_content_parse_exception");
  e = Fails(R"({"from": 9995, "size": 10})");
  EXPECT_EQ(e.type, "illegal_argument_exception");
  EXPECT_NE(e.reason.find("Result window is too large, from + size must be less than or equal to: [10000] but was [10005]"),
            std::string::npos);
  e = Fails(R"({"size": -1})");
  EXPECT_EQ(e.reason, "[size] parameter cannot be negative");
  e = Fails(R"({"track_total_hits": -2})");
  EXPECT_EQ(e.reason, "[track_total_hits] parameter must be positive or equals to -1, got -2");
  e = Fails(R"({"query": {"range": {"a": {"gte": 1, "around": 2}}}})");
  EXPECT_EQ(e.reason, "[range] query does not support [around]");
}

}  // namespace
}  // namespace flowdex
