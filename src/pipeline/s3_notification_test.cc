#include "pipeline/s3_notification.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

std::string S3Event(const std::string& name, const std::string& key, const std::string& version = "2.1") {
  return R"({"Records":[{"eventVersion":")" + version +
         R"(","eventSource":"aws:s3","awsRegion":"eu-west-1",)"
         R"("eventName":")" +
         name +
         R"(","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"logs",)"
         R"("arn":"arn:aws:s3:::logs","awsGeneratedTags":{"x":1}},"object":{"key":")" +
         key + R"(","size":48213,"eTag":"1f0e","sequencer":"0067"}}}]})";
}

// `json` as a JSON string's contents (the SNS envelope's Message).
std::string Escaped(const std::string& json) {
  std::string out;
  for (char c : json) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out;
}

TEST(S3NotificationTest, DirectEventKeysAreFormDecoded) {
  S3Notification n =
      ParseS3Notification(S3Event("ObjectCreated:Put", "AWSLogs/aws-account-id%3D1/a+b%2Bc%3Ad%C3%BC.log.gz"));
  ASSERT_EQ(n.kind, NotificationKind::kObjects);
  EXPECT_EQ(n.format, "s3");
  ASSERT_EQ(n.objects.size(), 1u);
  EXPECT_EQ(n.objects[0].bucket, "logs");
  EXPECT_EQ(n.objects[0].key, "AWSLogs/aws-account-id=1/a b+c:dü.log.gz");
  EXPECT_EQ(n.objects[0].region, "eu-west-1");
  EXPECT_EQ(n.objects[0].size, 48213u);
}

TEST(S3NotificationTest, OnlyCreatedEventsOfVersionTwo) {
  S3Notification removed = ParseS3Notification(S3Event("ObjectRemoved:Delete", "k"));
  EXPECT_EQ(removed.kind, NotificationKind::kObjects);
  EXPECT_TRUE(removed.objects.empty());
  ASSERT_EQ(removed.skipped.size(), 1u);
  EXPECT_NE(removed.skipped[0].find("ObjectRemoved:Delete of s3://logs/k"), std::string::npos);
  EXPECT_EQ(ParseS3Notification(S3Event("ObjectCreated:CompleteMultipartUpload", "k", "2.6")).objects.size(), 1u);
  EXPECT_TRUE(ParseS3Notification(S3Event("ObjectCreated:Put", "k", "3.0")).objects.empty());
}

TEST(S3NotificationTest, SeveralRecordsAndMissingSize) {
  S3Notification n = ParseS3Notification(
      R"({"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"one"}}},)"
      R"({"eventSource":"aws:s3","eventName":"ObjectCreated:Copy","s3":{"bucket":{"name":"b"},"object":{"key":"two","versionId":"v2"}}}]})");
  ASSERT_EQ(n.objects.size(), 2u);
  EXPECT_EQ(n.objects[0].size, 0u);
  EXPECT_EQ(n.objects[1].version_id, "v2");
}

TEST(S3NotificationTest, TestEventDirectAndInsideSns) {
  const std::string test =
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2025-03-04T09:00:00.123Z","Bucket":"logs"})";
  EXPECT_EQ(ParseS3Notification(test).kind, NotificationKind::kTestEvent);
  S3Notification n = ParseS3Notification(
      R"({"Type":"Notification","TopicArn":"arn:aws:sns:us-east-1:1:t","Message":")" + Escaped(test) + R"("})");
  EXPECT_EQ(n.kind, NotificationKind::kTestEvent);
  EXPECT_EQ(n.format, "sns+s3");
}

TEST(S3NotificationTest, SnsEnvelopeIsUnwrapped) {
  S3Notification n =
      ParseS3Notification(R"({"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:us-east-1:1:t",)"
                          R"("Subject":"Amazon S3 Notification","Message":")" +
                          Escaped(S3Event("ObjectCreated:Put", "a%3Db.log.gz")) + R"("})");
  ASSERT_EQ(n.kind, NotificationKind::kObjects);
  EXPECT_EQ(n.format, "sns+s3");
  ASSERT_EQ(n.objects.size(), 1u);
  EXPECT_EQ(n.objects[0].key, "a=b.log.gz");
  EXPECT_EQ(ParseS3Notification(R"({"Type":"SubscriptionConfirmation","TopicArn":"arn:x","Message":"confirm"})").kind,
            NotificationKind::kIgnored);
  EXPECT_EQ(ParseS3Notification(R"({"Type":"Notification","TopicArn":"arn:x","Message":"not json"})").kind,
            NotificationKind::kMalformed);
}

TEST(S3NotificationTest, EventBridgeKeysAreRaw) {
  S3Notification n = ParseS3Notification(
      R"({"version":"0","detail-type":"Object Created","source":"aws.s3","region":"us-west-2","detail":)"
      R"({"bucket":{"name":"logs"},"object":{"key":"a+b%3D:c.log.gz","size":12,"etag":"e","version-id":"v1"},"reason":"PutObject"}})");
  ASSERT_EQ(n.kind, NotificationKind::kObjects);
  EXPECT_EQ(n.format, "eventbridge");
  ASSERT_EQ(n.objects.size(), 1u);
  EXPECT_EQ(n.objects[0].key, "a+b%3D:c.log.gz");
  EXPECT_EQ(n.objects[0].version_id, "v1");
  EXPECT_EQ(n.objects[0].region, "us-west-2");
  S3Notification deleted = ParseS3Notification(
      R"({"detail-type":"Object Deleted","source":"aws.s3","detail":{"bucket":{"name":"logs"},"object":{"key":"k"}}})");
  EXPECT_EQ(deleted.kind, NotificationKind::kObjects);
  EXPECT_TRUE(deleted.objects.empty());
}

TEST(S3NotificationTest, MalformedBodies) {
  for (const char* body : {"", "not json", "[1,2]", "{}", R"({"Records":"x"})", R"({"source":"aws.s3"})",
                           R"({"detail-type":"Object Created","source":"aws.s3","detail":{}})"}) {
    S3Notification n = ParseS3Notification(body);
    EXPECT_EQ(n.kind, NotificationKind::kMalformed) << body;
    EXPECT_FALSE(n.reason.empty()) << body;
  }
}

}  // namespace
}  // namespace flowdex
