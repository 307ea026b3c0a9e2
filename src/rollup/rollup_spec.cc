#include "rollup/rollup_spec.h"

#include <deque>
#include <optional>
#include <string>

#include "schema/flow_schema.h"

namespace flowdex {

namespace {

using F = FlowField;

std::vector<std::string_view> Columns(std::initializer_list<FlowField> fields) {
  std::vector<std::string_view> out;
  for (FlowField f : fields) out.push_back(FlowColumnFor(f).name);
  return out;
}

// An hourly rollup over the raw columns of `fields`, its rows kept together
// by `cluster` when it is one of them.
RollupSpec Rollup(std::string_view name, std::initializer_list<FlowField> fields,
                  std::optional<FlowField> cluster = std::nullopt) {
  RollupSpec spec{name, Columns(fields), {}, kRollupHourMs, {}};
  for (FlowField f : fields) spec.dim_types.push_back(FlowColumnFor(f).type);
  if (cluster) spec.cluster = FlowColumnFor(*cluster).name;
  return spec;
}

// Each of `hourly`, then its daily twin, named name + "_1d".
std::vector<RollupSpec> WithDailyTwins(std::vector<RollupSpec> hourly) {
  static std::deque<std::string> names;  // the twins' names, as long as the specs live
  const size_t n = hourly.size();
  for (size_t i = 0; i < n; ++i) {
    RollupSpec daily = hourly[i];
    daily.name = names.emplace_back(std::string(hourly[i].name) + "_1d");
    daily.resolution_ms = kRollupDayMs;
    hourly.push_back(std::move(daily));
  }
  return hourly;
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
  static const std::vector<RollupSpec> kRollups = WithDailyTwins({
      Rollup("context",
             {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kAccountId, F::kRegion, F::kAzId,
              F::kVpcId, F::kSubnetId, F::kInterfaceId, F::kInstanceId, F::kInterfaceType, F::kTrafficPath, F::kType,
              F::kVersion, F::kRejectReason, F::kPktSrcAwsService, F::kPktDstAwsService, F::kEncryptionStatus}),
      Rollup("ports", {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kDstPort}, F::kDstPort),
      Rollup("sources", {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kSrcAddr}, F::kSrcAddr),
      Rollup("destinations", {F::kAction, F::kProtocol, F::kLogStatus, F::kFlowDirection, F::kDstAddr}, F::kDstAddr),
  });
  return kRollups;
}

const RollupSpec* FindRollup(std::string_view name) {
  for (const RollupSpec& r : FlowRollups()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const RollupSpec* DailyTwin(const RollupSpec& hourly) {
  if (hourly.resolution_ms != kRollupHourMs) return nullptr;
  for (const RollupSpec& r : FlowRollups()) {
    if (r.resolution_ms == kRollupDayMs && r.dims == hourly.dims) return &r;
  }
  return nullptr;
}

}  // namespace flowdex
