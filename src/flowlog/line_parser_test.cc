#include "flowlog/line_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace flowdex {
namespace {

using F = FlowField;

// Tokenizes and parses `line` with `format`; returns the status.
Status Parse(std::string_view line, const FlowFormat& format, FlowRecord* rec) {
  std::string_view tokens[kMaxLineTokens];
  size_t n = TokenizeFlowLine(line, tokens, kMaxLineTokens);
  return ParseFlowTokens(tokens, std::min(n, kMaxLineTokens), format, rec);
}

FlowFormat Format(std::string_view names) {
  FlowFormat f;
  EXPECT_TRUE(FlowFormat::Parse(names, &f).ok()) << names;
  return f;
}

TEST(Tokenize, SplitsOnRunsOfWhitespace) {
  std::string_view t[8];
  EXPECT_EQ(TokenizeFlowLine("a b  c\t d   \r", t, 8), 4u);
  EXPECT_EQ(t[0], "a");
  EXPECT_EQ(t[2], "c");
  EXPECT_EQ(t[3], "d");
  EXPECT_EQ(TokenizeFlowLine("  leading", t, 8), 1u);
  EXPECT_EQ(t[0], "leading");
  EXPECT_EQ(TokenizeFlowLine("", t, 8), 0u);
  EXPECT_EQ(TokenizeFlowLine("   \r", t, 8), 0u);
  EXPECT_EQ(TokenizeFlowLine("1 2 3 4 5 6 7 8 9 10", t, 8), 10u);  // counts past max
  EXPECT_EQ(TokenizeFlowLine("x\r", t, 8), 1u);
  EXPECT_EQ(t[0], "x");
}

TEST(Tokenize, OnePassMatchesTheReferenceSplitterAndCheck) {
  // Lines of every length around the 16-byte blocks, with spaces, tabs, runs,
  // CRs, UTF-8 and garbage at every position.
  const std::string pieces[] = {"a", "bb", "  ", " ", "\t", "ccc-123", "\xc3\xa9", "\x01", "\xff", "dddddddddddddddd"};
  uint64_t state = 1;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string line;
    const int parts = 1 + static_cast<int>(state % 17);
    for (int k = 0; k < parts; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      line += pieces[(state >> 33) % std::size(pieces)];
    }
    if (state & (1ULL << 40)) line += "\r";
    std::string_view expected[kMaxLineTokens], got[kMaxLineTokens];
    size_t expected_col = 0, got_col = 0, got_count = 0;
    const bool clean = IsCleanText(line, &expected_col);
    const bool ok = TokenizeCleanFlowLine(line, got, kMaxLineTokens, &got_count, &got_col);
    ASSERT_EQ(ok, clean) << line;
    if (!clean) {
      EXPECT_EQ(got_col, expected_col) << line;
      continue;
    }
    const size_t expected_count = TokenizeFlowLine(line, expected, kMaxLineTokens);
    ASSERT_EQ(got_count, expected_count) << line;
    for (size_t t = 0; t < std::min(got_count, kMaxLineTokens); ++t) ASSERT_EQ(got[t], expected[t]) << line;
  }
}

TEST(CleanText, AcceptsAsciiAndUtf8RejectsControlsAndBadUtf8) {
  size_t col = 0;
  EXPECT_TRUE(IsCleanText("2 123 eni-1 ACCEPT OK\r", &col));
  EXPECT_TRUE(
      IsCleanText("team=r\xc3\xa9"
                  "seau tag=\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80",
                  &col));  // UTF-8 tags
  EXPECT_FALSE(
      IsCleanText("abc\x01"
                  "def",
                  &col));
  EXPECT_EQ(col, 4u);
  EXPECT_FALSE(IsCleanText("ab\xff", &col));
  EXPECT_EQ(col, 3u);
  EXPECT_FALSE(IsCleanText("\xc3", &col));          // truncated sequence
  EXPECT_FALSE(IsCleanText("\xc0\xaf", &col));      // overlong
  EXPECT_FALSE(IsCleanText("\xed\xa0\x80", &col));  // surrogate
  EXPECT_FALSE(IsCleanText("a\rb", &col));          // CR only allowed at the end
  EXPECT_FALSE(IsCleanText(std::string_view("a\0b", 3), &col));
}

