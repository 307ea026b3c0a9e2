#include "flowlog/ecs_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "flowlog/community_id.h"
#include "flowlog/line_parser.h"

namespace flowdex {
namespace {

// Parses `line` with `format`, writes its document, and parses that JSON back.
rapidjson::Document Doc(std::string_view line, const FlowFormat& format, bool original = false) {
  std::string_view tokens[kMaxLineTokens];
  const size_t n = TokenizeFlowLine(line, tokens, kMaxLineTokens);
  FlowRecord rec;
  Status s = ParseFlowTokens(tokens, n, format, &rec);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EcsDocumentWriter writer({.include_original = original});
  std::string json(writer.Write(rec, line));
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

// The value at a dotted path, or nullptr.
const rapidjson::Value* At(const rapidjson::Value& v, std::string_view path) {
  const rapidjson::Value* cur = &v;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (!cur->IsObject()) return nullptr;
    auto it = cur->FindMember(key.c_str());
    if (it == cur->MemberEnd()) return nullptr;
    cur = &it->value;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return cur;
}

std::string Str(const rapidjson::Document& d, std::string_view path) {
  const rapidjson::Value* v = At(d, path);
  if (v == nullptr) return "<missing>";
  if (!v->IsString()) return "<not a string>";
  return v->GetString();
}

int64_t Int(const rapidjson::Document& d, std::string_view path) {
  const rapidjson::Value* v = At(d, path);
  return v && v->IsInt64() ? v->GetInt64() : -999;
}

std::vector<std::string> Strs(const rapidjson::Document& d, std::string_view path) {
  std::vector<std::string> out;
  const rapidjson::Value* v = At(d, path);
  if (v && v->IsArray()) {
    for (const auto& e : v->GetArray()) out.push_back(e.GetString());
  }
  return out;
}

constexpr const char* kV2Accept =
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 "
    "ACCEPT OK";

TEST(EcsWriter, DefaultV2Accept) {
  auto d = Doc(kV2Accept, FlowFormat::DefaultV2());
  EXPECT_EQ(Str(d, "@timestamp"), "2014-12-14T04:07:50.000Z");
  EXPECT_EQ(Str(d, "event.end"), "2014-12-14T04:07:50.000Z");
  EXPECT_EQ(Str(d, "event.start"), "2014-12-14T04:06:50.000Z");
  EXPECT_EQ(Str(d, "source.address"), "172.31.16.139");
  EXPECT_EQ(Str(d, "source.ip"), "172.31.16.139");
  EXPECT_EQ(Int(d, "source.port"), 20641);
  EXPECT_EQ(Int(d, "source.bytes"), 4249);
  EXPECT_EQ(Int(d, "source.packets"), 20);
  EXPECT_EQ(Str(d, "destination.ip"), "172.31.16.21");
  EXPECT_EQ(Int(d, "destination.port"), 22);
  EXPECT_EQ(At(d, "destination.bytes"), nullptr) << "a record is one direction";
  EXPECT_EQ(Int(d, "network.bytes"), 4249);
  EXPECT_EQ(Int(d, "network.packets"), 20);
  EXPECT_EQ(Str(d, "network.iana_number"), "6");
  EXPECT_EQ(Str(d, "network.transport"), "tcp");
  EXPECT_EQ(Str(d, "network.type"), "ipv4");
  EXPECT_EQ(Str(d, "network.community_id").substr(0, 2), "1:");
  EXPECT_EQ(Str(d, "event.action"), "ACCEPT");
  EXPECT_EQ(Str(d, "event.outcome"), "success");
  EXPECT_EQ(Strs(d, "event.type"), (std::vector<std::string>{"connection", "allowed"}));
  EXPECT_EQ(Strs(d, "event.category"), (std::vector<std::string>{"network"}));
  EXPECT_EQ(Str(d, "event.kind"), "event");
  EXPECT_EQ(Str(d, "cloud.provider"), "aws");
  EXPECT_EQ(Str(d, "cloud.account.id"), "123456789010");
  EXPECT_EQ(Str(d, "ecs.version"), "8.11.0");
  EXPECT_EQ(Strs(d, "related.ip"), (std::vector<std::string>{"172.31.16.139", "172.31.16.21"}));
  EXPECT_EQ(Str(d, "aws.vpcflow.version"), "2");
  EXPECT_EQ(Str(d, "aws.vpcflow.account_id"), "123456789010");
  EXPECT_EQ(Str(d, "aws.vpcflow.interface_id"), "eni-1235b8ca123456789");
  EXPECT_EQ(Str(d, "aws.vpcflow.action"), "ACCEPT");
  EXPECT_EQ(Str(d, "aws.vpcflow.log_status"), "OK");
  // The raw fields that became ECS fields are not repeated.
  for (const char* gone : {"aws.vpcflow.srcaddr", "aws.vpcflow.bytes", "aws.vpcflow.protocol", "aws.vpcflow.start"}) {
    EXPECT_EQ(At(d, gone), nullptr) << gone;
  }
  EXPECT_EQ(At(d, "event.original"), nullptr) << "only on request";
}

TEST(EcsWriter, RejectAndOriginal) {
  std::string line = kV2Accept;
  line.replace(line.find("ACCEPT"), 6, "REJECT");
  auto d = Doc(line, FlowFormat::DefaultV2(), /*original=*/true);
  EXPECT_EQ(Str(d, "event.action"), "REJECT");
  EXPECT_EQ(Str(d, "event.outcome"), "failure");
  EXPECT_EQ(Strs(d, "event.type"), (std::vector<std::string>{"connection", "denied"}));
  EXPECT_EQ(Str(d, "event.original"), line);
}

TEST(EcsWriter, NoDataLeavesOutWhatIsAbsent) {
  auto d =
      Doc("2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA", FlowFormat::DefaultV2());
  EXPECT_EQ(Str(d, "aws.vpcflow.log_status"), "NODATA");
  EXPECT_EQ(Str(d, "@timestamp"), "2015-05-10T18:02:14.000Z");
  for (const char* gone :
       {"source", "destination", "network", "related", "event.action", "event.outcome", "aws.vpcflow.action"}) {
    EXPECT_EQ(At(d, gone), nullptr) << gone;
  }
  EXPECT_EQ(Strs(d, "event.type"), (std::vector<std::string>{"connection"}));
}

TEST(EcsWriter, Version5FieldsAndDashesLeftOut) {
  auto d =
      Doc("2 123456789010 eni-1 10.0.0.71 52.95.128.179 34210 80 6 7 471 1616729292 1616729349 ACCEPT OK "
          "vpc-a subnet-b i-c 19 IPv4 10.0.0.71 52.95.128.179 - - - - - S3 egress 8",
          FlowFormat::AllFieldsUpTo(5));
  EXPECT_EQ(Str(d, "aws.vpcflow.vpc_id"), "vpc-a");
  EXPECT_EQ(Str(d, "aws.vpcflow.subnet_id"), "subnet-b");
  EXPECT_EQ(Str(d, "aws.vpcflow.instance_id"), "i-c");
  EXPECT_EQ(Str(d, "cloud.instance.id"), "i-c");
  EXPECT_EQ(Str(d, "aws.vpcflow.tcp_flags"), "19");
  EXPECT_EQ(Strs(d, "aws.vpcflow.tcp_flags_array"), (std::vector<std::string>{"fin", "syn", "ack"}));
  EXPECT_EQ(Str(d, "aws.vpcflow.type"), "IPv4");
  EXPECT_EQ(Str(d, "aws.vpcflow.pkt_srcaddr"), "10.0.0.71");
  EXPECT_EQ(Str(d, "aws.vpcflow.pkt_dst_service"), "S3");
  EXPECT_EQ(Str(d, "aws.vpcflow.traffic_path"), "8");
  EXPECT_EQ(Str(d, "network.direction"), "egress");
  // Elastic would index "-" in these, or leave {}; flowdex leaves them out.
  for (const char* gone :
       {"cloud.region", "cloud.availability_zone", "aws.vpcflow.sublocation", "aws.vpcflow.pkt_src_service"}) {
    EXPECT_EQ(At(d, gone), nullptr) << gone;
  }
}

TEST(EcsWriter, RegionZoneAndSublocation) {
  FlowFormat f;
  ASSERT_TRUE(FlowFormat::Parse("region az-id sublocation-type sublocation-id", &f).ok());
  auto d = Doc("us-west-2 usw2-az1 outpost op-0123", f);
  EXPECT_EQ(Str(d, "cloud.region"), "us-west-2");
  EXPECT_EQ(Str(d, "cloud.availability_zone"), "usw2-az1");
  EXPECT_EQ(Str(d, "aws.vpcflow.sublocation.type"), "outpost");
  EXPECT_EQ(Str(d, "aws.vpcflow.sublocation.id"), "op-0123");
}

TEST(EcsWriter, TcpFlagsZeroGivesEmptyArray) {
  FlowFormat f;
  ASSERT_TRUE(FlowFormat::Parse("srcaddr dstaddr tcp-flags", &f).ok());
  auto d = Doc("10.0.0.1 10.0.0.2 0", f);
  const rapidjson::Value* arr = At(d, "aws.vpcflow.tcp_flags_array");
  ASSERT_NE(arr, nullptr);
  EXPECT_TRUE(arr->IsArray());
  EXPECT_EQ(arr->Size(), 0u);
  d = Doc("10.0.0.1 10.0.0.2 63", f);
  EXPECT_EQ(Strs(d, "aws.vpcflow.tcp_flags_array"),
            (std::vector<std::string>{"fin", "syn", "rst", "psh", "ack", "urg"}));
}

TEST(EcsWriter, EcsTaskFieldsMoveToOrchestratorAndService) {
  auto d =
      Doc("8 123456789012 eni-0 10.0.1.10 10.0.2.20 49152 443 6 10 1200 1700000000 1700000060 REJECT OK "
          "vpc-1 subnet-1 i-1 2 IPv4 10.0.1.10 10.0.2.20 us-east-1 use1-az1 - - - - ingress - "
          "arn:cluster prod arn:container-instance ci-1 c0ffee - checkout arn:taskdef arn:task task-1 BPA",
          FlowFormat::AllFieldsUpTo(8));
  EXPECT_EQ(Str(d, "orchestrator.cluster.id"), "arn:cluster");
  EXPECT_EQ(Str(d, "orchestrator.cluster.name"), "prod");
  EXPECT_EQ(Str(d, "orchestrator.resource.name"), "arn:container-instance");
  EXPECT_EQ(Str(d, "orchestrator.resource.id"), "ci-1");
  EXPECT_EQ(Str(d, "service.name"), "checkout");
  EXPECT_EQ(Str(d, "event.reason"), "BPA");
  EXPECT_EQ(Str(d, "aws.vpcflow.ecs_container_id"), "c0ffee");
  EXPECT_EQ(Str(d, "aws.vpcflow.ecs_task_definition_arn"), "arn:taskdef");
  EXPECT_EQ(Str(d, "aws.vpcflow.ecs_task_arn"), "arn:task");
  EXPECT_EQ(Str(d, "aws.vpcflow.ecs_task_id"), "task-1");
  EXPECT_EQ(Str(d, "cloud.region"), "us-east-1");
  for (const char* gone : {"aws.vpcflow.ecs_cluster_arn", "aws.vpcflow.ecs_service_name", "aws.vpcflow.reject_reason",
                           "aws.vpcflow.ecs_second_container_id"}) {
    EXPECT_EQ(At(d, gone), nullptr) << gone;
  }
}

TEST(EcsWriter, TransitGatewayRecord) {
  auto d =
      Doc("6 TransitGateway 123456789012 tgw-0123 tgw-attach-0456 123456789012 210987654321 vpc-a vpc-b "
          "subnet-a subnet-b eni-a eni-b use1-az1 use1-az2 tgw-attach-0789 10.0.0.1 10.1.0.1 49152 443 6 "
          "10 5000 1700000000 1700000060 OK IPv4 0 1 0 2 19 us-east-1 egress - -",
          FlowFormat::TransitGateway());
  EXPECT_EQ(Str(d, "aws.vpcflow.resource_type"), "TransitGateway");
  EXPECT_EQ(Str(d, "aws.vpcflow.tgw_id"), "tgw-0123");
  EXPECT_EQ(Str(d, "aws.vpcflow.tgw_src_vpc_id"), "vpc-a");
  EXPECT_EQ(Int(d, "aws.vpcflow.packets_lost_blackhole"), 1);
  EXPECT_EQ(Int(d, "aws.vpcflow.packets_lost_ttl_expired"), 2);
  EXPECT_EQ(Str(d, "cloud.region"), "us-east-1");
  EXPECT_EQ(Str(d, "network.direction"), "egress");
  EXPECT_EQ(Int(d, "source.bytes"), 5000);
  EXPECT_EQ(At(d, "event.action"), nullptr) << "TGW records have no action";
  EXPECT_EQ(At(d, "event.outcome"), nullptr);
}

TEST(EcsWriter, Ipv6AndIcmpAndUnknownProtocol) {
  auto d = Doc("2 1 eni-1 2001:db8::1 2001:db8::2 128 0 58 1 64 1 2 ACCEPT OK", FlowFormat::DefaultV2());
  EXPECT_EQ(Str(d, "network.type"), "ipv6");
  EXPECT_EQ(Str(d, "network.transport"), "ipv6-icmp");
  d = Doc("2 1 eni-1 10.0.0.1 10.0.0.2 0 0 1 1 64 1 2 ACCEPT OK", FlowFormat::DefaultV2());
  EXPECT_EQ(Str(d, "network.transport"), "icmp");
  EXPECT_EQ(Str(d, "network.community_id").size(), kCommunityIdLength);
  d = Doc("2 1 eni-1 10.0.0.1 10.0.0.2 0 0 99 1 64 1 2 ACCEPT OK", FlowFormat::DefaultV2());
  EXPECT_EQ(At(d, "network.transport"), nullptr);
  EXPECT_EQ(Str(d, "network.iana_number"), "99");
}

TEST(EcsWriter, CommunityIdMatchesKnownVector) {
  auto d = Doc("2 1 eni-1 128.232.110.120 66.35.250.204 34855 80 6 1 64 1 2 ACCEPT OK", FlowFormat::DefaultV2());
  EXPECT_EQ(Str(d, "network.community_id"), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

TEST(EcsWriter, TransportNames) {
  EXPECT_EQ(TransportName(6), "tcp");
  EXPECT_EQ(TransportName(17), "udp");
  EXPECT_EQ(TransportName(47), "gre");
  EXPECT_EQ(TransportName(132), "sctp");
  EXPECT_EQ(TransportName(200), "");
}

}  // namespace
}  // namespace flowdex
