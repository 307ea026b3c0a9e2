#include "flowlog/ip_address.h"

#include <gtest/gtest.h>

#include <string>

namespace flowdex {
namespace {

std::string RoundTrip(std::string_view text) {
  IpAddress ip;
  if (!ParseIpAddress(text, &ip)) return "<invalid>";
  char buf[kMaxIpTextLength];
  return std::string(buf, FormatIpAddress(ip, buf));
}

TEST(IpAddress, ParsesIpv4) {
  IpAddress ip;
  ASSERT_TRUE(ParseIpAddress("172.31.16.139", &ip));
  EXPECT_TRUE(ip.is_v4());
  EXPECT_EQ(ip.v4(), (172u << 24) | (31u << 16) | (16u << 8) | 139u);
  EXPECT_EQ(ip.size(), 4u);
  ASSERT_TRUE(ParseIpAddress("0.0.0.0", &ip));
  EXPECT_EQ(ip.v4(), 0u);
  ASSERT_TRUE(ParseIpAddress("255.255.255.255", &ip));
  EXPECT_EQ(ip.v4(), 0xFFFFFFFFu);
  EXPECT_EQ(IpAddress::FromV4(0x0A000001), ip = IpAddress::FromV4(0x0A000001));
}

TEST(IpAddress, RejectsMalformedIpv4) {
  IpAddress ip;
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "01.2.3.4", "1..3.4", "1.2.3.4 ",
                          "a.b.c.d", "1.2.3.-4", "1.2.3.4x", "1234.1.1.1", "-", "unknown"}) {
    EXPECT_FALSE(ParseIpAddress(bad, &ip)) << bad;
  }
}

TEST(IpAddress, ParsesIpv6) {
  IpAddress ip;
  ASSERT_TRUE(ParseIpAddress("2001:db8::1", &ip));
  EXPECT_TRUE(ip.is_v6());
  EXPECT_EQ(ip.size(), 16u);
  EXPECT_EQ(ip.bytes[0], 0x20);
  EXPECT_EQ(ip.bytes[15], 0x01);
  EXPECT_EQ(RoundTrip("2a02:cf40::"), "2a02:cf40::");
  EXPECT_EQ(RoundTrip("FE80:0001:0203:0405:0607:0809:0A0B:0C0D"), "fe80:1:203:405:607:809:a0b:c0d");
  EXPECT_EQ(RoundTrip("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
  EXPECT_EQ(RoundTrip("10.0.0.1"), "10.0.0.1");
}

TEST(IpAddress, RejectsMalformedIpv6) {
  IpAddress ip;
  for (const char* bad : {":::", "2001:db8::1::2", "2001:db8:g::1", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0",
                          "2001:0db8:0000:0000:0000:0000:0000:0001:ffff:ffff"}) {
    EXPECT_FALSE(ParseIpAddress(bad, &ip)) << bad;
  }
}

TEST(IpAddress, SpecialPurposeAddressesAreThoseNotGloballyRoutable) {
  auto special = [](std::string_view text) {
    IpAddress ip;
    EXPECT_TRUE(ParseIpAddress(text, &ip)) << text;
    return IsSpecialPurposeAddress(ip);
  };
  for (std::string_view s : {"10.1.2.3",
                             "172.16.0.1",
                             "172.31.255.255",
                             "192.168.1.1",
                             "100.64.0.1",
                             "100.127.255.1",
                             "127.0.0.1",
                             "169.254.169.254",
                             "0.0.0.0",
                             "192.0.2.7",
                             "198.51.100.1",
                             "203.0.113.9",
                             "198.18.0.1",
                             "198.19.255.255",
                             "224.0.0.251",
                             "239.1.2.3",
                             "240.0.0.1",
                             "255.255.255.255",
                             "::",
                             "::1",
                             "fd00::1",
                             "fc12::5",
                             "fe80::1",
                             "ff02::1",
                             "2001:db8::1",
                             "2001:1ff::1",
                             "::ffff:10.0.0.1",
                             "100::1"}) {
    EXPECT_TRUE(special(s)) << s;
  }
  for (std::string_view s : {"8.8.8.8", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0", "52.94.1.2",
                             "81.2.69.160", "198.17.255.255", "198.20.0.0", "223.255.255.255", "2001:480::1",
                             "2001:200::1", "2600:1f18::1", "::ffff:8.8.8.8", "2a00:1450::1"}) {
    EXPECT_FALSE(special(s)) << s;
  }
}

}  // namespace
}  // namespace flowdex
