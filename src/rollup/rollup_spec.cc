#include "rollup/rollup_spec.h"

#include "schema/flow_schema.h"

namespace flowdex {

namespace {

using F = FlowField;

std::vector<std::string_view> Columns(std::initializer_list<FlowField> fields) {
  std::vector<std::string_view> out;
  for (FlowField f : fields) out.push_back(FlowColumnFor(f).name);
  return out;
}

// A rollup over the raw columns of `fields`.
RollupSpec Rollup(std::string_view name, std::initializer_list<FlowField> fields) {
  RollupSpec spec{name, Columns(fields), {}};
  for (FlowField f : fields) spec.dim_types.push_back(FlowColumnFor(f).type);
  return spec;
}

}  // namespace

const std::vector<std::string_view>& RollupSumColumns() {
  static const std::vector<std::string_view> kSums = Columns({F::kBytes, F::kPackets});
  return kSums;
}

const std::vector<RollupSpec>& FlowRollups() {
  // What dashboards group and filter on. "context" keeps where the traffic
  // was seen (the interface and what it belongs to: one account, VPC,
  // subnet, instance and zone each), so its rows grow with interfaces, not
  // with addresses; the others add one high-cardinality dimension each to
  // the few that every flow dashboard splits by.
  static const std::vector<RollupSpec> kRollups = {
      Rollup("context",
             {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kAccountId, F::kRegion, F::kAzId,
              F::kVpcId, F::kSubnetId, F::kInterfaceId, F::kInstanceId, F::kInterfaceType, F::kTrafficPath, F::kType,
              F::kVersion, F::kRejectReason, F::kPktSrcAwsService, F::kPktDstAwsService, F::kEncryptionStatus}),
      Rollup("ports", {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kDstPort}),
      Rollup("sources", {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kSrcAddr}),
      Rollup("destinations", {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kDstAddr}),
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