TEST(ParseFlowTokens, DefaultV2Record) {
  FlowRecord r;
  ASSERT_TRUE(Parse("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
                    "1418530010 1418530070 ACCEPT OK",
                    FlowFormat::DefaultV2(), &r)
                  .ok());
  EXPECT_EQ(r.number(F::kVersion), 2u);
  EXPECT_EQ(r.text(F::kAccountId), "123456789010");
  EXPECT_EQ(r.text(F::kInterfaceId), "eni-1235b8ca123456789");
  EXPECT_EQ(r.src_addr().v4(), IpAddress::FromV4((172u << 24) | (31u << 16) | (16u << 8) | 139u).v4());
  EXPECT_TRUE(r.dst_addr().is_v4());
  EXPECT_EQ(r.src_port(), 20641);
  EXPECT_EQ(r.dst_port(), 22);
  EXPECT_EQ(r.protocol(), 6);
  EXPECT_EQ(r.packets(), 20u);
  EXPECT_EQ(r.bytes(), 4249u);
  EXPECT_EQ(r.start(), 1418530010);
  EXPECT_EQ(r.end(), 1418530070);
  EXPECT_EQ(r.action(), FlowAction::kAccept);
  EXPECT_EQ(r.log_status(), LogStatus::kOk);
  EXPECT_FALSE(r.has(F::kVpcId));
}

TEST(ParseFlowTokens, NoDataAndSkipDataKeepTimesAndStatus) {
  FlowRecord r;
  ASSERT_TRUE(Parse("2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
                    FlowFormat::DefaultV2(), &r)
                  .ok());
  EXPECT_EQ(r.log_status(), LogStatus::kNoData);
  EXPECT_FALSE(r.has(F::kSrcAddr));
  EXPECT_FALSE(r.has(F::kBytes));
  EXPECT_FALSE(r.has(F::kAction));
  EXPECT_EQ(r.ip(F::kSrcAddr).family, IpAddress::Family::kNone);
  EXPECT_EQ(r.start(), 1431280876);
  ASSERT_TRUE(Parse("2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA",
                    FlowFormat::DefaultV2(), &r)
                  .ok());
  EXPECT_EQ(r.log_status(), LogStatus::kSkipData);
}

TEST(ParseFlowTokens, Version5CustomOrder) {
  // AWS's v5 example, with its own field order.
  FlowFormat f = Format(
      "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id "
      "instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr "
      "pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status");
  FlowRecord r;
  ASSERT_TRUE(Parse("5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 "
                    "vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 "
                    "ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK",
                    f, &r)
                  .ok());
  EXPECT_EQ(r.number(F::kVersion), 5u);
  EXPECT_EQ(r.text(F::kType), "IPv4");
  EXPECT_EQ(r.packets(), 7u);
  EXPECT_EQ(r.bytes(), 471u);
  EXPECT_EQ(r.text(F::kRegion), "ap-southeast-2");
  EXPECT_EQ(r.text(F::kAzId), "apse2-az3");
  EXPECT_FALSE(r.has(F::kSublocationType));
  EXPECT_EQ(r.number(F::kTcpFlags), 3u);
  EXPECT_TRUE(r.ip(F::kPktDstAddr).is_v4());
  EXPECT_FALSE(r.has(F::kPktSrcAwsService));
  EXPECT_EQ(r.text(F::kPktDstAwsService), "S3");
  EXPECT_EQ(r.number(F::kTrafficPath), 8u);
  EXPECT_EQ(r.text(F::kFlowDirection), "egress");
}

TEST(ParseFlowTokens, Version3TcpFlagsExampleWithDoubleSpace) {
  FlowRecord r;
  // AWS's TCP-flag example carries a double space; splitting on runs handles it.
  ASSERT_TRUE(Parse("3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 "
                    "123456789012 IPv4 52.213.180.42 10.0.0.62 43416 5001  52.213.180.42 10.0.0.62 6 568 8 "
                    "1566848875 1566848933 ACCEPT 2 OK",
                    *FlowFormat::FormatForTokenCount(21), &r)
                  .ok());
  EXPECT_EQ(r.dst_port(), 5001);
  EXPECT_EQ(r.bytes(), 568u);
  EXPECT_EQ(r.packets(), 8u);
  EXPECT_EQ(r.number(F::kTcpFlags), 2u);
}

