// FlowIngester: loads flow-log files into the store, in parallel, each file
// exactly once. Workers take files from a shared list, parse them into
// segments (FlowSegmentWriter) and commit a batch of whole files at a time,
// together with the files' source records. A file is thus either fully in the
// store or not at all; ingesting it again finds its source record and adds
// nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "enrich/address_enricher.h"
#include "flowlog/flow_format.h"
#include "schema/flow_index.h"
#include "store/store.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

struct IngestOptions {
  std::string index = std::string(kFlowIndex);
  const FlowFormat* user_format = nullptr;  // layout of files without a header
  int workers = 0;                          // 0: one per core
  uint64_t batch_rows = 2'000'000;          // commit once a worker holds this many rows
  size_t memory_budget = 512u << 20;        // all workers' segment buffers stay within this
  int zstd_level = 1;
  size_t bad_lines_kept = 10;    // the first few bad lines, for the summary
  int64_t retention_ms = 0;      // records older than now - retention are not stored
  CancellationToken cancel;      // stops after the files being read (nothing half committed)
  EnrichmentSources enrichment;  // what records are enriched from (--geoip-dir, --aws-ip-ranges)
  // --documents: dates in a mapping's own format (see DocumentWriter::DateParser).
  std::function<bool(const std::string& format, std::string_view text, int64_t* ms)> parse_date;
};

// Counters updated while ingest runs (read them from another thread for a
// progress display).
struct IngestProgress {
  std::atomic<uint64_t> total_bytes{0};  // of all input files
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> records{0};  // parsed (committed or about to be)
  std::atomic<uint64_t> files_done{0};
};

struct IngestSummary {
  uint64_t files = 0;              // files ingested now
  uint64_t files_skipped = 0;      // already in the store
  uint64_t files_failed = 0;       // missing, unreadable or damaged
  uint64_t records = 0;            // records committed
  uint64_t duplicate_records = 0;  // records of skipped files
  uint64_t expired_records = 0;    // older than the retention period, not stored
  uint64_t bad_lines = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_decoded = 0;
  uint64_t segments = 0;
  uint64_t bytes_on_disk = 0;                 // of the segments committed now
  std::vector<std::string> bad_line_samples;  // "file:line: reason"
  std::vector<std::string> errors;            // one per failed file
  bool cancelled = false;
};

// Ingests `files` (paths as given; folders already expanded) into `store`.
// Returns OK unless the store itself failed (a commit); problems with single
// files are counted in the summary and do not stop the others.
Status IngestFlowFiles(Store* store, const std::vector<std::string>& files, const IngestOptions& options,
                       IngestProgress* progress, IngestSummary* summary);

// The key a local file is known by in the store: its absolute, normalised path.
std::string SourceKeyForPath(const std::string& path);

}  // namespace flowdex
