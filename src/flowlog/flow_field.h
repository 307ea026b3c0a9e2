// The fields of AWS VPC Flow Logs (versions 2 to 11) and of Transit Gateway
// flow logs (version 6), with their format tokens and value types.
// See docs/flowlog.md for the sources of this table.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace flowdex {

// clang-format off
enum class FlowField : uint8_t {
  // version 2 (the default format, in its order)
  kVersion, kAccountId, kInterfaceId, kSrcAddr, kDstAddr, kSrcPort, kDstPort, kProtocol,
  kPackets, kBytes, kStart, kEnd, kAction, kLogStatus,
  // version 3
  kVpcId, kSubnetId, kInstanceId, kTcpFlags, kType, kPktSrcAddr, kPktDstAddr,
  // version 4
  kRegion, kAzId, kSublocationType, kSublocationId,
  // version 5
  kPktSrcAwsService, kPktDstAwsService, kFlowDirection, kTrafficPath,
  // version 7 (ECS tasks)
  kEcsClusterArn, kEcsClusterName, kEcsContainerInstanceArn, kEcsContainerInstanceId, kEcsContainerId,
  kEcsSecondContainerId, kEcsServiceName, kEcsTaskDefinitionArn, kEcsTaskArn, kEcsTaskId,
  // version 8
  kRejectReason,
  // versions 9 to 11
  kResourceId, kEncryptionStatus, kInstanceTag, kInstanceTag2, kInterfaceTag, kInterfaceTag2, kAsgTag,
  kAsgTag2, kInterfaceType, kNextHopInterfaceId, kNextHopSubnetId, kNextHopAzId, kNextHopVpcId,
  kNextHopInterfaceType,
  // Transit Gateway flow logs (version 6)
  kResourceType, kTgwId, kTgwAttachmentId, kTgwSrcVpcAccountId, kTgwDstVpcAccountId, kTgwSrcVpcId,
  kTgwDstVpcId, kTgwSrcSubnetId, kTgwDstSubnetId, kTgwSrcEni, kTgwDstEni, kTgwSrcAzId, kTgwDstAzId,
  kTgwPairAttachmentId, kPacketsLostNoRoute, kPacketsLostBlackhole, kPacketsLostMtuExceeded,
  kPacketsLostTtlExpired,
};
// clang-format on

inline constexpr int kFlowFieldCount = static_cast<int>(FlowField::kPacketsLostTtlExpired) + 1;

enum class FlowFieldType : uint8_t {
  kInteger,    // unsigned decimal, checked against FlowFieldInfo::max_value
  kIp,         // IPv4 or IPv6 address
  kAction,     // ACCEPT or REJECT
  kLogStatus,  // OK, NODATA or SKIPDATA
  kString,     // any text without spaces
};

// The type Elastic's aws.vpcflow mapping gives the ECS field a flow-log
// field becomes (the integration's fields.yml and ECS): version, tcp_flags,
// traffic_path and network.iana_number stay strings there, so keywords.
enum class EcsType : uint8_t { kKeyword, kLong, kIp, kDate };

struct FlowFieldInfo {
  FlowField field;
  std::string_view token;  // as in AWS's format strings and S3 header lines: "pkt-srcaddr"
  std::string_view name;   // snake_case: "pkt_srcaddr"
  uint8_t version;         // flow-log version that introduced the field
  FlowFieldType type;
  uint64_t max_value;  // for kInteger
  int8_t ip_slot;      // for kIp: index into FlowRecord's address array, else -1
  // The ECS field the value becomes in Elastic's document ("source.ip"),
  // and that field's mapping type. `end` has none of its own: it is
  // @timestamp (and event.end).
  std::string_view ecs_name;
  EcsType ecs_type;
  // Its key under aws.vpcflow when Elastic's document also keeps it there
  // ("pkt_src_service", "sublocation.type"), else "".
  std::string_view vpcflow_key;
  std::string_view description;  // one line, after AWS's field table
};

inline constexpr int kIpFieldCount = 4;

// The table entry of a field.
const FlowFieldInfo& GetFlowFieldInfo(FlowField f);

// The field named `name`, given either as a token ("pkt-srcaddr"), in
// snake_case ("pkt_srcaddr"), or in AWS's LogFormat syntax ("${pkt-srcaddr}").
std::optional<FlowField> FindFlowField(std::string_view name);

inline std::string_view FlowFieldToken(FlowField f) { return GetFlowFieldInfo(f).token; }

// Numeric codes stored in FlowRecord for the enumerated fields.
enum class FlowAction : uint8_t { kAccept = 0, kReject = 1 };
enum class LogStatus : uint8_t { kOk = 0, kNoData = 1, kSkipData = 2 };

}  // namespace flowdex
