// The ECS values Elastic's aws.vpcflow pipeline derives from a flow record,
// one function each (docs/flowlog.md; ../shared/research/
// elastic-vpcflow-mapping.md §1 and §3). The ECS writer uses them to build
// documents, and the schema (src/schema) to search and aggregate the same
// fields over stored columns, so both always agree.
#pragma once

#include <cstdint>
#include <string_view>

#include "flowlog/flow_field.h"
#include "flowlog/ip_address.h"

namespace flowdex {

// The ECS version stamped in ecs.version, as Elastic's pipeline does.
inline constexpr std::string_view kEcsVersion = "8.11.0";

// Constants of every flow document.
inline constexpr std::string_view kCloudProvider = "aws";               // cloud.provider
inline constexpr std::string_view kEventKind = "event";                 // event.kind
inline constexpr std::string_view kEventCategory = "network";           // event.category[0]
inline constexpr std::string_view kEventTypeConnection = "connection";  // event.type[0]

// event.outcome: "success" for ACCEPT, "failure" for REJECT.
inline std::string_view EventOutcome(FlowAction action) {
  return action == FlowAction::kAccept ? "success" : "failure";
}

// The second event.type: "allowed" for ACCEPT, "denied" for REJECT.
inline std::string_view EventTypeOfAction(FlowAction action) {
  return action == FlowAction::kAccept ? "allowed" : "denied";
}

// The action named by event.action's text (ACCEPT or REJECT); false for
// anything else.
inline bool ParseFlowAction(std::string_view text, FlowAction* out) {
  if (text == "ACCEPT") return *out = FlowAction::kAccept, true;
  if (text == "REJECT") return *out = FlowAction::kReject, true;
  return false;
}

// network.transport for an IANA protocol number, or "" when Elastic sets none.
std::string_view TransportName(uint8_t protocol);

// network.type: "ipv4" or "ipv6" by the family of source.ip ("" for none).
inline std::string_view NetworkType(const IpAddress& source) {
  return source.is_v4() ? "ipv4" : source.is_v6() ? "ipv6" : "";
}

// The names aws.vpcflow.tcp_flags_array takes, bit 0 first.
inline constexpr std::string_view kTcpFlagNames[] = {"fin", "syn", "rst", "psh", "ack", "urg"};
inline constexpr int kTcpFlagCount = 6;

// TCP flag names for the bits of tcp-flags, in Elastic's order
// (fin, syn, rst, psh, ack, urg); calls fn(name) for each set bit.
template <typename Fn>
void ForEachTcpFlag(uint64_t flags, Fn&& fn) {
  for (int bit = 0; bit < kTcpFlagCount; ++bit) {
    if (flags & (uint64_t{1} << bit)) fn(kTcpFlagNames[bit]);
  }
}

// Protocols whose community ID includes ports (ICMP's are type and code).
inline bool CommunityIdUsesPorts(uint8_t protocol) {
  return protocol == 1 || protocol == 6 || protocol == 17 || protocol == 58 || protocol == 132;
}

}  // namespace flowdex
