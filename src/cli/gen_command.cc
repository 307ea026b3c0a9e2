#include <chrono>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "gen/flow_generator.h"
#include "inventory/inventory_history.h"
#include "util/file_util.h"
#include "util/time_util.h"

namespace flowdex {

int RunGenCommand(const GenCommandOptions& options) {
  FlowGenOptions gen;
  gen.records = options.records;
  gen.files = options.files;
  gen.out_dir = options.out_dir;
  gen.seed = options.seed;
  gen.compression_level = options.level;
  if (!options.start.empty()) {
    Status s = ParseTimeArg(options.start, static_cast<int64_t>(std::time(nullptr)), &gen.start);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex gen: --start: {}\n", s.message());
      return 2;
    }
    gen.start -= gen.start % 60;  // AWS windows start on whole minutes
  }
  Status s = FlowFormat::Parse(options.fields, &gen.format);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex gen: --fields: {}\n", s.message());
    return 2;
  }
  for (const std::string& spec : options.inject) {
    FlowInjection inj;
    s = ParseFlowInjection(spec, static_cast<int64_t>(std::time(nullptr)), &inj);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex gen: --inject {}\n", s.message());
      return 2;
    }
    gen.injections.push_back(std::move(inj));
  }
  const auto t0 = std::chrono::steady_clock::now();
  FlowGenerator generator(gen);
  if (!options.inventory.empty()) {
    InventoryHistory history;
    generator.Inventory(&history);
    const std::filesystem::path parent = std::filesystem::path(options.inventory).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    s = WriteFileAtomically(options.inventory, history.Serialize());
    if (!s.ok()) {
      fmt::print(stderr, "flowdex gen: --inventory: {}\n", s.message());
      return 1;
    }
    fmt::print(stderr, "flowdex gen: wrote the inventory of {} addresses ({} owner ranges) to {}\n",
               history.addresses(), history.ranges(), options.inventory);
    if (options.records == 0) return 0;  // the inventory of files made earlier with the same options
  }
  FlowGenResult result;
  s = generator.WriteAll(&result);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex gen: {}\n", s.message());
    return 1;
  }
  if (!options.labels.empty()) {
    std::string lines;
    for (const InjectedIncident& inc : generator.Incidents()) lines += inc.ToJson() + "\n";
    s = WriteFileAtomically(options.labels, lines);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex gen: --labels: {}\n", s.message());
      return 1;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(
      stderr, "flowdex gen: wrote {} records in {} files ({:.1f} MB gzip, {:.1f} MB text) below {} in {:.2f} s\n",
      result.records, result.paths.size(), result.gzip_bytes / 1e6, result.text_bytes / 1e6, options.out_dir, secs);
  return 0;
}

}  // namespace flowdex
