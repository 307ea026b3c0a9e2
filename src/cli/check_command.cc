#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/human.h"
#include "ingest/flow_columns.h"
#include "store/store.h"
#include "store/store_check.h"

namespace flowdex {

int RunCheckCommand(const CheckCommandOptions& options) {
  std::unique_ptr<Store> store;
  Status s = Store::Open(options.data_dir, &store);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex check: {}\n", s.message());
    return 1;
  }
  StoreCheckReport report;
  CheckStore(*store, kSourceKeyColumn, &report);
  for (const std::string& p : report.problems) fmt::print(stderr, "flowdex check: {}\n", p);
  fmt::print("{}: {} segments, {} rows, {} blocks read, {}; {} sources, each stored {}\n", store->dir(),
             report.segments, report.rows, report.blocks, HumanBytes(report.bytes), store->Sources().size(),
             report.problems.empty() ? "exactly once: OK" : "with PROBLEMS");
  return report.problems.empty() ? 0 : 1;
}

}  // namespace flowdex
