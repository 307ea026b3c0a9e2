#include "aws/credentials.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "aws/aws_client.h"
#include "aws/secrets_client.h"
#include "aws/sqs_client.h"
#include "aws/xml_document.h"

namespace flowdex {
namespace {

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const char* name : kAll) {
      const char* v = getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(name);
    }
    for (const auto& [k, v] : vars) setenv(k, v, 1);
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v) {
        setenv(k, v->c_str(), 1);
      } else {
        unsetenv(k);
      }
    }
  }

 private:
  static constexpr const char* kAll[] = {
      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
      "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS",
      "AWS_ENDPOINT_URL_SECRETS_MANAGER", "HOME"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("flowdex-creds-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    credentials_ = (dir_ / "credentials").string();
    config_ = (dir_ / "config").string();
    std::ofstream(credentials_) << "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key=secret1\n\n"
                                   "[dev]\nAWS_ACCESS_KEY_ID=AKIDDEV\naws_secret_access_key = secret2\naws_session_token = tok\n";
    std::ofstream(config_) << "[default]\nregion = eu-central-1\n[profile dev]\nregion=ap-south-1\n"
                              "[profile sso]\nsso_start_url = https://x\nregion = us-west-2\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string credentials_, config_;
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_SESSION_TOKEN", "t"},
                 {"AWS_SHARED_CREDENTIALS_FILE", credentials_.c_str()}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  CredentialsProvider p;
  Credentials c;
  ASSERT_TRUE(p.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDENV");
  EXPECT_EQ(c.session_token, "t");
  EXPECT_EQ(c.source, "environment");
}

TEST_F(CredentialsTest, ExplicitKeysBeatEverything) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  CredentialsOptions o;
  o.access_key_id = "AKIDFLAG";
  o.secret_access_key = "x";
  CredentialsProvider p(o);
  Credentials c;
  ASSERT_TRUE(p.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDFLAG");
}

TEST_F(CredentialsTest, HalfSetEnvironmentIsAnError) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  CredentialsProvider p;
  Credentials c;
  Status s = p.Get(&c);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("AWS_SECRET_ACCESS_KEY"), std::string_view::npos);
}

TEST_F(CredentialsTest, SharedFilesAndProfiles) {
  ScopedEnv env({{"AWS_SHARED_CREDENTIALS_FILE", credentials_.c_str()}, {"AWS_CONFIG_FILE", config_.c_str()},
                 {"AWS_EC2_METADATA_DISABLED", "true"}});
  Credentials c;
  CredentialsProvider def;
  ASSERT_TRUE(def.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(c.source, "profile default");
  EXPECT_EQ(DefaultRegion(), "eu-central-1");

  CredentialsOptions o;
  o.profile = "dev";
  CredentialsProvider dev(o);
  ASSERT_TRUE(dev.Get(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKIDDEV");
  EXPECT_EQ(c.session_token, "tok");

  o.profile = "sso";
  CredentialsProvider sso(o);
  Status s = sso.Get(&c);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("sso_start_url"), std::string_view::npos);

  o.profile = "nope";
  CredentialsProvider missing(o);
  EXPECT_TRUE(missing.Get(&c).IsNotFound());
}

TEST_F(CredentialsTest, RegionPrecedence) {
  ScopedEnv env({{"AWS_CONFIG_FILE", config_.c_str()}, {"AWS_PROFILE", "dev"}});
  EXPECT_EQ(DefaultRegion(), "ap-south-1");
  setenv("AWS_DEFAULT_REGION", "us-east-2", 1);
  EXPECT_EQ(DefaultRegion(), "us-east-2");
  setenv("AWS_REGION", "sa-east-1", 1);
  EXPECT_EQ(DefaultRegion(), "sa-east-1");
}

TEST_F(CredentialsTest, NothingFoundNamesEverySource) {
  ScopedEnv env({{"HOME", dir_.c_str()}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  CredentialsProvider p;
  Credentials c;
  Status s = p.Get(&c);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID"), std::string_view::npos);
  EXPECT_NE(s.message().find("container"), std::string_view::npos);
}

TEST_F(CredentialsTest, EndpointPrecedence) {
  ScopedEnv env({{"AWS_ENDPOINT_URL", "http://global:1/"}, {"AWS_ENDPOINT_URL_SQS", "http://sqs:2"},
                 {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://secrets:4/"}});
  AwsConfig c;
  ResolveAwsConfig("", "eu-west-3", &c);
  EXPECT_EQ(c.s3_endpoint, "http://global:1");
  EXPECT_EQ(c.sqs_endpoint, "http://sqs:2");
  EXPECT_EQ(c.secrets_endpoint, "http://secrets:4");
  EXPECT_EQ(c.region, "eu-west-3");
  ResolveAwsConfig("http://flag:3", "", &c);
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
  EXPECT_EQ(RegionFromSecretArn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:flowdex/sink-AbCdEf"), "eu-west-1");
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
  r.body = "<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code></Error></ErrorResponse>";
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
