#include "detect/rule.h"

#include <gtest/gtest.h>

#include "detect/prebuilt_rules.h"
#include "detect/rule_evaluator.h"

namespace flowdex {
namespace {

TEST(RuleTest, ReadsEveryKindAndWritesWhatItReads) {
  const char* kRules[] = {
      R"({"kind":"threshold","kql":"event.action:REJECT","group_by":["source.ip"],"threshold":{"value":1000},
          "interval":"5m","window":"10m","throttle":"1h","severity":"high",
          "actions":[{"type":"webhook","url":"https://hooks.example/x","timeout":"3s","headers":{"X-A":"b"}},
                     {"type":"sns","topic_arn":"arn:aws:sns:eu-west-1:123456789012:alerts"},{"type":"log"}]})",
      R"({"kind":"cardinality","group_by":["source.ip","destination.ip"],"cardinality":{"field":"destination.port","value":250}})",
      R"({"kind":"new_terms","query":{"term":{"event.action":"ACCEPT"}},"new_terms":{"fields":["destination.geo.country_iso_code"],"history":"14d"}})",
      R"({"kind":"spike","window":"30m","spike":{"baseline_days":7,"k":4,"min_count":100}})",
  };
  for (const char* json : kRules) {
    Rule rule;
    ASSERT_TRUE(ParseRule(json, "r-1", &rule).ok()) << json;
    Rule again;
    ASSERT_TRUE(ParseRule(RuleToJson(rule), "", &again).ok()) << RuleToJson(rule);
    EXPECT_EQ(RuleToJson(again), RuleToJson(rule));
    EXPECT_TRUE(again.enabled);
  }
  Rule rule;
  ASSERT_TRUE(ParseRule(kRules[0], "r-1", &rule).ok());
  EXPECT_EQ(rule.window_ms, 600'000);
  EXPECT_EQ(rule.actions.size(), 3u);
  EXPECT_EQ(rule.actions[0].timeout_ms, 3000);
  EXPECT_EQ(rule.actions[1].topic_arn, "arn:aws:sns:eu-west-1:123456789012:alerts");
}

TEST(RuleTest, RefusesWhatCannotRunNamingTheSetting) {
  struct Case {
    const char* json;
    const char* names;
  };
  const Case kCases[] = {
      {R"({"kind":"threshold"})", "[threshold]"},
      {R"({"kind":"threshold","threshold":{"value":0}})", "[threshold.value]"},
      {R"({"kind":"threshold","threshold":{"value":5,"metric":"sum"}})", "[threshold.field]"},
      {R"({"kind":"threshold","threshold":{"value":5},"cardinality":{"field":"a","value":1}})", "[cardinality]"},
      {R"({"kind":"cardinality","cardinality":{"value":3}})", "[cardinality.field]"},
      {R"({"kind":"new_terms","new_terms":{"fields":[]}})", "[new_terms.fields]"},
      {R"({"kind":"spike","spike":{"baseline_days":0.5}})", "[spike.baseline_days]"},
      {R"({"kind":"spike","window":"2d"})", "[window]"},
      {R"({"kind":"threshold","threshold":{"value":1},"interval":"10s"})", "[interval]"},
      {R"({"kind":"threshold","threshold":{"value":1},"window":"ten minutes"})", "[window]"},
      {R"({"kind":"threshold","threshold":{"value":1},"group_by":["a","b","c","d"]})", "[group_by]"},
      {R"({"kind":"threshold","threshold":{"value":1},"kql":"a:1","query":{"match_all":{}}})", "[query]"},
      {R"({"kind":"threshold","threshold":{"value":1},"severity":"urgent"})", "[severity]"},
      {R"({"kind":"threshold","threshold":{"value":1},"actions":[{"type":"webhook","url":"ftp://x"}]})",
       "[actions.0.url]"},
      {R"({"kind":"threshold","threshold":{"value":1},"actions":[{"type":"email"}]})", "[actions.0.type]"},
      {R"({"kind":"threshold","threshold":{"value":1},"windw":"1m"})", "[windw]"},
      {R"({"kind":"thresold"})", "[kind]"},
  };
  for (const Case& c : kCases) {
    Rule rule;
    Status s = ParseRule(c.json, "r", &rule);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(std::string(s.message()).find(c.names), std::string::npos) << s.message();
  }
  Rule rule;
  EXPECT_FALSE(ParseRule(R"({"kind":"spike"})", "Bad Id", &rule).ok());
  EXPECT_FALSE(ParseRule(R"({"kind":"spike"})", "_run", &rule).ok());  // the API's own names
  EXPECT_FALSE(ParseRule("[1]", "r", &rule).ok());
}

TEST(RuleTest, PrebuiltRulesAreValidAndOff) {
  const std::vector<Rule> rules = PrebuiltRules();
  EXPECT_EQ(rules.size(), 8u);
  for (const Rule& r : rules) {
    EXPECT_TRUE(r.prebuilt) << r.id;
    EXPECT_FALSE(r.enabled) << r.id;
    EXPECT_FALSE(r.description.empty()) << r.id;
  }
}

TEST(RuleTest, GroupKqlQuotesTextAndKeepsNumbers) {
  const std::vector<GroupValue> group = {{"source.ip", "\"10.0.0.1\"", "10.0.0.1"},
                                         {"destination.port", "22", "22"},
                                         {"x.name", "\"a \\\"b\\\"\"", "a \"b\""}};
  EXPECT_EQ(GroupKql(group), R"(source.ip:"10.0.0.1" AND destination.port:22 AND x.name:"a \"b\"")");
  EXPECT_EQ(GroupKey(group), "source.ip=10.0.0.1, destination.port=22, x.name=a \"b\"");
}

}  // namespace
}  // namespace flowdex
