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

// An incident planted into the generated traffic (`flowdex gen --inject
// KIND@TIME[:key=value,...]`), for measuring detections: what it is, when
// it starts, and the parameters that size it. Kinds and their parameters:
//   portscan           ports=1000: one outside source to one address on that many ports
//   sweep              targets=150, port=22: one outside source to that many private addresses
//   ssh-from-internet  port=22 (or 3389): one accepted connection from outside to a non-bastion address
//   exfil              gb=60: accepted bytes from one interface to one outside address
//   deny-spike         flows=2000: REJECTs on one interface over 20 minutes
//   new-country        ip=203.0.113.250: accepted flows to that (rare) outside address
struct FlowInjection {
  std::string kind;
  int64_t time = 0;  // Unix seconds
  std::vector<std::pair<std::string, std::string>> params;
  // The parameter's value, or `fallback`.
  std::string Param(const std::string& key, const std::string& fallback) const;
};

// Reads KIND@TIME[:key=value,...]; TIME as ParseTimeArg reads it, relative
// to `now_seconds`. InvalidArgument names what is wrong.
Status ParseFlowInjection(const std::string& spec, int64_t now_seconds, FlowInjection* out);

// What was planted, for scoring detections (one JSON object per line in
// `flowdex gen --labels`): the incident's kind, time range and who.
struct InjectedIncident {
  std::string kind;
  int64_t start = 0, end = 0;  // Unix seconds
  std::string source, destination, interface_id;
  int port = 0;
  uint64_t flows = 0;
  std::string ToJson() const;
};

struct FlowGenOptions {
  uint64_t records = 100000;  // total records over all files (header lines not counted)
  uint32_t files = 1;
  std::string out_dir;  // the AWSLogs/ tree is made below it
  uint64_t seed = 1;
  int64_t start = 1798761600;   // Unix seconds of the first file's window (2027-01-01T00:00Z)
  int64_t file_interval = 300;  // seconds covered by each file (AWS publishes every 5 minutes)
  FlowFormat format = FlowFormat::DefaultV2();
  int compression_level = 6;              // gzip level (libdeflate, 1..12)
  int threads = 0;                        // 0: one per core
  std::vector<FlowInjection> injections;  // planted into the file whose window holds their time
};

struct FlowGenResult {
  std::vector<std::string> paths;  // in file-index order
  uint64_t records = 0;            // injected records included
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

  // Appends file `index`'s text (header line, then its records, then the
  // records of injections whose time falls in its window) to *text.
  void FileText(uint32_t index, std::string* text) const;
  // What each injection planted (its records are in the files), in order.
  std::vector<InjectedIncident> Incidents() const;
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
