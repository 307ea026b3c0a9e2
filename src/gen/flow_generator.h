// Deterministic, realistic synthetic VPC flow logs, laid out as AWS delivers
// them to S3. Demos, tests and benchmarks all use it (`flowdex gen`).
//
// The same options (seed included) always give byte-identical files. Each file
// depends only on the seed and its index, so files can be made in parallel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flowlog/flow_format.h"
#include "util/status.h"

namespace flowdex {

struct FlowGenOptions {
  uint64_t records = 100000;  // total records over all files (header lines not counted)
  uint32_t files = 1;
  std::string out_dir;  // the AWSLogs/ tree is made below it
  uint64_t seed = 1;
  int64_t start = 1798761600;   // Unix seconds of the first file's window (2027-01-01T00:00Z)
  int64_t file_interval = 300;  // seconds covered by each file (AWS publishes every 5 minutes)
  FlowFormat format = FlowFormat::DefaultV2();
  int compression_level = 6;  // gzip level (libdeflate, 1..12)
  int threads = 0;            // 0: one per core
};

struct FlowGenResult {
  std::vector<std::string> paths;  // in file-index order
  uint64_t records = 0;
  uint64_t text_bytes = 0;
  uint64_t gzip_bytes = 0;
};

// The simulated network (accounts, VPCs, interfaces, talkers), built from a seed.
class FlowWorld;
class InventoryHistory;

class FlowGenerator {
 public:
  explicit FlowGenerator(const FlowGenOptions& options);
  ~FlowGenerator();
  FlowGenerator(const FlowGenerator&) = delete;
  FlowGenerator& operator=(const FlowGenerator&) = delete;

  // Appends file `index`'s text (header line, then its records) to *text.
  void FileText(uint32_t index, std::string* text) const;
  // Number of records in file `index` (records are split evenly, the first
  // files taking the remainder).
  uint64_t RecordsInFile(uint32_t index) const;
  // The S3 key of file `index`, relative to the output folder:
  // AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/{account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
  std::string FileKey(uint32_t index) const;

  // Writes every file below options.out_dir (each written to a temporary name
  // and renamed, so a watcher never sees half a file).
  Status WriteAll(FlowGenResult* result) const;

  // The simulated network's AWS inventory as `flowdex inventory sync` would
  // have kept it (docs/enrichment.md): every interface's addresses with an
  // instance named by its role ("web-3", "db-1"), security groups, subnet
  // and a named VPC; a first sync at the first file's start, and a second at
  // the middle of the files' time range, by which one instance in twenty
  // was replaced (its interface re-attached to a new instance, "web-3b").
  void Inventory(InventoryHistory* out) const;

 private:
  FlowGenOptions options_;
  std::unique_ptr<FlowWorld> world_;
};

}  // namespace flowdex
