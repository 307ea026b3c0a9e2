#include "flowlog/flow_field.h"

#include <array>
#include <cstdint>
#include <limits>

namespace flowdex {

namespace {

using T = FlowFieldType;
using F = FlowField;
using E = EcsType;
constexpr uint64_t kU64 = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kI64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Positional entries: field, token, snake_case name, version, then the
// parse type (with max_value or ip slot), the ECS field and its type, the
// aws.vpcflow key ("" when the value lives only elsewhere), the description.
#define INT_FIELD(f, tok, nm, ver, max, ecs, et, key, desc) \
  { F::f, tok, nm, ver, T::kInteger, max, -1, ecs, E::et, key, desc }
#define IP_FIELD(f, tok, nm, ver, slot, ecs, key, desc) \
  { F::f, tok, nm, ver, T::kIp, 0, slot, ecs, E::kIp, key, desc }
#define STR_FIELD(f, tok, nm, ver, ecs, key, desc) \
  { F::f, tok, nm, ver, T::kString, 0, -1, ecs, E::kKeyword, key, desc }
#define TGW(f, tok, nm, desc) STR_FIELD(f, tok, nm, 6, "aws.vpcflow." nm, nm, desc)
#define V11(f, tok, nm, desc) STR_FIELD(f, tok, nm, 11, "aws.vpcflow." nm, nm, desc)
#define ECS_TASK(f, tok, nm, ecs, key, desc) STR_FIELD(f, tok, nm, 7, ecs, key, desc)

constexpr std::array<FlowFieldInfo, kFlowFieldCount> kFields = {{
    INT_FIELD(kVersion, "version", "version", 2, 255, "aws.vpcflow.version", kKeyword, "version",
              "The flow-log version: 2 for the default format, else the highest version among the chosen fields."),
    STR_FIELD(kAccountId, "account-id", "account_id", 2, "cloud.account.id", "account_id",
              "The AWS account that owns the source network interface (\"unknown\" for some service interfaces)."),
    STR_FIELD(kInterfaceId, "interface-id", "interface_id", 2, "aws.vpcflow.interface_id", "interface_id",
              "The network interface the traffic is recorded for."),
    IP_FIELD(kSrcAddr, "srcaddr", "srcaddr", 2, 0, "source.ip", "",
             "The source address: for outgoing traffic, the interface's own (private) address."),
    IP_FIELD(kDstAddr, "dstaddr", "dstaddr", 2, 1, "destination.ip", "",
             "The destination address: for incoming traffic, the interface's primary private address."),
    INT_FIELD(kSrcPort, "srcport", "srcport", 2, 65535, "source.port", kLong, "",
              "The source port (ICMP: the type, reported as 0)."),
    INT_FIELD(kDstPort, "dstport", "dstport", 2, 65535, "destination.port", kLong, "",
              "The destination port (ICMP: the code, reported as 0)."),
    INT_FIELD(kProtocol, "protocol", "protocol", 2, 255, "network.iana_number", kKeyword, "",
              "The IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 IPv6-ICMP)."),
    INT_FIELD(kPackets, "packets", "packets", 2, kU64, "source.packets", kLong, "",
              "Packets of the flow in the aggregation interval."),
    INT_FIELD(kBytes, "bytes", "bytes", 2, kU64, "source.bytes", kLong, "",
              "Bytes of the flow in the aggregation interval."),
    INT_FIELD(kStart, "start", "start", 2, kI64 / 1000, "event.start", kDate, "",
              "When the first packet of the interval was received."),
    INT_FIELD(kEnd, "end", "end", 2, kI64 / 1000, "", kDate, "",
              "When the last packet of the interval was received (the record's @timestamp and event.end)."),
    {F::kAction, "action", "action", 2, T::kAction, 0, -1, "event.action", E::kKeyword, "action",
     "ACCEPT or REJECT: whether security groups and network ACLs let the traffic through."},
    {F::kLogStatus, "log-status", "log_status", 2, T::kLogStatus, 0, -1, "aws.vpcflow.log_status", E::kKeyword,
     "log_status", "OK, NODATA (no traffic in the interval) or SKIPDATA (records were skipped)."},
    STR_FIELD(kVpcId, "vpc-id", "vpc_id", 3, "aws.vpcflow.vpc_id", "vpc_id", "The VPC of the network interface."),
    STR_FIELD(kSubnetId, "subnet-id", "subnet_id", 3, "aws.vpcflow.subnet_id", "subnet_id",
              "The subnet of the network interface."),
    STR_FIELD(kInstanceId, "instance-id", "instance_id", 3, "cloud.instance.id", "instance_id",
              "The instance attached to the interface, if you own it."),
    INT_FIELD(kTcpFlags, "tcp-flags", "tcp_flags", 3, 65535, "aws.vpcflow.tcp_flags", kKeyword, "tcp_flags",
              "The TCP flags seen in the interval, OR-ed as a bitmask (1 FIN, 2 SYN, 4 RST, 18 SYN-ACK)."),
    STR_FIELD(kType, "type", "type", 3, "aws.vpcflow.type", "type", "The type of traffic: IPv4, IPv6 or EFA."),
    IP_FIELD(kPktSrcAddr, "pkt-srcaddr", "pkt_srcaddr", 3, 2, "aws.vpcflow.pkt_srcaddr", "pkt_srcaddr",
             "The packet-level (original) source address."),
    IP_FIELD(kPktDstAddr, "pkt-dstaddr", "pkt_dstaddr", 3, 3, "aws.vpcflow.pkt_dstaddr", "pkt_dstaddr",
             "The packet-level (original) destination address."),
    STR_FIELD(kRegion, "region", "region", 4, "cloud.region", "", "The region of the network interface."),
    STR_FIELD(kAzId, "az-id", "az_id", 4, "cloud.availability_zone", "",
              "The Availability Zone ID of the network interface."),
    STR_FIELD(kSublocationType, "sublocation-type", "sublocation_type", 4, "aws.vpcflow.sublocation.type",
              "sublocation.type", "The type of sublocation: wavelength, outpost or localzone."),
    STR_FIELD(kSublocationId, "sublocation-id", "sublocation_id", 4, "aws.vpcflow.sublocation.id", "sublocation.id",
              "The ID of the sublocation."),
    STR_FIELD(kPktSrcAwsService, "pkt-src-aws-service", "pkt_src_aws_service", 5, "aws.vpcflow.pkt_src_service",
              "pkt_src_service", "The AWS service (ip-ranges.json subset) of pkt-srcaddr, when it has one."),
    STR_FIELD(kPktDstAwsService, "pkt-dst-aws-service", "pkt_dst_aws_service", 5, "aws.vpcflow.pkt_dst_service",
              "pkt_dst_service", "The AWS service (ip-ranges.json subset) of pkt-dstaddr, when it has one."),
    STR_FIELD(kFlowDirection, "flow-direction", "flow_direction", 5, "network.direction", "",
              "ingress or egress, relative to the interface."),
    INT_FIELD(kTrafficPath, "traffic-path", "traffic_path", 5, 255, "aws.vpcflow.traffic_path", kKeyword,
              "traffic_path", "The path egress traffic takes (1 same VPC, 2 internet or gateway endpoint, ... 8)."),
    ECS_TASK(kEcsClusterArn, "ecs-cluster-arn", "ecs_cluster_arn", "orchestrator.cluster.id", "",
             "The ARN of the ECS cluster of the task."),
    ECS_TASK(kEcsClusterName, "ecs-cluster-name", "ecs_cluster_name", "orchestrator.cluster.name", "",
             "The name of the ECS cluster of the task."),
    ECS_TASK(kEcsContainerInstanceArn, "ecs-container-instance-arn", "ecs_container_instance_arn",
             "orchestrator.resource.name", "", "The ARN of the ECS container instance."),
    ECS_TASK(kEcsContainerInstanceId, "ecs-container-instance-id", "ecs_container_instance_id",
             "orchestrator.resource.id", "", "The ID of the ECS container instance."),
    ECS_TASK(kEcsContainerId, "ecs-container-id", "ecs_container_id", "aws.vpcflow.ecs_container_id",
             "ecs_container_id", "The Docker runtime ID of the task's first container."),
    ECS_TASK(kEcsSecondContainerId, "ecs-second-container-id", "ecs_second_container_id",
             "aws.vpcflow.ecs_second_container_id", "ecs_second_container_id",
             "The Docker runtime ID of the task's second container."),
    ECS_TASK(kEcsServiceName, "ecs-service-name", "ecs_service_name", "service.name", "",
             "The ECS service that started the task."),
    ECS_TASK(kEcsTaskDefinitionArn, "ecs-task-definition-arn", "ecs_task_definition_arn",
             "aws.vpcflow.ecs_task_definition_arn", "ecs_task_definition_arn", "The ARN of the task definition."),
    ECS_TASK(kEcsTaskArn, "ecs-task-arn", "ecs_task_arn", "aws.vpcflow.ecs_task_arn", "ecs_task_arn",
             "The ARN of the ECS task."),
    ECS_TASK(kEcsTaskId, "ecs-task-id", "ecs_task_id", "aws.vpcflow.ecs_task_id", "ecs_task_id",
             "The ID of the ECS task."),
    STR_FIELD(kRejectReason, "reject-reason", "reject_reason", 8, "event.reason", "",
              "Why the traffic was rejected (BPA: VPC Block Public Access)."),
    STR_FIELD(kResourceId, "resource-id", "resource_id", 9, "aws.vpcflow.resource_id", "resource_id",
              "The resource the traffic is recorded for (a NAT gateway, say)."),
    INT_FIELD(kEncryptionStatus, "encryption-status", "encryption_status", 10, 255, "aws.vpcflow.encryption_status",
              kKeyword, "encryption_status",
              "VPC Encryption Controls: 0 none, 1 Nitro encryption, 2 application TLS, 3 both."),
    V11(kInstanceTag, "instance-tag", "instance_tag", "A tag of the instance, as the flow log names it."),
    V11(kInstanceTag2, "instance-tag-2", "instance_tag_2", "A second tag of the instance."),
    V11(kInterfaceTag, "interface-tag", "interface_tag", "A tag of the network interface."),
    V11(kInterfaceTag2, "interface-tag-2", "interface_tag_2", "A second tag of the network interface."),
    V11(kAsgTag, "asg-tag", "asg_tag", "A tag of the Auto Scaling group."),
    V11(kAsgTag2, "asg-tag-2", "asg_tag_2", "A second tag of the Auto Scaling group."),
    V11(kInterfaceType, "interface-type", "interface_type", "The type of the network interface (nat_gateway, ...)."),
    V11(kNextHopInterfaceId, "next-hop-interface-id", "next_hop_interface_id", "The next hop's network interface."),
    V11(kNextHopSubnetId, "next-hop-subnet-id", "next_hop_subnet_id", "The next hop's subnet."),
    V11(kNextHopAzId, "next-hop-az-id", "next_hop_az_id", "The next hop's Availability Zone ID."),
    V11(kNextHopVpcId, "next-hop-vpc-id", "next_hop_vpc_id", "The next hop's VPC."),
    V11(kNextHopInterfaceType, "next-hop-interface-type", "next_hop_interface_type",
        "The type of the next hop's network interface."),
    TGW(kResourceType, "resource-type", "resource_type", "Transit Gateway: the resource (TransitGateway, ...)."),
    TGW(kTgwId, "tgw-id", "tgw_id", "Transit Gateway: the transit gateway."),
    TGW(kTgwAttachmentId, "tgw-attachment-id", "tgw_attachment_id", "Transit Gateway: the attachment."),
    TGW(kTgwSrcVpcAccountId, "tgw-src-vpc-account-id", "tgw_src_vpc_account_id",
        "Transit Gateway: the account of the source VPC."),
    TGW(kTgwDstVpcAccountId, "tgw-dst-vpc-account-id", "tgw_dst_vpc_account_id",
        "Transit Gateway: the account of the destination VPC."),
    TGW(kTgwSrcVpcId, "tgw-src-vpc-id", "tgw_src_vpc_id", "Transit Gateway: the source VPC."),
    TGW(kTgwDstVpcId, "tgw-dst-vpc-id", "tgw_dst_vpc_id", "Transit Gateway: the destination VPC."),
    TGW(kTgwSrcSubnetId, "tgw-src-subnet-id", "tgw_src_subnet_id", "Transit Gateway: the source subnet."),
    TGW(kTgwDstSubnetId, "tgw-dst-subnet-id", "tgw_dst_subnet_id", "Transit Gateway: the destination subnet."),
    TGW(kTgwSrcEni, "tgw-src-eni", "tgw_src_eni", "Transit Gateway: the source network interface."),
    TGW(kTgwDstEni, "tgw-dst-eni", "tgw_dst_eni", "Transit Gateway: the destination network interface."),
    TGW(kTgwSrcAzId, "tgw-src-az-id", "tgw_src_az_id", "Transit Gateway: the source Availability Zone ID."),
    TGW(kTgwDstAzId, "tgw-dst-az-id", "tgw_dst_az_id", "Transit Gateway: the destination Availability Zone ID."),
    TGW(kTgwPairAttachmentId, "tgw-pair-attachment-id", "tgw_pair_attachment_id",
        "Transit Gateway: the paired attachment."),
    INT_FIELD(kPacketsLostNoRoute, "packets-lost-no-route", "packets_lost_no_route", 6, kU64,
              "aws.vpcflow.packets_lost_no_route", kLong, "packets_lost_no_route",
              "Transit Gateway: packets lost for want of a route."),
    INT_FIELD(kPacketsLostBlackhole, "packets-lost-blackhole", "packets_lost_blackhole", 6, kU64,
              "aws.vpcflow.packets_lost_blackhole", kLong, "packets_lost_blackhole",
              "Transit Gateway: packets lost to a blackhole route."),
    INT_FIELD(kPacketsLostMtuExceeded, "packets-lost-mtu-exceeded", "packets_lost_mtu_exceeded", 6, kU64,
              "aws.vpcflow.packets_lost_mtu_exceeded", kLong, "packets_lost_mtu_exceeded",
              "Transit Gateway: packets lost for exceeding the MTU."),
    INT_FIELD(kPacketsLostTtlExpired, "packets-lost-ttl-expired", "packets_lost_ttl_expired", 6, kU64,
              "aws.vpcflow.packets_lost_ttl_expired", kLong, "packets_lost_ttl_expired",
              "Transit Gateway: packets lost to an expired TTL."),
}};

#undef INT_FIELD
#undef IP_FIELD
#undef STR_FIELD
#undef TGW
#undef V11
#undef ECS_TASK

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
