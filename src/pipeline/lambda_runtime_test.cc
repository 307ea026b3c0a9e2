#include "pipeline/lambda_runtime.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "pipeline/elasticsearch_sink.h"

namespace flowdex {
namespace {

TEST(LambdaRuntimeTest, ParsesSqsEvents) {
  std::vector<SqsEventRecord> records;
  ASSERT_TRUE(ParseSqsEvent(R"({"Records":[{"messageId":"m1","receiptHandle":"h","body":"{\"a\":1}",)"
                            R"("eventSource":"aws:sqs","attributes":{}},{"messageId":"m2","body":""}]})",
                            &records)
                  .ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].message_id, "m1");
  EXPECT_EQ(records[0].body, R"({"a":1})");
  EXPECT_EQ(records[1].message_id, "m2");
  for (const char* bad : {"", "[]", "{}", R"({"Records":{}})", R"({"Records":[{"body":"x"}]})",
                          R"({"Records":[{"messageId":1,"body":"x"}]})"}) {
    EXPECT_TRUE(ParseSqsEvent(bad, &records).IsInvalidArgument()) << bad;
  }
}

TEST(FlowIndexTemplateTest, MapsFlowFieldsAsEcsTypes) {
  const std::string json = FlowIndexTemplateJson("logs-aws.vpcflow-default");
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_STREQ(doc["index_patterns"][0].GetString(), "logs-aws.vpcflow-*");
  EXPECT_TRUE(doc["data_stream"].IsObject());
  const auto& props = doc["template"]["mappings"]["properties"];
  EXPECT_STREQ(props["@timestamp"]["type"].GetString(), "date");
  EXPECT_STREQ(props["source"]["properties"]["ip"]["type"].GetString(), "ip");
  EXPECT_STREQ(props["destination"]["properties"]["port"]["type"].GetString(), "long");
  EXPECT_STREQ(props["event"]["properties"]["action"]["type"].GetString(), "keyword");
  EXPECT_STREQ(FlowIndexTemplateJson("flows").substr(0, 28).c_str(), R"({"index_patterns":["flows"],)");
}

}  // namespace
}  // namespace flowdex
