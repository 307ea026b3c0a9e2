#include "query/plan/lowering.h"

#include <gtest/gtest.h>

#include "query/lang/kql_parser.h"
#include "schema/field_catalog.h"

namespace flowdex {
namespace {

constexpr int64_t kNow = 1795737600000;  // 2026-11-27T00:00:00Z

Predicate Lower(const Query& q, const FieldCatalog& catalog = FieldCatalog::Flow()) {
  Predicate p;
  Status s = LowerQuery(q, catalog, kNow, &p);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return p;
}

Status LowerError(const Query& q) {
  Predicate p;
  return LowerQuery(q, FieldCatalog::Flow(), kNow, &p);
}

Query ParseKqlOrFail(std::string_view text) {
  Query q;
  ParseError e;
  EXPECT_TRUE(ParseKql(text, &q, &e)) << e.reason;
  return q;
}

TEST(Lowering, DerivedFieldsBecomeConditionsOnStoredColumns) {
  // event.outcome:success is event.action:ACCEPT, down to the cache key.
  const Predicate outcome = Lower(Query::Term("event.outcome", QueryValue::String("success")));
  const Predicate action = Lower(Query::Term("event.action", QueryValue::String("ACCEPT")));
  ASSERT_TRUE(outcome.Is<KeywordPredicate>());
  EXPECT_EQ(outcome.As<KeywordPredicate>()->column, "event.action");
  EXPECT_EQ(outcome.cache_key, action.cache_key);
  // network.transport names become protocol numbers.
  const Predicate udp = Lower(Query::Term("network.transport", QueryValue::String("udp")));
  ASSERT_TRUE(udp.Is<IntegerPredicate>());
  EXPECT_EQ(udp.As<IntegerPredicate>()->column, "network.iana_number");
  EXPECT_EQ(udp.As<IntegerPredicate>()->values, std::vector<Wide>{17});
  // A wildcard over the names: every protocol whose name matches.
  const Predicate c = Lower(WildcardQuery{"network.transport", "*c*"});
  ASSERT_TRUE(c.Is<IntegerPredicate>());
  EXPECT_EQ(c.As<IntegerPredicate>()->values, (std::vector<Wide>{1, 6, 58, 132}));
  // Constants decide without reading anything.
  EXPECT_TRUE(Lower(Query::Term("cloud.provider", QueryValue::String("aws"))).Is<AllRows>());
  EXPECT_TRUE(Lower(Query::Term("cloud.provider", QueryValue::String("gcp"))).Is<NoRows>());
  EXPECT_TRUE(Lower(Query::Exists("event.type")).Is<AllRows>()) << "every flow is a connection";
  // tcp flags by name: a bit mask.
  const Predicate syn =
      Lower(TermsQuery{"aws.vpcflow.tcp_flags_array", {QueryValue::String("syn"), QueryValue::String("fin")}});
  ASSERT_TRUE(syn.Is<BitsPredicate>());
  EXPECT_EQ(syn.As<BitsPredicate>()->mask, 3u);
  // An address's text: exact addresses use the address column.
  const Predicate addr = Lower(Query::Term("source.address", QueryValue::String("10.0.0.5")));
  ASSERT_TRUE(addr.Is<IpPredicate>());
  EXPECT_EQ(addr.As<IpPredicate>()->column, "source.ip");
  ASSERT_TRUE(Lower(PrefixQuery{"source.address", "10.1."}).Is<AddressTextPredicate>());
  // related.ip: either address column.
  const Predicate related = Lower(Query::Term("related.ip", QueryValue::String("10.0.0.5")));
  ASSERT_TRUE(related.Is<BoolPredicate>());
  EXPECT_EQ(related.As<BoolPredicate>()->should.size(), 2u);
  // event.end: @timestamp where the record had an end.
  const Predicate end = Lower(Query::Exists("event.end"));
  ASSERT_TRUE(end.Is<BoolPredicate>());
  EXPECT_EQ(end.As<BoolPredicate>()->excluded.size(), 1u);
  // Unknown fields match nothing, as in Elasticsearch.
  EXPECT_TRUE(Lower(Query::Term("no.such.field", QueryValue::String("x"))).Is<NoRows>());
}

TEST(Lowering, ValuesAreTypedOnceAndErrorsComeFromLowering) {
  Status s = LowerError(Query::Term("destination.port", QueryValue::String("ssh")));
  EXPECT_EQ(s.code(), Status::Code::kQueryValue);
  EXPECT_EQ(s.message(), "failed to create query: For input string: \"ssh\"");
  EXPECT_EQ(LowerError(Query::Term("source.ip", QueryValue::String("10.0.0/8"))).code(), Status::Code::kQueryValue);
  RangeQuery bad_date;
  bad_date.field = "@timestamp";
  bad_date.gte = QueryValue::String("yesterday");
  EXPECT_EQ(LowerError(bad_date).code(), Status::Code::kDateValue);
  EXPECT_EQ(LowerError(RegexpQuery{"event.action", "(unclosed"}).code(), Status::Code::kQueryValue);
  // Date math is evaluated against the request's now.
  RangeQuery recent;
  recent.field = "@timestamp";
  recent.gte = QueryValue::String("now-1h");
  const Predicate p = Lower(recent);
  ASSERT_TRUE(p.Is<IntegerPredicate>());
  EXPECT_EQ(p.As<IntegerPredicate>()->lo, kNow - 3600000);
  // A field pattern is lenient: a port that is not a number does not match there.
  EXPECT_TRUE(LowerError(MatchQuery{"*", QueryValue::String("REJECT")}).ok());
  EXPECT_TRUE(LowerError(ParseKqlOrFail("REJECT")).ok());
}

TEST(Lowering, CacheKeysTellLeavesApartAndRefuseTheClock) {
  const std::string a = Lower(Query::Term("event.action", QueryValue::String("REJECT"))).cache_key;
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, Lower(TermQuery{"event.action", QueryValue::String("REJECT"), true}).cache_key);
  EXPECT_NE(a, Lower(Query::Term("event.action", QueryValue::String("ACCEPT"))).cache_key);
  // 22 and "22" on a port are the same leaf once typed.
  EXPECT_EQ(Lower(Query::Term("destination.port", QueryValue::Integer(22))).cache_key,
            Lower(Query::Term("destination.port", QueryValue::String("22"))).cache_key);
  RangeQuery recent;
  recent.field = "@timestamp";
  recent.gte = QueryValue::String("now-15m");
  EXPECT_EQ(Lower(recent).cache_key, "") << "its rows change with the clock";
  RangeQuery fixed;
  fixed.field = "@timestamp";
  fixed.gte = QueryValue::String("2026-11-27");
  EXPECT_NE(Lower(fixed).cache_key, "");
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  ColumnBounds(Lower(fixed), "@timestamp", &lo, &hi);
  EXPECT_EQ(lo, kNow);
  EXPECT_EQ(hi, INT64_MAX);
}

TEST(Lowering, BoolsSimplifyWhatNeedsNoReading) {
  BoolQuery b;
  b.filter.push_back(Query::MatchAll());
  b.filter.push_back(Query::Term("event.action", QueryValue::String("REJECT")));
  EXPECT_TRUE(Lower(b).Is<KeywordPredicate>());
  b.must_not.push_back(Query::Term("cloud.provider", QueryValue::String("aws")));
  EXPECT_TRUE(Lower(b).Is<NoRows>()) << "excluding every row";
  BoolQuery should;
  should.should.push_back(Query::Term("no.such", QueryValue::String("x")));
  should.should.push_back(Query::Term("event.action", QueryValue::String("REJECT")));
  EXPECT_TRUE(Lower(should).Is<KeywordPredicate>());
  should.minimum_should_match = 2;
  EXPECT_TRUE(Lower(should).Is<NoRows>());
}

TEST(Lowering, DocumentIndicesUseTheirMapping) {
  IndexMapping mapping;
  MappingError error;
  ASSERT_TRUE(IndexMapping::FromJson(
      R"({"properties":{"port":{"type":"keyword"},"n":{"type":"long"},"msg":{"type":"text"}}})", &mapping, &error));
  const auto catalog = FieldCatalog::ForMapping(mapping);
  // The same field name means what this index's mapping says.
  const Predicate port = Lower(Query::Term("port", QueryValue::String("ssh")), *catalog);
  ASSERT_TRUE(port.Is<KeywordPredicate>());
  const Predicate n = Lower(Query::Term("n", QueryValue::String("7")), *catalog);
  ASSERT_TRUE(n.Is<IntegerPredicate>());
  const Predicate msg = Lower(MatchQuery{"msg", QueryValue::String("Hello World")}, *catalog);
  ASSERT_TRUE(msg.Is<TokenPredicate>());
  EXPECT_EQ(msg.As<TokenPredicate>()->tokens, (std::vector<std::string>{"hello", "world"}));
  EXPECT_TRUE(Lower(Query::Term("source.ip", QueryValue::String("x")), *catalog).Is<NoRows>());
}

}  // namespace
}  // namespace flowdex
