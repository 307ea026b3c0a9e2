// InventoryFile: the inventory history kept in one JSON file (by default
// <data>/inventory.json), read by everything that enriches and written by
// syncs. Readers see a replaced file within a second; a sync loads the
// file, merges the AWS inventory in and replaces the file atomically
// under an exclusive lock, so that `flowdex inventory sync` from cron and
// a `serve --inventory-refresh` never lose each other's syncs.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "inventory/inventory_history.h"
#include "util/status.h"

namespace flowdex {

struct InventorySyncReport {
  int64_t time_ms = 0;
  uint64_t interfaces = 0;  // across the regions
  uint64_t addresses = 0;
  HistoryChanges changes;
  size_t history_addresses = 0, history_ranges = 0;
};

class InventoryFile {
 public:
  explicit InventoryFile(std::string path) : path_(std::move(path)) {}

  // The history in the file (an empty one while there is no file). Every
  // `recheck` it looks at the file's identity and reloads it when it
  // changed; a file that fails to load keeps the previous history (see
  // last_error). Thread-safe.
  std::shared_ptr<const InventoryHistory> Current();
  // Loads the file now: NotFound when it does not exist, Corruption when it
  // cannot be read as a history.
  Status Load(std::shared_ptr<const InventoryHistory>* out) const;

  // Reads the EC2 inventory of `regions` in each account (InventoryAccounts),
  // merges it at `now_ms` and writes the file. Nothing is written when a
  // region of an account cannot be read. `page_size`: EC2 MaxResults per call.
  Status Sync(const std::vector<AwsConfig>& accounts, const std::vector<std::string>& regions, int64_t now_ms,
              InventorySyncReport* report, int page_size = 1000);

  const std::string& path() const { return path_; }
  std::string last_error() const;
  void set_recheck(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    recheck_ = d;
    next_check_ = {};
  }

 private:
  const std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const InventoryHistory> current_;
  std::string signature_;
  std::string last_error_;
  std::chrono::steady_clock::time_point next_check_{};
  std::chrono::milliseconds recheck_{1000};
};

}  // namespace flowdex