TEST(ParseFlowTokens, Version7EcsAndVersion8RejectReason) {
  FlowRecord r;
  std::string line =
      "8 123456789012 eni-0123456789abcdef0 10.0.1.10 10.0.2.20 49152 443 6 10 1200 1700000000 1700000060 REJECT OK "
      "vpc-1 subnet-1 i-1 2 IPv4 10.0.1.10 10.0.2.20 us-east-1 use1-az1 - - - - ingress - "
      "arn:aws:ecs:us-east-1:123456789012:cluster/prod prod arn:aws:ecs:us-east-1:123456789012:container-instance/x "
      "x 0123abcd - checkout arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:3 "
      "arn:aws:ecs:us-east-1:123456789012:task/prod/abc abc BPA";
  ASSERT_TRUE(Parse(line, FlowFormat::AllFieldsUpTo(8), &r).ok());
  EXPECT_EQ(r.text(F::kEcsClusterName), "prod");
  EXPECT_EQ(r.text(F::kEcsServiceName), "checkout");
  EXPECT_FALSE(r.has(F::kEcsSecondContainerId));
  EXPECT_EQ(r.text(F::kRejectReason), "BPA");
  EXPECT_EQ(r.action(), FlowAction::kReject);
  EXPECT_FALSE(r.has(F::kTrafficPath));
}

TEST(ParseFlowTokens, Versions9To11) {
  FlowFormat f = Format(
      "version srcaddr dstaddr srcport dstport protocol start end action log-status reject-reason resource-id "
      "encryption-status interface-type");
  FlowRecord r;
  ASSERT_TRUE(Parse("11 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 REJECT OK BPA nat-0c50d5961bcb2d47b 1 "
                    "nat_gateway",
                    f, &r)
                  .ok());
  EXPECT_EQ(r.number(F::kVersion), 11u);
  EXPECT_EQ(r.text(F::kResourceId), "nat-0c50d5961bcb2d47b");
  EXPECT_EQ(r.number(F::kEncryptionStatus), 1u);
  EXPECT_EQ(r.text(F::kInterfaceType), "nat_gateway");
}

TEST(ParseFlowTokens, TransitGatewayRecord) {
  FlowRecord r;
  ASSERT_TRUE(Parse("6 TransitGateway 123456789012 tgw-0123 tgw-attach-0456 123456789012 210987654321 vpc-a vpc-b "
                    "subnet-a subnet-b eni-a eni-b use1-az1 use1-az2 tgw-attach-0789 10.0.0.1 10.1.0.1 49152 443 6 "
                    "10 5000 1700000000 1700000060 OK IPv4 0 1 0 2 19 us-east-1 egress - -",
                    FlowFormat::TransitGateway(), &r)
                  .ok());
  EXPECT_EQ(r.text(F::kResourceType), "TransitGateway");
  EXPECT_EQ(r.text(F::kTgwId), "tgw-0123");
  EXPECT_EQ(r.number(F::kPacketsLostBlackhole), 1u);
  EXPECT_EQ(r.number(F::kPacketsLostTtlExpired), 2u);
  EXPECT_EQ(r.number(F::kTcpFlags), 19u);
  EXPECT_FALSE(r.has(F::kAction));
}

TEST(ParseFlowTokens, IPv6Addresses) {
  FlowRecord r;
  ASSERT_TRUE(Parse("2 123456789010 eni-1 2001:db8::1 2600:1f18::5 443 50000 6 3 300 1 2 ACCEPT OK",
                    FlowFormat::DefaultV2(), &r)
                  .ok());
  EXPECT_TRUE(r.src_addr().is_v6());
  EXPECT_TRUE(r.dst_addr().is_v6());
}

TEST(ParseFlowTokens, AccountIdKeepsLeadingZerosAndUnknown) {
  FlowRecord r;
  ASSERT_TRUE(
      Parse("2 012345678901 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK", FlowFormat::DefaultV2(), &r).ok());
  EXPECT_EQ(r.text(F::kAccountId), "012345678901");
  ASSERT_TRUE(Parse("2 unknown eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK", FlowFormat::DefaultV2(), &r).ok());
  EXPECT_EQ(r.text(F::kAccountId), "unknown");
}

TEST(ParseFlowTokens, LargeCountersNeed64Bits) {
  FlowRecord r;
  ASSERT_TRUE(Parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 18446744073709551615 9000000000000 1 2 ACCEPT OK",
                    FlowFormat::DefaultV2(), &r)
                  .ok());
  EXPECT_EQ(r.packets(), UINT64_MAX);
  EXPECT_EQ(r.bytes(), 9000000000000u);
}

