#include "aws/sigv4.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

// 2013-05-24T00:00:00Z, the time of the S3 API reference's examples.
constexpr int64_t kS3ExampleTime = 1369353600000;
// 2015-08-30T12:36:00Z, the time of the SigV4 test suite.
constexpr int64_t kSuiteTime = 1440938160000;

Credentials S3ExampleKeys() {
  Credentials c;
  c.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return c;
}

Credentials SuiteKeys() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return c;
}

SigV4Result SignS3(HttpRequest req) {
  SigV4Options o;
  o.s3_rules = true;
  o.time_ms = kS3ExampleTime;
  SigV4Result r;
  EXPECT_TRUE(SignRequest(&req, S3ExampleKeys(), SigV4Scope{"us-east-1", "s3"}, o, &r).ok());
  return r;
}

// The three GET examples of the S3 API reference ("Signature calculations
// for the Authorization header"), whose signatures AWS publishes.
TEST(SigV4Test, S3ReferenceExamples) {
  HttpRequest get;
  get.url = "https://examplebucket.s3.amazonaws.com/test.txt";
  get.headers = {{"Range", "bytes=0-9"}};
  SigV4Result r = SignS3(get);
  EXPECT_EQ(r.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(r.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(r.string_to_sign.substr(r.string_to_sign.rfind('\n') + 1),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");

  HttpRequest lifecycle;
  lifecycle.url = "https://examplebucket.s3.amazonaws.com/?lifecycle";
  r = SignS3(lifecycle);
  EXPECT_NE(r.canonical_request.find("\nlifecycle=\n"), std::string::npos) << r.canonical_request;
  EXPECT_EQ(r.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");

  HttpRequest list;
  list.url = "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J";
  r = SignS3(list);
  EXPECT_EQ(r.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, AuthorizationHeaderShape) {
  HttpRequest req;
  req.url = "https://example.amazonaws.com/";
  SigV4Options o;
  o.time_ms = kSuiteTime;
  SigV4Result r;
  ASSERT_TRUE(SignRequest(&req, SuiteKeys(), SigV4Scope{"us-east-1", "service"}, o, &r).ok());
  EXPECT_EQ(r.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
                std::string(kEmptyPayloadSha256));
  EXPECT_EQ(r.authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                                  "SignedHeaders=host;x-amz-date, Signature=",
                                  0),
            0u);
  EXPECT_EQ(FindHeader(req.headers, "authorization"), r.authorization);
  EXPECT_EQ(FindHeader(req.headers, "x-amz-date"), "20150830T123600Z");
}

TEST(SigV4Test, QueryIsEncodedThenSorted) {
  // Sorted by name (case-sensitive: uppercase first), then by value; empty values keep '='.
  EXPECT_EQ(CanonicalQuery("Param2=value2&Param1=value1"), "Param1=value1&Param2=value2");
  EXPECT_EQ(CanonicalQuery("param=value2&param=value1"), "param=value1&param=value2");
  EXPECT_EQ(CanonicalQuery("param1=value1&Param1=value2"), "Param1=value2&param1=value1");
  EXPECT_EQ(CanonicalQuery("Param1"), "Param1=");
  EXPECT_EQ(CanonicalQuery(""), "");
  // Space is %20, '+' %2B, '/' %2F, UTF-8 bytes in uppercase hex; unreserved stay.
  EXPECT_EQ(CanonicalQuery("k=a%20b&t=1ue%2B%2F%3D"), "k=a%20b&t=1ue%2B%2F%3D");
  EXPECT_EQ(CanonicalQuery("%E1%88%B4=bar"), "%E1%88%B4=bar");
  EXPECT_EQ(CanonicalQuery("-._~0AZaz=-._~0AZaz"), "-._~0AZaz=-._~0AZaz");
  // Encoding happens before sorting: "a%20" (0x25) sorts before "a-" (0x2D).
  EXPECT_EQ(CanonicalQuery("a-=1&a%20=2"), "a%20=2&a-=1");
}

TEST(SigV4Test, PathRulesDifferForS3) {
  // Other services: dot segments and empty segments go, each segment encoded twice.
  EXPECT_EQ(CanonicalUri("/example/..", false), "/");
  EXPECT_EQ(CanonicalUri("/./example", false), "/example");
  EXPECT_EQ(CanonicalUri("//example//", false), "/example/");
  EXPECT_EQ(CanonicalUri("/example%20space/", false), "/example%2520space/");
  EXPECT_EQ(CanonicalUri("/%E1%88%B4", false), "/%25E1%2588%25B4");
  // S3: as is, encoded once.
  EXPECT_EQ(CanonicalUri("/my-object//example//photo.user", true), "/my-object//example//photo.user");
  EXPECT_EQ(CanonicalUri("/b/a%20b%2Bc%3Dd%3Ae.log.gz", true), "/b/a%20b%2Bc%3Dd%3Ae.log.gz");
  EXPECT_EQ(CanonicalUri("/b/./x/../y", true), "/b/./x/../y");
  EXPECT_EQ(CanonicalUri("", true), "/");
}

TEST(SigV4Test, HeadersTrimmedMergedAndSorted) {
  HttpRequest req;
  req.url = "https://example.amazonaws.com/";
  req.headers = {
      {"My-Header1", "  value1  "}, {"My-Header2", "\"a   b   c\""}, {"My-Header1", "value2"}, {"ZZ", "Mixed Case"}};
  SigV4Options o;
  o.time_ms = kSuiteTime;
  SigV4Result r;
  ASSERT_TRUE(SignRequest(&req, SuiteKeys(), SigV4Scope{"us-east-1", "service"}, o, &r).ok());
  EXPECT_NE(r.canonical_request.find("my-header1:value1,value2\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n"
                                     "zz:Mixed Case\n"),
            std::string::npos)
      << r.canonical_request;
  EXPECT_EQ(r.signed_headers, "host;my-header1;my-header2;x-amz-date;zz");
}

TEST(SigV4Test, SessionTokenIsSentAndSigned) {
  HttpRequest req;
  req.method = "POST";
  req.url = "https://sqs.eu-west-1.amazonaws.com/";
  req.body = "{}";
  Credentials c = SuiteKeys();
  c.session_token = "token/with+chars=";
  SigV4Result r;
  ASSERT_TRUE(SignRequest(&req, c, SigV4Scope{"eu-west-1", "sqs"}, SigV4Options{}, &r).ok());
  EXPECT_EQ(FindHeader(req.headers, "X-Amz-Security-Token"), c.session_token);
  EXPECT_EQ(r.signed_headers, "host;x-amz-date;x-amz-security-token");
  EXPECT_NE(r.canonical_request.find(Sha256Hex("{}")), std::string::npos);
}

TEST(SigV4Test, HostCarriesNonDefaultPortAndResigningReplaces) {
  HttpRequest req;
  req.url = "http://127.0.0.1:4566/bucket/key";
  SigV4Options o;
  o.s3_rules = true;
  o.unsigned_payload = true;
  ASSERT_TRUE(SignRequest(&req, SuiteKeys(), SigV4Scope{"us-east-1", "s3"}, o).ok());
  EXPECT_EQ(FindHeader(req.headers, "host"), "127.0.0.1:4566");
  EXPECT_EQ(FindHeader(req.headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  ASSERT_TRUE(SignRequest(&req, SuiteKeys(), SigV4Scope{"us-east-1", "s3"}, o).ok());
  int authorizations = 0;
  for (const auto& [k, v] : req.headers) authorizations += k == "Authorization";
  EXPECT_EQ(authorizations, 1);
}

TEST(SigV4Test, EncodingHelpers) {
  EXPECT_EQ(UriEncode("a b+c=d:e/ü~", true), "a%20b%2Bc%3Dd%3Ae/%C3%BC~");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(FormDecode("a+b%2Bc%3Dd"), "a b+c=d");
  EXPECT_EQ(PercentDecode("a+b%2B%zz%"), "a+b+%zz%");
  EXPECT_EQ(AmzDate(kSuiteTime), "20150830T123600Z");
}

TEST(SigV4Test, RejectsUnparseableUrl) {
  HttpRequest req;
  req.url = "not a url";
  EXPECT_TRUE(SignRequest(&req, SuiteKeys(), SigV4Scope{"us-east-1", "s3"}, SigV4Options{}).IsInvalidArgument());
}

}  // namespace
}  // namespace flowdex
