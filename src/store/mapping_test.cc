#include "store/mapping.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

TEST(Mapping, ParsesExplicitMappingsAndWritesThemBack) {
  IndexMapping m;
  MappingError err;
  ASSERT_TRUE(IndexMapping::FromJson(R"({
      "dynamic": "strict",
      "properties": {
        "message": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
        "source": {"properties": {"ip": {"type": "ip"}, "port": {"type": "integer"}}},
        "@timestamp": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
        "score": {"type": "scaled_float", "scaling_factor": 100},
        "tags": {"type": "keyword"}
      }})",
                                     &m, &err))
      << err.reason;
  EXPECT_EQ(m.dynamic(), IndexMapping::Dynamic::kStrict);
  ASSERT_NE(m.Find("source.ip"), nullptr);
  EXPECT_EQ(m.Find("source.ip")->type, FieldType::kIp);
  EXPECT_EQ(m.Find("source.port")->type, FieldType::kInteger);
  ASSERT_NE(m.Find("message.keyword"), nullptr);
  EXPECT_EQ(m.Find("message.keyword")->ignore_above, 256);
  EXPECT_EQ(m.Find("source"), nullptr);
  EXPECT_TRUE(m.IsObject("source"));
  EXPECT_FALSE(m.IsObject("source.ip"));
  EXPECT_EQ(ColumnTypeFor(m.Find("source.port")->type), ColumnType::kInt64);
  EXPECT_EQ(ColumnTypeFor(m.Find("message")->type), ColumnType::kText);

  // Written back nested, as GET _mapping shows it, and read again the same.
  const std::string json = m.ToJson();
  EXPECT_NE(json.find(R"("source":{"properties":{"ip":{"type":"ip"},"port":{"type":"integer"}}})"), std::string::npos)
      << json;
  IndexMapping again;
  ASSERT_TRUE(IndexMapping::FromJson(json, &again, &err)) << err.reason;
  EXPECT_EQ(again.fields(), m.fields());
  EXPECT_EQ(again.dynamic(), m.dynamic());
}

TEST(Mapping, RejectsWhatElasticsearchRejects) {
  IndexMapping m;
  MappingError err;
  EXPECT_FALSE(IndexMapping::FromJson(R"({"properties": {"a": {"type": "strnig"}}})", &m, &err));
  EXPECT_EQ(err.type, "mapper_parsing_exception");
  EXPECT_EQ(err.reason, "No handler for type [strnig] declared on field [a]");
  EXPECT_FALSE(
      IndexMapping::FromJson(R"({"properties": {"a": {"type": "long", "analyzer": 5, "bogus": 1}}})", &m, &err));
  EXPECT_EQ(err.reason, "unknown parameter [bogus] on mapper [a] of type [long]");
  EXPECT_FALSE(IndexMapping::FromJson(R"({"properties": {"a": {"index": true}}})", &m, &err));
  EXPECT_EQ(err.reason, "No type specified for field [a]");
  EXPECT_FALSE(IndexMapping::FromJson(R"({"weird": 1})", &m, &err));
  EXPECT_NE(err.reason.find("Root mapping definition has unsupported parameters"), std::string::npos);
  EXPECT_FALSE(IndexMapping::FromJson("not json", &m, &err));
}

TEST(Mapping, ConflictsAreIllegalArguments) {
  IndexMapping m;
  MappingError err;
  ASSERT_TRUE(m.Add("a.b", IndexMapping::DynamicForLong(), &err));
  EXPECT_TRUE(m.Add("a.b", IndexMapping::DynamicForLong(), &err)) << "the same field again is fine";
  EXPECT_FALSE(m.Add("a.b", IndexMapping::DynamicForBoolean(), &err));
  EXPECT_EQ(err.type, "illegal_argument_exception");
  EXPECT_EQ(err.reason, "mapper [a.b] cannot be changed from type [long] to [boolean]");
  EXPECT_FALSE(m.Add("a", IndexMapping::DynamicForLong(), &err)) << "a is an object";
  EXPECT_FALSE(m.Add("a.b.c", IndexMapping::DynamicForLong(), &err)) << "a.b is a leaf";
}

TEST(Mapping, DynamicRules) {
  FieldMapping s = IndexMapping::DynamicForString("hello world", true);
  EXPECT_EQ(s.type, FieldType::kText);
  ASSERT_EQ(s.fields.count("keyword"), 1u);
  EXPECT_EQ(s.fields.at("keyword").ignore_above, 256);
  EXPECT_EQ(IndexMapping::DynamicForString("2026-11-27T10:00:00Z", true).type, FieldType::kDate);
  EXPECT_EQ(IndexMapping::DynamicForString("2015/09/02", true).type, FieldType::kDate);
  EXPECT_EQ(IndexMapping::DynamicForString("2026-11-27T10:00:00Z", false).type, FieldType::kText);
  EXPECT_EQ(IndexMapping::DynamicForString("10.0.0.1", true).type, FieldType::kText) << "no ip detection";
  EXPECT_EQ(IndexMapping::DynamicForLong().type, FieldType::kLong);
  EXPECT_EQ(IndexMapping::DynamicForDouble().type, FieldType::kFloat);
  EXPECT_EQ(IndexMapping::DynamicForBoolean().type, FieldType::kBoolean);
}

}  // namespace
}  // namespace flowdex
