#include "flowlog/flow_field.h"

#include <array>
#include <cstdint>
#include <limits>

namespace flowdex {

namespace {

using T = FlowFieldType;
using F = FlowField;
constexpr uint64_t kU64 = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kI64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

#define INT_FIELD(f, tok, nm, ver, max) {F::f, tok, nm, ver, T::kInteger, max, -1}
#define IP_FIELD(f, tok, nm, ver, slot) {F::f, tok, nm, ver, T::kIp, 0, slot}
#define STR_FIELD(f, tok, nm, ver) {F::f, tok, nm, ver, T::kString, 0, -1}

constexpr std::array<FlowFieldInfo, kFlowFieldCount> kFields = {{
    INT_FIELD(kVersion, "version", "version", 2, 255),
    STR_FIELD(kAccountId, "account-id", "account_id", 2),
    STR_FIELD(kInterfaceId, "interface-id", "interface_id", 2),
    IP_FIELD(kSrcAddr, "srcaddr", "srcaddr", 2, 0),
    IP_FIELD(kDstAddr, "dstaddr", "dstaddr", 2, 1),
    INT_FIELD(kSrcPort, "srcport", "srcport", 2, 65535),
    INT_FIELD(kDstPort, "dstport", "dstport", 2, 65535),
    INT_FIELD(kProtocol, "protocol", "protocol", 2, 255),
    INT_FIELD(kPackets, "packets", "packets", 2, kU64),
    INT_FIELD(kBytes, "bytes", "bytes", 2, kU64),
    INT_FIELD(kStart, "start", "start", 2, kI64 / 1000),
    INT_FIELD(kEnd, "end", "end", 2, kI64 / 1000),
    {F::kAction, "action", "action", 2, T::kAction, 0, -1},
    {F::kLogStatus, "log-status", "log_status", 2, T::kLogStatus, 0, -1},
    STR_FIELD(kVpcId, "vpc-id", "vpc_id", 3),
    STR_FIELD(kSubnetId, "subnet-id", "subnet_id", 3),
    STR_FIELD(kInstanceId, "instance-id", "instance_id", 3),
    INT_FIELD(kTcpFlags, "tcp-flags", "tcp_flags", 3, 65535),
    STR_FIELD(kType, "type", "type", 3),
    IP_FIELD(kPktSrcAddr, "pkt-srcaddr", "pkt_srcaddr", 3, 2),
    IP_FIELD(kPktDstAddr, "pkt-dstaddr", "pkt_dstaddr", 3, 3),
    STR_FIELD(kRegion, "region", "region", 4),
    STR_FIELD(kAzId, "az-id", "az_id", 4),
    STR_FIELD(kSublocationType, "sublocation-type", "sublocation_type", 4),
    STR_FIELD(kSublocationId, "sublocation-id", "sublocation_id", 4),
    STR_FIELD(kPktSrcAwsService, "pkt-src-aws-service", "pkt_src_aws_service", 5),
    STR_FIELD(kPktDstAwsService, "pkt-dst-aws-service", "pkt_dst_aws_service", 5),
    STR_FIELD(kFlowDirection, "flow-direction", "flow_direction", 5),
    INT_FIELD(kTrafficPath, "traffic-path", "traffic_path", 5, 255),
    STR_FIELD(kEcsClusterArn, "ecs-cluster-arn", "ecs_cluster_arn", 7),
    STR_FIELD(kEcsClusterName, "ecs-cluster-name", "ecs_cluster_name", 7),
    STR_FIELD(kEcsContainerInstanceArn, "ecs-container-instance-arn", "ecs_container_instance_arn", 7),
    STR_FIELD(kEcsContainerInstanceId, "ecs-container-instance-id", "ecs_container_instance_id", 7),
    STR_FIELD(kEcsContainerId, "ecs-container-id", "ecs_container_id", 7),
    STR_FIELD(kEcsSecondContainerId, "ecs-second-container-id", "ecs_second_container_id", 7),
    STR_FIELD(kEcsServiceName, "ecs-service-name", "ecs_service_name", 7),
    STR_FIELD(kEcsTaskDefinitionArn, "ecs-task-definition-arn", "ecs_task_definition_arn", 7),
    STR_FIELD(kEcsTaskArn, "ecs-task-arn", "ecs_task_arn", 7),
    STR_FIELD(kEcsTaskId, "ecs-task-id", "ecs_task_id", 7),
    STR_FIELD(kRejectReason, "reject-reason", "reject_reason", 8),
    STR_FIELD(kResourceId, "resource-id", "resource_id", 9),
    INT_FIELD(kEncryptionStatus, "encryption-status", "encryption_status", 10, 255),
    STR_FIELD(kInstanceTag, "instance-tag", "instance_tag", 11),
    STR_FIELD(kInstanceTag2, "instance-tag-2", "instance_tag_2", 11),
    STR_FIELD(kInterfaceTag, "interface-tag", "interface_tag", 11),
    STR_FIELD(kInterfaceTag2, "interface-tag-2", "interface_tag_2", 11),
    STR_FIELD(kAsgTag, "asg-tag", "asg_tag", 11),
    STR_FIELD(kAsgTag2, "asg-tag-2", "asg_tag_2", 11),
    STR_FIELD(kInterfaceType, "interface-type", "interface_type", 11),
    STR_FIELD(kNextHopInterfaceId, "next-hop-interface-id", "next_hop_interface_id", 11),
    STR_FIELD(kNextHopSubnetId, "next-hop-subnet-id", "next_hop_subnet_id", 11),
    STR_FIELD(kNextHopAzId, "next-hop-az-id", "next_hop_az_id", 11),
    STR_FIELD(kNextHopVpcId, "next-hop-vpc-id", "next_hop_vpc_id", 11),
    STR_FIELD(kNextHopInterfaceType, "next-hop-interface-type", "next_hop_interface_type", 11),
    STR_FIELD(kResourceType, "resource-type", "resource_type", 6),
    STR_FIELD(kTgwId, "tgw-id", "tgw_id", 6),
    STR_FIELD(kTgwAttachmentId, "tgw-attachment-id", "tgw_attachment_id", 6),
    STR_FIELD(kTgwSrcVpcAccountId, "tgw-src-vpc-account-id", "tgw_src_vpc_account_id", 6),
    STR_FIELD(kTgwDstVpcAccountId, "tgw-dst-vpc-account-id", "tgw_dst_vpc_account_id", 6),
    STR_FIELD(kTgwSrcVpcId, "tgw-src-vpc-id", "tgw_src_vpc_id", 6),
    STR_FIELD(kTgwDstVpcId, "tgw-dst-vpc-id", "tgw_dst_vpc_id", 6),
    STR_FIELD(kTgwSrcSubnetId, "tgw-src-subnet-id", "tgw_src_subnet_id", 6),
    STR_FIELD(kTgwDstSubnetId, "tgw-dst-subnet-id", "tgw_dst_subnet_id", 6),
    STR_FIELD(kTgwSrcEni, "tgw-src-eni", "tgw_src_eni", 6),
    STR_FIELD(kTgwDstEni, "tgw-dst-eni", "tgw_dst_eni", 6),
    STR_FIELD(kTgwSrcAzId, "tgw-src-az-id", "tgw_src_az_id", 6),
    STR_FIELD(kTgwDstAzId, "tgw-dst-az-id", "tgw_dst_az_id", 6),
    STR_FIELD(kTgwPairAttachmentId, "tgw-pair-attachment-id", "tgw_pair_attachment_id", 6),
    INT_FIELD(kPacketsLostNoRoute, "packets-lost-no-route", "packets_lost_no_route", 6, kU64),
    INT_FIELD(kPacketsLostBlackhole, "packets-lost-blackhole", "packets_lost_blackhole", 6, kU64),
    INT_FIELD(kPacketsLostMtuExceeded, "packets-lost-mtu-exceeded", "packets_lost_mtu_exceeded", 6, kU64),
    INT_FIELD(kPacketsLostTtlExpired, "packets-lost-ttl-expired", "packets_lost_ttl_expired", 6, kU64),
}};

#undef INT_FIELD
#undef IP_FIELD
#undef STR_FIELD

// The table is indexed by the enum; check the order at compile time.
constexpr bool TableInEnumOrder() {
  for (int i = 0; i < kFlowFieldCount; ++i) {
    if (static_cast<int>(kFields[i].field) != i) return false;
  }
  return true;
}
static_assert(TableInEnumOrder(), "kFields must list fields in FlowField order");

}  // namespace

const FlowFieldInfo& GetFlowFieldInfo(FlowField f) { return kFields[static_cast<int>(f)]; }

std::optional<FlowField> FindFlowField(std::string_view name) {
  if (name.size() > 3 && name.substr(0, 2) == "${" && name.back() == '}') {
    name = name.substr(2, name.size() - 3);
  }
  if (name.empty() || name.size() > 32) return std::nullopt;
  for (const FlowFieldInfo& info : kFields) {
    if (name.size() != info.token.size()) continue;
    bool match = true;
    for (size_t i = 0; i < name.size() && match; ++i) {
      char c = name[i] == '_' ? '-' : name[i];
      match = c == info.token[i];
    }
    if (match) return info.field;
  }
  return std::nullopt;
}

}  // namespace flowdex
