#include "query/lang/kql_parser.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

Query Kql(std::string_view text, bool case_insensitive = false) {
  Query q;
  ParseError e;
  EXPECT_TRUE(ParseKql(text, &q, &e, case_insensitive)) << text << ": " << e.reason;
  return q;
}

std::string Show(const Query& q) { return QueryToString(q); }

TEST(Kql, GrammarFromKibanasTests) {
  EXPECT_EQ(Show(Kql("  ")), "ALL");
  EXPECT_EQ(Show(Kql("foo")), "match(*=foo)");
  EXPECT_EQ(Show(Kql("  foo ")), "match(*=foo)");
  EXPECT_EQ(Show(Kql("foo bar")), "match(*=foo bar)") << "whitespace never means or";
  EXPECT_EQ(Show(Kql("foo and bar")), "and[match(*=foo) match(*=bar)]");
  EXPECT_EQ(Show(Kql("user:{ first:alice and last:smith }")), "and[match(user.first=alice) match(user.last=smith)]")
      << "nested groups read as the flattened fields";
  EXPECT_EQ(Show(Kql("a:{ b:{ c:1 } }")), "match(a.b.c=1)");
  EXPECT_EQ(Show(Kql("foo and\u00a0bar")), "and[match(*=foo) match(*=bar)]") << "no-break space";
  EXPECT_EQ(Show(Kql("foo OR bar or baz")), "or[match(*=foo) match(*=bar) match(*=baz)]") << "flat, any case";
  EXPECT_EQ(Show(Kql("not (foo or bar)")), "not[or[match(*=foo) match(*=bar)]]");
  EXPECT_EQ(Show(Kql("foo or bar and baz or qux")), "or[match(*=foo) and[match(*=bar) match(*=baz)] match(*=qux)]");
  EXPECT_EQ(Show(Kql("(foo or bar) and baz")), "and[or[match(*=foo) match(*=bar)] match(*=baz)]");
  EXPECT_EQ(Show(Kql("foo:bar")), "match(foo=bar)");
  EXPECT_EQ(Show(Kql("foo:bar baz")), "match(foo=bar baz)");
  EXPECT_EQ(Show(Kql("foo:\"bar baz\"")), "phrase(foo=bar baz)");
  EXPECT_EQ(Show(Kql("foo:(bar or baz)")), "or[match(foo=bar) match(foo=baz)]");
  EXPECT_EQ(Show(Kql("foo:(bar or baz and not qux)")), "or[match(foo=bar) and[match(foo=baz) not[match(foo=qux)]]]");
  EXPECT_EQ(Show(Kql("foo:*")), "exists(foo)");
  EXPECT_EQ(Show(Kql("*:*")), "ALL");
  EXPECT_EQ(Show(Kql("foo:bar*")), "wild(foo=bar*)");
  EXPECT_EQ(Show(Kql("machine.os*:windows")), "match(machine.os*=windows)");
  EXPECT_EQ(Show(Kql("bytes > 1000")), "range(bytes >1000)");
  EXPECT_EQ(Show(Kql("bytes>=1000 and bytes<=2000")), "and[range(bytes >=1000) range(bytes <=2000)]");
  EXPECT_EQ(Show(Kql("@timestamp < \"2021-01-02T21:55:59\"")), "range(@timestamp <2021-01-02T21:55:59)");
  EXPECT_EQ(Show(Kql("foo and")), "match(*=foo and)") << "no whitespace after: a literal";
  EXPECT_EQ(Show(Kql("notfoo")), "match(*=notfoo)");
  EXPECT_EQ(Show(Kql("x:a\\:b")), "match(x=a:b)");
  EXPECT_EQ(Show(Kql("x:\\*")), "match(x=*)") << "an escaped star is a star";
  EXPECT_EQ(Show(Kql("x:foo \\and bar")), "match(x=foo and bar)");
  EXPECT_EQ(Show(Kql("x:caf\\u00e9")), "match(x=café)");
  EXPECT_EQ(Show(Kql("x:\"a \\\"q\\\" \\\\ b\"")), "phrase(x=a \"q\" \\ b)");
  EXPECT_EQ(Show(Kql("source.ip:\"2001:db8::/32\"")), "phrase(source.ip=2001:db8::/32)");
  const Query t = Kql("ssl:true");
  ASSERT_TRUE(t.Is<MatchQuery>());
  EXPECT_EQ(t.As<MatchQuery>()->value.kind, QueryValue::Kind::kBool);
  EXPECT_EQ(Show(Kql("x:a", true)), "match(x=a)");
  EXPECT_TRUE(Kql("x:a", true).As<MatchQuery>()->case_insensitive);
  EXPECT_TRUE(Kql("x:a*", true).As<WildcardQuery>()->case_insensitive);
}

TEST(Kql, SyntaxErrorsPointAtTheProblem) {
  Query q;
  ParseError e;
  EXPECT_FALSE(ParseKql("foo:(bar", &q, &e));
  EXPECT_EQ(e.kind, ParseError::Kind::kParsing);
  EXPECT_NE(e.reason.find("foo:(bar\n--------^"), std::string::npos) << e.reason;
  EXPECT_FALSE(ParseKql("message:cannot be", &q, &e)) << "Kibana's not<ws> quirk";
  EXPECT_FALSE(ParseKql("source.ip: ::1", &q, &e)) << "IPv6 must be quoted";
  EXPECT_FALSE(ParseKql("a:\"open", &q, &e));
  EXPECT_FALSE(ParseKql("NOT(x)", &q, &e));
  EXPECT_FALSE(ParseKql("f:{g:1", &q, &e)) << "an unclosed nested group";
  EXPECT_FALSE(ParseKql(std::string(200, '(') + "a:1" + std::string(200, ')'), &q, &e)) << "nesting is bounded";
  EXPECT_FALSE(ParseKql("x:foo \\", &q, &e));
}

}  // namespace
}  // namespace flowdex
