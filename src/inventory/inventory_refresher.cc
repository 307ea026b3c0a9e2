#include "inventory/inventory_refresher.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "util/time_util.h"

namespace flowdex {

std::string DescribeSync(const std::vector<std::string>& regions, const InventorySyncReport& r) {
  std::string names;
  for (const std::string& region : regions) names += (names.empty() ? "" : ",") + region;
  return fmt::format(
      "{}: {} interfaces, {} addresses; {} new, {} changed owner, {} gone, {} unchanged; history: "
      "{} addresses, {} ranges",
      names, r.interfaces, r.addresses, r.changes.added, r.changes.changed, r.changes.closed, r.changes.unchanged,
      r.history_addresses, r.history_ranges);
}

InventoryRefresher::InventoryRefresher(std::shared_ptr<InventoryFile> file, std::vector<AwsConfig> accounts,
                                       std::vector<std::string> regions, int64_t period_ms)
    : file_(std::move(file)), accounts_(std::move(accounts)), regions_(std::move(regions)), period_ms_(period_ms) {}

InventoryRefresher::~InventoryRefresher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void InventoryRefresher::Start(bool first_on_this_thread) {
  if (first_on_this_thread) {
    // Bounded: a start (a Lambda's init has 10 s) must not wait out the
    // retries of an unreachable EC2; the thread tries again at the period.
    std::vector<AwsConfig> quick = accounts_;
    for (AwsConfig& c : quick) {
      c.max_attempts = 1;
      c.timeout_ms = std::min<int64_t>(c.timeout_ms, 4000);
    }
    SyncAndLog(&quick);
  }
  thread_ = std::thread([this, first_on_this_thread] { Run(first_on_this_thread); });
}

Status InventoryRefresher::SyncNow(InventorySyncReport* report, const std::vector<AwsConfig>* accounts) {
  Status s = file_->Sync(accounts ? *accounts : accounts_, regions_, CurrentTimeMillis(), report);
  std::lock_guard<std::mutex> lock(mu_);
  ++(s.ok() ? syncs_ : failures_);
  return s;
}

void InventoryRefresher::SyncAndLog(const std::vector<AwsConfig>* accounts) {
  InventorySyncReport report;
  Status s = SyncNow(&report, accounts);
  if (s.ok()) {
    fmt::print(stderr, "flowdex: inventory: {}\n", DescribeSync(regions_, report));
  } else {
    fmt::print(stderr, "flowdex: inventory: sync failed (next try in {} s): {}\n", period_ms_ / 1000, s.ToString());
  }
}

void InventoryRefresher::Run(bool wait_first) {
  for (;;) {
    if (!wait_first) SyncAndLog();
    wait_first = false;
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_for(lock, std::chrono::milliseconds(period_ms_), [&] { return stop_; })) return;
  }
}

uint64_t InventoryRefresher::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

uint64_t InventoryRefresher::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

}  // namespace flowdex
