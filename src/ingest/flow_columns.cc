#include "ingest/flow_columns.h"

#include <array>

namespace flowdex {

namespace {

using F = FlowField;
using T = ColumnType;

}  // namespace

namespace internal {
constexpr FlowColumnEntry kFlowColumnEntries[kFlowFieldCount] = {
    {F::kVersion, {"aws.vpcflow.version", T::kUInt8}},
    {F::kAccountId, {"cloud.account.id", T::kKeyword}},
    {F::kInterfaceId, {"aws.vpcflow.interface_id", T::kKeyword}},
    {F::kSrcAddr, {"source.ip", T::kIp}},
    {F::kDstAddr, {"destination.ip", T::kIp}},
    {F::kSrcPort, {"source.port", T::kUInt16}},
    {F::kDstPort, {"destination.port", T::kUInt16}},
    {F::kProtocol, {"network.iana_number", T::kUInt8}},
    {F::kPackets, {"source.packets", T::kUInt64}},
    {F::kBytes, {"source.bytes", T::kUInt64}},
    {F::kStart, {"event.start", T::kTimestamp}},
    {F::kEnd, {"", T::kTimestamp}},
    {F::kAction, {"event.action", T::kKeyword}},
    {F::kLogStatus, {"aws.vpcflow.log_status", T::kKeyword}},
    {F::kVpcId, {"aws.vpcflow.vpc_id", T::kKeyword}},
    {F::kSubnetId, {"aws.vpcflow.subnet_id", T::kKeyword}},
    {F::kInstanceId, {"cloud.instance.id", T::kKeyword}},
    {F::kTcpFlags, {"aws.vpcflow.tcp_flags", T::kUInt16}},
    {F::kType, {"aws.vpcflow.type", T::kKeyword}},
    {F::kPktSrcAddr, {"aws.vpcflow.pkt_srcaddr", T::kIp}},
    {F::kPktDstAddr, {"aws.vpcflow.pkt_dstaddr", T::kIp}},
    {F::kRegion, {"cloud.region", T::kKeyword}},
    {F::kAzId, {"cloud.availability_zone", T::kKeyword}},
    {F::kSublocationType, {"aws.vpcflow.sublocation.type", T::kKeyword}},
    {F::kSublocationId, {"aws.vpcflow.sublocation.id", T::kKeyword}},
    {F::kPktSrcAwsService, {"aws.vpcflow.pkt_src_service", T::kKeyword}},
    {F::kPktDstAwsService, {"aws.vpcflow.pkt_dst_service", T::kKeyword}},
    {F::kFlowDirection, {"network.direction", T::kKeyword}},
    {F::kTrafficPath, {"aws.vpcflow.traffic_path", T::kUInt8}},
    {F::kEcsClusterArn, {"orchestrator.cluster.id", T::kKeyword}},
    {F::kEcsClusterName, {"orchestrator.cluster.name", T::kKeyword}},
    {F::kEcsContainerInstanceArn, {"orchestrator.resource.name", T::kKeyword}},
    {F::kEcsContainerInstanceId, {"orchestrator.resource.id", T::kKeyword}},
    {F::kEcsContainerId, {"aws.vpcflow.ecs_container_id", T::kKeyword}},
    {F::kEcsSecondContainerId, {"aws.vpcflow.ecs_second_container_id", T::kKeyword}},
    {F::kEcsServiceName, {"service.name", T::kKeyword}},
    {F::kEcsTaskDefinitionArn, {"aws.vpcflow.ecs_task_definition_arn", T::kKeyword}},
    {F::kEcsTaskArn, {"aws.vpcflow.ecs_task_arn", T::kKeyword}},
    {F::kEcsTaskId, {"aws.vpcflow.ecs_task_id", T::kKeyword}},
    {F::kRejectReason, {"event.reason", T::kKeyword}},
    {F::kResourceId, {"aws.vpcflow.resource_id", T::kKeyword}},
    {F::kEncryptionStatus, {"aws.vpcflow.encryption_status", T::kUInt8}},
    {F::kInstanceTag, {"aws.vpcflow.instance_tag", T::kKeyword}},
    {F::kInstanceTag2, {"aws.vpcflow.instance_tag_2", T::kKeyword}},
    {F::kInterfaceTag, {"aws.vpcflow.interface_tag", T::kKeyword}},
    {F::kInterfaceTag2, {"aws.vpcflow.interface_tag_2", T::kKeyword}},
    {F::kAsgTag, {"aws.vpcflow.asg_tag", T::kKeyword}},
    {F::kAsgTag2, {"aws.vpcflow.asg_tag_2", T::kKeyword}},
    {F::kInterfaceType, {"aws.vpcflow.interface_type", T::kKeyword}},
    {F::kNextHopInterfaceId, {"aws.vpcflow.next_hop_interface_id", T::kKeyword}},
    {F::kNextHopSubnetId, {"aws.vpcflow.next_hop_subnet_id", T::kKeyword}},
    {F::kNextHopAzId, {"aws.vpcflow.next_hop_az_id", T::kKeyword}},
    {F::kNextHopVpcId, {"aws.vpcflow.next_hop_vpc_id", T::kKeyword}},
    {F::kNextHopInterfaceType, {"aws.vpcflow.next_hop_interface_type", T::kKeyword}},
    {F::kResourceType, {"aws.vpcflow.resource_type", T::kKeyword}},
    {F::kTgwId, {"aws.vpcflow.tgw_id", T::kKeyword}},
    {F::kTgwAttachmentId, {"aws.vpcflow.tgw_attachment_id", T::kKeyword}},
    {F::kTgwSrcVpcAccountId, {"aws.vpcflow.tgw_src_vpc_account_id", T::kKeyword}},
    {F::kTgwDstVpcAccountId, {"aws.vpcflow.tgw_dst_vpc_account_id", T::kKeyword}},
    {F::kTgwSrcVpcId, {"aws.vpcflow.tgw_src_vpc_id", T::kKeyword}},
    {F::kTgwDstVpcId, {"aws.vpcflow.tgw_dst_vpc_id", T::kKeyword}},
    {F::kTgwSrcSubnetId, {"aws.vpcflow.tgw_src_subnet_id", T::kKeyword}},
    {F::kTgwDstSubnetId, {"aws.vpcflow.tgw_dst_subnet_id", T::kKeyword}},
    {F::kTgwSrcEni, {"aws.vpcflow.tgw_src_eni", T::kKeyword}},
    {F::kTgwDstEni, {"aws.vpcflow.tgw_dst_eni", T::kKeyword}},
    {F::kTgwSrcAzId, {"aws.vpcflow.tgw_src_az_id", T::kKeyword}},
    {F::kTgwDstAzId, {"aws.vpcflow.tgw_dst_az_id", T::kKeyword}},
    {F::kTgwPairAttachmentId, {"aws.vpcflow.tgw_pair_attachment_id", T::kKeyword}},
    {F::kPacketsLostNoRoute, {"aws.vpcflow.packets_lost_no_route", T::kUInt64}},
    {F::kPacketsLostBlackhole, {"aws.vpcflow.packets_lost_blackhole", T::kUInt64}},
    {F::kPacketsLostMtuExceeded, {"aws.vpcflow.packets_lost_mtu_exceeded", T::kUInt64}},
    {F::kPacketsLostTtlExpired, {"aws.vpcflow.packets_lost_ttl_expired", T::kUInt64}},
};
}  // namespace internal

namespace {

constexpr bool InEnumOrder() {
  for (int i = 0; i < kFlowFieldCount; ++i) {
    if (static_cast<int>(internal::kFlowColumnEntries[i].field) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kFlowColumnEntries must follow FlowField order");

}  // namespace

}  // namespace flowdex
