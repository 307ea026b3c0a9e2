#include "pipeline/sink_secret.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

TEST(SinkSecretTest, UsernameAndPasswordObject) {
  SinkCredentials c;
  ASSERT_TRUE(ParseSinkSecret(R"({"username":"elastic","password":"p:w d"})", &c).ok());
  EXPECT_EQ(c.basic_auth, "elastic:p:w d");
  EXPECT_EQ(c.api_key, "");
}

TEST(SinkSecretTest, ApiKeyObject) {
  SinkCredentials c;
  ASSERT_TRUE(
      ParseSinkSecret(" {\"api_key\":\"VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==\"}", &c).ok());
  EXPECT_EQ(c.api_key, "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  EXPECT_EQ(c.basic_auth, "");
}

TEST(SinkSecretTest, PlainUserPasswordLosesTrailingNewline) {
  SinkCredentials c;
  ASSERT_TRUE(ParseSinkSecret("writer:s3cret\n", &c).ok());
  EXPECT_EQ(c.basic_auth, "writer:s3cret");
}

TEST(SinkSecretTest, RefusedShapesDoNotEchoTheSecret) {
  SinkCredentials c;
  for (const char* bad : {"", "justapassword", ":nouser", "user:", "{\"username\":\"u\"}", "{not json",
                          R"({"username":"u","password":"p","api_key":"k"})", "[1,2]", "{\"password\":\"hunter2\"}"}) {
    Status s = ParseSinkSecret(bad, &c);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(std::string(s.message()).find("hunter2"), std::string::npos);
    EXPECT_EQ(c.basic_auth, "");
    EXPECT_EQ(c.api_key, "");
  }
}

}  // namespace
}  // namespace flowdex
