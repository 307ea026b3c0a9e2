// The cost of one commit as the store grows (Google Benchmark): a worker or
// `serve --watch` commits once per object, so the bookkeeping per commit must
// not grow with the number of objects already ingested. Each iteration
// commits one new source into a store that already holds state.range(0).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/store.h"

namespace flowdex {
namespace {

SourceRecord Source(uint64_t i) {
  SourceRecord r;
  r.key =
      "s3://flow-logs-bucket/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/12/06/"
      "123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261206T0000Z_" +
      std::to_string(i) + ".log.gz";
  r.size = 60000;
  r.records = 10000;
  r.index = "logs-aws.vpcflow-default";
  return r;
}

void BM_CommitOneSource(benchmark::State& state) {
  const uint64_t existing = static_cast<uint64_t>(state.range(0));
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("flowdex_store_bench_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  {
    std::unique_ptr<Store> store;
    if (!Store::Open(dir, &store).ok()) return state.SkipWithError("open");
    CommitBatch batch;
    for (uint64_t i = 0; i < existing; ++i) batch.sources.push_back(Source(i));
    if (!store->Commit(batch).ok()) return state.SkipWithError("setup commit");
    uint64_t next = existing;
    for (auto _ : state) {
      CommitBatch one;
      one.sources.push_back(Source(next++));
      if (!store->Commit(one).ok()) return state.SkipWithError("commit");
    }
    state.counters["sources"] = static_cast<double>(next);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CommitOneSource)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace flowdex

BENCHMARK_MAIN();
