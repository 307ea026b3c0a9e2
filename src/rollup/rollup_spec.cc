#include "rollup/rollup_spec.h"

namespace flowdex {

const std::vector<std::string_view>& RollupSumColumns() {
  static const std::vector<std::string_view> kSums = {"source.bytes", "source.packets"};
  return kSums;
}

const std::vector<RollupSpec>& FlowRollups() {
  // What dashboards group and filter on. "context" keeps where the traffic
  // was seen (the interface and what it belongs to: one account, VPC,
  // subnet, instance and zone each), so its rows grow with interfaces, not
  // with addresses; the others add one high-cardinality dimension each.
  static const std::vector<RollupSpec> kRollups = {
      {"context",
       {"event.action", "network.iana_number", "aws.vpcflow.log_status", "network.direction", "cloud.account.id",
        "cloud.region", "cloud.availability_zone", "aws.vpcflow.vpc_id", "aws.vpcflow.subnet_id",
        "aws.vpcflow.interface_id", "cloud.instance.id", "aws.vpcflow.interface_type", "aws.vpcflow.traffic_path",
        "aws.vpcflow.type", "aws.vpcflow.version", "aws.vpcflow.encryption_status"}},
      {"ports",
       {"event.action", "network.iana_number", "aws.vpcflow.log_status", "network.direction", "destination.port"}},
      {"sources", {"event.action", "network.iana_number", "aws.vpcflow.log_status", "network.direction", "source.ip"}},
      {"destinations",
       {"event.action", "network.iana_number", "aws.vpcflow.log_status", "network.direction", "destination.ip"}},
  };
  return kRollups;
}

const RollupSpec* FindRollup(std::string_view name) {
  for (const RollupSpec& r : FlowRollups()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace flowdex