struct BadCase {
  const char* line;
  const char* reason_fragment;
};

TEST(ParseFlowTokens, RejectsBadValuesWithClearReasons) {
  const BadCase cases[] = {
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT", "expected 14 fields (default v2 format), found 13"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK extra", "found 15"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 70000 2 6 1 1 1 2 ACCEPT OK", "bad srcport '70000'"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 -2 6 1 1 1 2 ACCEPT OK", "bad dstport '-2'"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 256 1 1 1 2 ACCEPT OK", "bad protocol '256'"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1x 1 1 2 ACCEPT OK", "bad packets '1x'"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 18446744073709551616 1 2 ACCEPT OK", "bad bytes"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1.5 2 ACCEPT OK", "bad start '1.5'"},
      {"2 1 eni-1 10.0.0.300 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK", "bad srcaddr '10.0.0.300'"},
      {"2 1 eni-1 10.0.0.1 not-an-ip 1 2 6 1 1 1 2 ACCEPT OK", "bad dstaddr 'not-an-ip'"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 allow OK", "bad action 'allow': expected ACCEPT or REJECT"},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT FINE", "bad log-status 'FINE'"},
      {"x 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK", "bad version 'x'"},
  };
  for (const BadCase& c : cases) {
    FlowRecord r;
    Status s = Parse(c.line, FlowFormat::DefaultV2(), &r);
    ASSERT_TRUE(s.IsInvalidArgument()) << c.line;
    EXPECT_NE(s.message().find(c.reason_fragment), std::string::npos) << s.message();
  }
}

TEST(ParseFlowTokens, EveryFieldParsesWithItsType) {
  // One line holding every known field (v2-v11 and Transit Gateway), each with
  // a value of its type; every value must come back typed.
  std::vector<FlowField> all;
  std::string line;
  for (int i = 0; i < kFlowFieldCount; ++i) {
    const FlowFieldInfo& info = GetFlowFieldInfo(static_cast<FlowField>(i));
    all.push_back(info.field);
    if (!line.empty()) line += ' ';
    switch (info.type) {
      case FlowFieldType::kInteger: line += std::to_string(std::min<uint64_t>(info.max_value, 100 + i)); break;
      case FlowFieldType::kIp:
        line += info.ip_slot % 2 ? "2001:db8::" + std::to_string(i) : "10.0.0." + std::to_string(i);
        break;
      case FlowFieldType::kAction: line += "REJECT"; break;
      case FlowFieldType::kLogStatus: line += "SKIPDATA"; break;
      case FlowFieldType::kString: line += "v-" + std::string(info.token); break;
    }
  }
  FlowFormat format(all, "every field");
  FlowRecord r;
  ASSERT_TRUE(Parse(line, format, &r).ok()) << line;
  for (int i = 0; i < kFlowFieldCount; ++i) {
    const FlowFieldInfo& info = GetFlowFieldInfo(static_cast<FlowField>(i));
    ASSERT_TRUE(r.has(info.field)) << info.token;
    switch (info.type) {
      case FlowFieldType::kInteger:
        EXPECT_EQ(r.number(info.field), std::min<uint64_t>(info.max_value, 100 + i)) << info.token;
        break;
      case FlowFieldType::kIp: EXPECT_EQ(r.ip(info.field).is_v6(), info.ip_slot % 2 == 1) << info.token; break;
      case FlowFieldType::kAction: EXPECT_EQ(r.action(), FlowAction::kReject); break;
      case FlowFieldType::kLogStatus: EXPECT_EQ(r.log_status(), LogStatus::kSkipData); break;
      case FlowFieldType::kString: EXPECT_EQ(r.text(info.field), "v-" + std::string(info.token)); break;
    }
  }
}

TEST(ParseFlowTokens, DashWorksInEveryField) {
  // Any field may be "-", numeric ones included.
  FlowFormat all = FlowFormat::AllFieldsUpTo(8);
  std::string line;
  for (size_t i = 0; i < all.size(); ++i) line += i ? " -" : "-";
  FlowRecord r;
  ASSERT_TRUE(Parse(line, all, &r).ok());
  for (FlowField f : all.fields()) EXPECT_FALSE(r.has(f)) << FlowFieldToken(f);
}

}  // namespace
}  // namespace flowdex
