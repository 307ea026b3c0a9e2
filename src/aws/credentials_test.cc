#include "aws/credentials.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "aws/aws_client.h"
#include "aws/secrets_client.h"
#include "aws/sqs_client.h"
#include "aws/xml_document.h"

namespace flowdex {
namespace {

// A provider reading exactly this environment (the process's is not touched).
CredentialsProvider Provider(const AwsEnvironment& env, CredentialsOptions o = {}) {
  o.env = env;
  return CredentialsProvider(o);
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("flowdex-creds-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    credentials_ = (dir_ / "credentials").string();
    config_ = (dir_ / "config").string();
    std::ofstream(credentials_)
        << "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key=secret1\n\n"
           "[dev]\nAWS_ACCESS_KEY_ID=AKIDDEV\naws_secret_access_key = secret2\naws_session_token = tok\n";
    std::ofstream(config_) << "[default]\nregion = eu-central-1\n[profile dev]\nregion=ap-south-1\n"
                              "[profile sso]\nsso_start_url = https://x\nregion = us-west-2\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string credentials_, config_;
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  const auto env = AwsEnvironment::Of({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                       {"AWS_SECRET_ACCESS_KEY", "s"},
                                       {"AWS_SESSION_TOKEN", "t"},
                                       {"AWS_SHARED_CREDENTIALS_FILE", credentials_},
                                       {"AWS_EC2_METADATA_DISABLED", "true"}});
  CredentialsProvider p = Provider(env);
  Credentials c;
  ASSERT_TRUE(p.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDENV");
  EXPECT_EQ(c.session_token, "t");
  EXPECT_EQ(c.source, "environment");
}

TEST_F(CredentialsTest, ExplicitKeysBeatEverything) {
  const auto env = AwsEnvironment::Of({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  CredentialsOptions o;
  o.access_key_id = "AKIDFLAG";
  o.secret_access_key = "x";
  CredentialsProvider p = Provider(env, o);
  Credentials c;
  ASSERT_TRUE(p.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDFLAG");
}

TEST_F(CredentialsTest, HalfSetEnvironmentIsAnError) {
  CredentialsProvider p =
      Provider(AwsEnvironment::Of({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_EC2_METADATA_DISABLED", "true"}}));
  Credentials c;
  Status s = p.Get(&c);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("AWS_SECRET_ACCESS_KEY"), std::string_view::npos);
}

TEST_F(CredentialsTest, SharedFilesAndProfiles) {
  const auto env = AwsEnvironment::Of({{"AWS_SHARED_CREDENTIALS_FILE", credentials_},
                                       {"AWS_CONFIG_FILE", config_},
                                       {"AWS_EC2_METADATA_DISABLED", "true"}});
  Credentials c;
  CredentialsProvider def = Provider(env);
  ASSERT_TRUE(def.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(c.source, "profile default");
  EXPECT_EQ(DefaultRegion(env), "eu-central-1");

  CredentialsOptions o;
  o.profile = "dev";
  CredentialsProvider dev = Provider(env, o);
  ASSERT_TRUE(dev.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDDEV");
  EXPECT_EQ(c.session_token, "tok");

  o.profile = "sso";
  CredentialsProvider sso = Provider(env, o);
  Status s = sso.Get(&c);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("sso_start_url"), std::string_view::npos);

  o.profile = "nope";
  CredentialsProvider missing = Provider(env, o);
  EXPECT_TRUE(missing.Get(&c).IsNotFound());
}

TEST_F(CredentialsTest, RegionPrecedence) {
  EXPECT_EQ(DefaultRegion(AwsEnvironment::Of({{"AWS_CONFIG_FILE", config_}, {"AWS_PROFILE", "dev"}})), "ap-south-1");
  EXPECT_EQ(DefaultRegion(AwsEnvironment::Of(
                {{"AWS_CONFIG_FILE", config_}, {"AWS_PROFILE", "dev"}, {"AWS_DEFAULT_REGION", "us-east-2"}})),
            "us-east-2");
  EXPECT_EQ(DefaultRegion(AwsEnvironment::Of({{"AWS_CONFIG_FILE", config_},
                                              {"AWS_PROFILE", "dev"},
                                              {"AWS_DEFAULT_REGION", "us-east-2"},
                                              {"AWS_REGION", "sa-east-1"}})),
            "sa-east-1");
}

TEST_F(CredentialsTest, NothingFoundNamesEverySource) {
  CredentialsProvider p =
      Provider(AwsEnvironment::Of({{"HOME", dir_.string()}, {"AWS_EC2_METADATA_DISABLED", "true"}}));
  Credentials c;
  Status s = p.Get(&c);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID"), std::string_view::npos);
  EXPECT_NE(s.message().find("container"), std::string_view::npos);
}

TEST_F(CredentialsTest, EndpointPrecedence) {
  const auto env = AwsEnvironment::Of({{"AWS_ENDPOINT_URL", "http://global:1/"},
                                       {"AWS_ENDPOINT_URL_SQS", "http://sqs:2"},
                                       {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://secrets:4/"}});
  AwsConfig c;
  ResolveAwsConfig(env, "", "eu-west-3", &c);
  EXPECT_EQ(c.s3_endpoint, "http://global:1");
  EXPECT_EQ(c.sqs_endpoint, "http://sqs:2");
  EXPECT_EQ(c.secrets_endpoint, "http://secrets:4");
  EXPECT_EQ(c.region, "eu-west-3");
  ResolveAwsConfig(env, "http://flag:3", "", &c);
  EXPECT_EQ(c.s3_endpoint, "http://flag:3");
  EXPECT_EQ(c.sqs_endpoint, "http://flag:3");
  EXPECT_EQ(c.secrets_endpoint, "http://flag:3");
}

TEST(IniTest, SectionsKeysAndComments) {
  IniSections ini = ParseIni("; top\n[a]\nK = v = w\n  # c\n[ b ]\nx=1\r\nbad line\n");
  EXPECT_EQ(ini["a"]["k"], "v = w");
  EXPECT_EQ(ini["b"]["x"], "1");
  EXPECT_EQ(ini.size(), 2u);
}

TEST(SqsRegionTest, FromQueueUrls) {
  EXPECT_EQ(RegionFromQueueUrl("https://sqs.eu-west-1.amazonaws.com/123/q"), "eu-west-1");
  EXPECT_EQ(RegionFromQueueUrl("https://queue.amazonaws.com/123/q"), "us-east-1");
  EXPECT_EQ(RegionFromQueueUrl("https://ap-south-1.queue.amazonaws.com/123/q"), "ap-south-1");
  EXPECT_EQ(RegionFromQueueUrl("http://127.0.0.1:4566/000000000000/q"), "");
}

TEST(SecretRegionTest, FromArnsOnly) {
  EXPECT_EQ(RegionFromSecretArn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:flowdex/sink-AbCdEf"),
            "eu-west-1");
  EXPECT_EQ(RegionFromSecretArn("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:s-1"), "cn-north-1");
  EXPECT_EQ(RegionFromSecretArn("flowdex/sink"), "");
  EXPECT_EQ(RegionFromSecretArn("arn:aws:secretsmanager"), "");
}

TEST(AwsErrorTest, JsonXmlAndHeaderShapes) {
  HttpResponse r;
  r.status = 400;
  r.body = R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})";
  AwsError e = ParseAwsError(r);
  EXPECT_EQ(e.code, "QueueDoesNotExist");
  EXPECT_FALSE(e.retryable);
  r.status = 503;
  r.body = "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>";
  e = ParseAwsError(r);
  EXPECT_EQ(e.code, "SlowDown");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.ToString(), "SlowDown (HTTP 503): Reduce your request rate.");
  r.status = 400;
  r.body =
      "<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code></Error></"
      "ErrorResponse>";
  EXPECT_EQ(ParseAwsError(r).code, "AWS.SimpleQueueService.NonExistentQueue");
  r.body = "";
  r.headers = {{"x-amzn-query-error", "AWS.SimpleQueueService.RequestThrottled;Sender"}};
  e = ParseAwsError(r);
  EXPECT_EQ(e.code, "AWS.SimpleQueueService.RequestThrottled");
  EXPECT_TRUE(e.retryable);
}

TEST(XmlTest, TreeTextAndErrors) {
  XmlElement root;
  ASSERT_TRUE(ParseXml(R"(<?xml version="1.0"?><L xmlns="x"><Contents><Key>a&amp;b &lt;c&gt;</Key></Contents>)"
                       R"(<Contents><Key>d</Key></Contents><IsTruncated>false</IsTruncated></L>)",
                       &root)
                  .ok());
  EXPECT_EQ(root.name, "L");
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(root.children[0].ChildText("Key"), "a&b <c>");
  EXPECT_EQ(root.ChildText("IsTruncated"), "false");
  EXPECT_EQ(root.Find("Key")->text, "a&b <c>");
  EXPECT_TRUE(ParseXml("<a><b></a>", &root).IsCorruption());
  EXPECT_TRUE(ParseXml("", &root).IsCorruption());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<x>";
  for (int i = 0; i < 100; ++i) deep += "</x>";
  EXPECT_TRUE(ParseXml(deep, &root).IsCorruption());
}

}  // namespace
}  // namespace flowdex
