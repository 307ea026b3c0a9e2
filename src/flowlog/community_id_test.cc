#include "flowlog/community_id.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <string>

namespace flowdex {
namespace {

IpAddress Ip(const char* text) {
  IpAddress ip;
  EXPECT_TRUE(ParseIpAddress(text, &ip)) << text;
  return ip;
}

std::string Cid(const char* src, const char* dst, uint16_t sp, uint16_t dp, uint8_t proto, uint16_t seed = 0) {
  CommunityIdHasher h(seed);
  char out[kCommunityIdLength];
  if (!h.Compute(Ip(src), Ip(dst), sp, dp, proto, out)) return "<none>";
  return std::string(out, kCommunityIdLength);
}

// Published vectors: the issue's, and the spec's baseline (as Zeek tests them).
TEST(CommunityId, KnownVectors) {
  EXPECT_EQ(Cid("128.232.110.120", "66.35.250.204", 34855, 80, 6), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 1122, 3344, 6), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 1122, 3344, 17), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 8, 0, 1), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(Cid("fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 129, 58),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 1122, 3344, 6, 1), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 1122, 3344, 17, 1), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 8, 0, 1, 1), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
  // A protocol without ports (RSVP) hashes the addresses alone.
  EXPECT_EQ(Cid("1.2.3.4", "5.6.7.8", 0, 0, 46), "1:ikv3kmf89luf73WPz1jOs49S768=");
}

TEST(CommunityId, BothDirectionsGiveOneId) {
  EXPECT_EQ(Cid("5.6.7.8", "1.2.3.4", 3344, 1122, 6), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(Cid("5.6.7.8", "1.2.3.4", 3344, 1122, 17), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  EXPECT_EQ(Cid("10.0.0.1", "10.0.0.1", 80, 5000, 6), Cid("10.0.0.1", "10.0.0.1", 5000, 80, 6));
  EXPECT_EQ(Cid("2001:db8::1", "2001:db8::2", 443, 50000, 6), Cid("2001:db8::2", "2001:db8::1", 50000, 443, 6));
}

TEST(CommunityId, IcmpEchoAndReplyPair) {
  // Echo reply (type 0) from the other side is the same flow as the echo.
  EXPECT_EQ(Cid("5.6.7.8", "1.2.3.4", 0, 0, 1), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(Cid("fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0, 58),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
}

TEST(CommunityId, IcmpOneWayTypesAreNotSwapped) {
  // Destination unreachable (3) has no counterpart: (type, code) as given,
  // so the two directions differ.
  EXPECT_NE(Cid("1.2.3.4", "5.6.7.8", 3, 1, 1), Cid("5.6.7.8", "1.2.3.4", 3, 1, 1));
}

TEST(CommunityId, MixedFamiliesOrderIpv4First) {
  // The order of the endpoints in the input never matters, across families too.
  const std::string a = Cid("2a02:cf40::", "175.16.199.0", 0, 0, 6);
  EXPECT_EQ(a, Cid("175.16.199.0", "2a02:cf40::", 0, 0, 6));
  const std::string b = Cid("::1", "255.255.255.255", 1, 2, 17);
  EXPECT_EQ(b, Cid("255.255.255.255", "::1", 2, 1, 17));
  EXPECT_NE(a, "<none>");
}

TEST(CommunityId, MixedFamiliesHashTheIpv4EndpointFirst) {
  // "::1" sorts before 175.16.199.0 byte-wise; the spec's ordering (address
  // length first) puts the IPv4 endpoint first. Build that input by hand.
  std::string input = {0, 0};                   // seed
  input += std::string("\xaf\x10\xc7\x00", 4);  // 175.16.199.0
  input += std::string(15, '\0') + "\x01";      // ::1
  input += std::string("\x06\x00", 2);          // TCP, padding
  input += std::string("\x00\x50\xc3\x50", 4);  // 80, 50000
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  ASSERT_EQ(EVP_Digest(input.data(), input.size(), md, &md_len, EVP_sha1(), nullptr), 1);
  unsigned char b64[32];
  EVP_EncodeBlock(b64, md, static_cast<int>(md_len));
  const std::string expected = "1:" + std::string(reinterpret_cast<char*>(b64));
  EXPECT_EQ(Cid("::1", "175.16.199.0", 50000, 80, 6), expected);
  EXPECT_EQ(Cid("175.16.199.0", "::1", 80, 50000, 6), expected);
}

TEST(CommunityId, NeedsBothAddresses) {
  CommunityIdHasher h;
  char out[kCommunityIdLength];
  EXPECT_FALSE(h.Compute(IpAddress{}, Ip("1.2.3.4"), 1, 2, 6, out));
}

}  // namespace
}  // namespace flowdex
