// InventoryRefresher: syncs the AWS inventory into its file on a schedule
// (serve, worker and lambda's --inventory-refresh), on its own thread, so
// that new interfaces and moved addresses are named within one period.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/aws_client.h"
#include "inventory/inventory_file.h"

namespace flowdex {

class InventoryRefresher {
 public:
  // `accounts`: as InventoryAccounts makes them.
  InventoryRefresher(std::shared_ptr<InventoryFile> file, std::vector<AwsConfig> accounts,
                     std::vector<std::string> regions, int64_t period_ms);
  // Stops the thread (an EC2 call in flight finishes first).
  ~InventoryRefresher();

  // Starts the thread: a sync now, then one every period. A failed sync is
  // logged on stderr and tried again at the next period. With
  // `first_on_this_thread`, the first sync runs before Start returns (when
  // there is no history yet, so that the first records are named).
  void Start(bool first_on_this_thread = false);
  // Syncs once on the calling thread (with `accounts` instead of the
  // refresher's when given).
  Status SyncNow(InventorySyncReport* report, const std::vector<AwsConfig>* accounts = nullptr);

  uint64_t syncs() const;  // syncs that worked
  uint64_t failures() const;

 private:
  void Run(bool wait_first);
  void SyncAndLog(const std::vector<AwsConfig>* accounts = nullptr);

  std::shared_ptr<InventoryFile> file_;
  std::vector<AwsConfig> accounts_;
  std::vector<std::string> regions_;
  int64_t period_ms_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  uint64_t syncs_ = 0, failures_ = 0;
  std::thread thread_;
};

// One line saying what a sync did ("us-east-1: 12 interfaces, 20
// addresses; 2 new, 1 moved, 0 gone; history: 22 addresses, 23 ranges").
std::string DescribeSync(const std::vector<std::string>& regions, const InventorySyncReport& report);

}  // namespace flowdex
