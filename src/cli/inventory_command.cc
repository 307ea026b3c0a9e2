// flowdex inventory sync | show.
#include <fmt/format.h>

#include <algorithm>

#include "cli/commands.h"
#include "cli/pipeline_setup.h"
#include "inventory/inventory_file.h"
#include "inventory/inventory_refresher.h"
#include "inventory/inventory_sync.h"
#include "util/shutdown_signals.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

std::string TimeText(int64_t ms, const char* unbounded, int64_t bound) {
  if (ms == bound) return unbounded;
  char text[32] = {};
  FormatIso8601Millis(ms, text);
  return text;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

int Show(InventoryFile& file, const std::string& only) {
  std::shared_ptr<const InventoryHistory> history;
  Status s = file.Load(&history);
  if (!s.ok()) {
    fmt::print(
        stderr, "flowdex inventory show: {}\n",
        s.IsNotFound() ? std::string(s.message()) + ": no inventory yet (run `flowdex inventory sync`)" : s.ToString());
    return 1;
  }
  IpAddress filter;
  if (!only.empty() && !ParseIpAddress(only, &filter)) {
    fmt::print(stderr, "flowdex inventory show: {} is not an IP address\n", only);
    return 2;
  }
  for (const InventorySync& sync : history->syncs()) {
    fmt::print("sync {} {}: {} interfaces, {} addresses\n", TimeText(sync.time_ms, "", 0), Join(sync.regions),
               sync.interfaces, sync.addresses);
  }
  struct Row {
    std::string ip;
    IpAddress addr;
    const OwnerRange* range;
  };
  std::vector<Row> rows;
  history->ForEach([&](const IpAddress& ip, const OwnerRange& r) {
    if (!only.empty() && !(ip == filter)) return;
    char text[kMaxIpTextLength + 1];
    rows.push_back(Row{std::string(text, FormatIpAddress(ip, text)), ip, &r});
  });
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::make_tuple(a.addr.family, a.addr.bytes, a.range->from_ms) <
           std::make_tuple(b.addr.family, b.addr.bytes, b.range->from_ms);
  });
  fmt::print("{:<16} {:<24} {:<24} {:<22} {:<14} {:<20} {:<16} {:<24} {:<22}\n", "ADDRESS", "FROM", "TO", "INTERFACE",
             "TYPE", "INSTANCE", "NAME", "SECURITY GROUPS", "VPC");
  for (const Row& row : rows) {
    const AddressOwner& o = *row.range->owner;
    fmt::print("{:<16} {:<24} {:<24} {:<22} {:<14} {:<20} {:<16} {:<24} {:<22}\n", row.ip,
               TimeText(row.range->from_ms, "(before the first sync)", kSinceEver),
               TimeText(row.range->to_ms, "(now)", kStillOpen), o.interface_id, o.interface_type,
               o.instance_id.empty() ? "-" : o.instance_id, o.instance_name.empty() ? "-" : o.instance_name,
               Join(o.security_group_names), o.vpc_name.empty() ? o.vpc_id : o.vpc_id + " (" + o.vpc_name + ")");
  }
  if (rows.empty() && !only.empty()) {
    fmt::print(stderr, "flowdex inventory show: {} is not in the inventory\n", only);
    return 1;
  }
  return 0;
}

}  // namespace

int RunInventoryCommand(const InventoryCommandOptions& options) {
  InventoryFile file(options.file.empty() ? DefaultInventoryPath(options.data_dir) : options.file);
  if (options.action == "show") return Show(file, options.address);
  ShutdownSignals signals;
  const AwsConfig aws = MakeAwsConfig(options.aws, signals.token());
  std::vector<std::string> regions = options.regions;
  if (regions.empty()) regions.push_back(aws.region.empty() ? "us-east-1" : aws.region);
  InventorySyncReport report;
  Status s = file.Sync(InventoryAccounts(aws, options.roles), regions, CurrentTimeMillis(), &report, options.page_size);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex inventory sync: {}\n", s.ToString());
    return 1;
  }
  fmt::print(stderr, "flowdex inventory sync: {} -> {}\n", DescribeSync(regions, report), file.path());
  return 0;
}

}  // namespace flowdex
