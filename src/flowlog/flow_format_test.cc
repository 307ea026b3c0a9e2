#include "flowlog/flow_format.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

using F = FlowField;

TEST(FlowField, TableIsConsistent) {
  int ip_fields = 0;
  for (int i = 0; i < kFlowFieldCount; ++i) {
    const FlowFieldInfo& info = GetFlowFieldInfo(static_cast<FlowField>(i));
    EXPECT_EQ(static_cast<int>(info.field), i);
    // Token and snake_case name are the same words.
    std::string snake(info.token);
    for (char& c : snake) c = c == '-' ? '_' : c;
    EXPECT_EQ(snake, info.name);
    EXPECT_EQ(FindFlowField(info.token), info.field);
    EXPECT_EQ(FindFlowField(info.name), info.field);
    EXPECT_EQ(FindFlowField("${" + std::string(info.token) + "}"), info.field);
    if (info.type == FlowFieldType::kIp) {
      EXPECT_GE(info.ip_slot, 0);
      ++ip_fields;
    }
  }
  EXPECT_EQ(ip_fields, kIpFieldCount);
  EXPECT_FALSE(FindFlowField("nonsense").has_value());
  EXPECT_FALSE(FindFlowField("").has_value());
}

TEST(FlowField, TypesFollowTheResearchTable) {
  EXPECT_EQ(GetFlowFieldInfo(F::kSrcPort).type, FlowFieldType::kInteger);
  EXPECT_EQ(GetFlowFieldInfo(F::kSrcPort).max_value, 65535u);
  EXPECT_EQ(GetFlowFieldInfo(F::kProtocol).max_value, 255u);
  EXPECT_EQ(GetFlowFieldInfo(F::kBytes).max_value, UINT64_MAX);
  EXPECT_EQ(GetFlowFieldInfo(F::kAccountId).type, FlowFieldType::kString);  // leading zeros, "unknown"
  EXPECT_EQ(GetFlowFieldInfo(F::kPktSrcAddr).type, FlowFieldType::kIp);
  EXPECT_EQ(GetFlowFieldInfo(F::kTrafficPath).version, 5);
  EXPECT_EQ(GetFlowFieldInfo(F::kRejectReason).version, 8);
  EXPECT_EQ(GetFlowFieldInfo(F::kPacketsLostBlackhole).type, FlowFieldType::kInteger);
}

TEST(FlowFormat, StandardLayouts) {
  EXPECT_EQ(FlowFormat::DefaultV2().ToString(),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
            "action log-status");
  EXPECT_EQ(FlowFormat::AllFieldsUpTo(3).size(), 21u);
  EXPECT_EQ(FlowFormat::AllFieldsUpTo(4).size(), 25u);
  EXPECT_EQ(FlowFormat::AllFieldsUpTo(5).size(), 29u);
  EXPECT_EQ(FlowFormat::AllFieldsUpTo(7).size(), 39u);
  EXPECT_EQ(FlowFormat::AllFieldsUpTo(8).size(), 40u);
  EXPECT_EQ(FlowFormat::AllFieldsUpTo(8).fields().back(), F::kRejectReason);
  EXPECT_EQ(FlowFormat::TransitGateway().size(), 36u);
  EXPECT_FALSE(FlowFormat::TransitGateway().Has(F::kAction));
}

TEST(FlowFormat, ParsesFieldLists) {
  FlowFormat f;
  ASSERT_TRUE(FlowFormat::Parse("version srcaddr dstaddr pkt_srcaddr ${pkt-dstaddr},action", &f).ok());
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f.fields()[3], F::kPktSrcAddr);
  EXPECT_EQ(f.fields()[4], F::kPktDstAddr);
  EXPECT_EQ(f.fields()[5], F::kAction);
  EXPECT_TRUE(f.Has(F::kAction));
  EXPECT_FALSE(f.Has(F::kBytes));
  ASSERT_TRUE(FlowFormat::Parse("v5", &f).ok());
  EXPECT_EQ(f.size(), 29u);
  ASSERT_TRUE(FlowFormat::Parse("tgw", &f).ok());
  EXPECT_EQ(f.size(), 36u);
}

TEST(FlowFormat, RejectsBadFieldLists) {
  FlowFormat f;
  Status s = FlowFormat::Parse("version srcaddr bogus-field", &f);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("bogus-field"), std::string::npos);
  s = FlowFormat::Parse("srcaddr dstaddr srcaddr", &f);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("twice"), std::string::npos);
  EXPECT_TRUE(FlowFormat::Parse("   ", &f).IsInvalidArgument());
}

TEST(FlowFormat, RecognisesHeaderLines) {
  FlowFormat f;
  Status err;
  EXPECT_TRUE(
      FlowFormat::ParseHeaderLine("version account-id interface-id srcaddr dstaddr srcport dstport "
                                  "protocol packets bytes start end action log-status\r",
                                  &f, &err));
  EXPECT_TRUE(err.ok());
  EXPECT_EQ(f.size(), 14u);
  EXPECT_EQ(f.description(), "header line");
  EXPECT_TRUE(
      FlowFormat::ParseHeaderLine("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr", &f, &err));
  EXPECT_EQ(f.fields()[0], F::kInstanceId);
  // Data lines are not headers.
  EXPECT_FALSE(FlowFormat::ParseHeaderLine("2 123456789010 eni-1 - - - - - - - 1 2 - NODATA", &f, &err));
  EXPECT_FALSE(
      FlowFormat::ParseHeaderLine("i-01234 eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5", &f, &err));
  EXPECT_FALSE(FlowFormat::ParseHeaderLine("eni-1 version", &f, &err));
  EXPECT_FALSE(FlowFormat::ParseHeaderLine("version account-id something-else", &f, &err));
  // A header with a repeated name is a header, and a bad one.
  EXPECT_TRUE(FlowFormat::ParseHeaderLine("version srcaddr srcaddr", &f, &err));
  EXPECT_TRUE(err.IsInvalidArgument());
}

TEST(FlowFormat, ElasticTokenCountRule) {
  EXPECT_EQ(FlowFormat::FormatForTokenCount(14), &FlowFormat::DefaultV2());
  ASSERT_NE(FlowFormat::FormatForTokenCount(6), nullptr);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(6)->fields()[0], F::kInstanceId);
  ASSERT_NE(FlowFormat::FormatForTokenCount(17), nullptr);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(17)->fields()[1], F::kInterfaceId);
  ASSERT_NE(FlowFormat::FormatForTokenCount(21), nullptr);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(21)->fields()[14], F::kBytes);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(29)->size(), 29u);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(36)->fields()[1], F::kResourceType);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(39)->size(), 39u);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(40)->size(), 40u);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(13), nullptr);
  EXPECT_EQ(FlowFormat::FormatForTokenCount(15), nullptr);
}

}  // namespace
}  // namespace flowdex
