#include <unistd.h>
#include <cstdio>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "aws/sigv4.h"
#include "cli/commands.h"
#include "cli/human.h"
#include "cli/pipeline_setup.h"
#include "ingest/document_ingester.h"
#include "ingest/flow_ingester.h"
#include "io/path_walker.h"
#include "pipeline/cwl_backfill.h"
#include "pipeline/object_processor.h"
#include "pipeline/s3_backfill.h"
#include "query/date_math.h"
#include "rollup/rollup_maintainer.h"
#include "schema/flow_schema.h"
#include "store/store.h"
#include "util/byte_size.h"
#include "util/shutdown_signals.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// Brings the flow index's rollups up to date with what was just stored
// (dashboards read them; rollup/rollup_maintainer.h) and says what it did.
void UpdateRollups(Store* store, CancellationToken cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  RollupBuildStats stats;
  Status s = RollupAll(*store, RollupOptions{}, cancel, &stats);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex ingest: rollups: {} (searches read raw rows there)\n", s.ToString());
  } else if (stats.input_rows > 0) {
    fmt::print(stderr, "flowdex ingest: rollups: {} rows summed into {} rollup rows ({}); {:.2f} s\n", stats.input_rows,
               stats.output_rows, HumanBytes(stats.output_bytes), secs);
  }
}

// Redraws one status line on a terminal, or prints a line every few seconds
// otherwise, until `done` is set.
void ReportProgress(const IngestProgress& p, const std::atomic<bool>& done, bool tty) {
  const auto start = std::chrono::steady_clock::now();
  auto last_line = start;
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 200 : 250));
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - start).count();
    const uint64_t records = p.records.load(), read = p.bytes_read.load(), total = p.total_bytes.load();
    const double rate = secs > 0 ? static_cast<double>(records) / secs : 0;
    const double fraction = total > 0 ? std::min(1.0, static_cast<double>(read) / static_cast<double>(total)) : 0;
    const double eta = fraction > 0.01 ? secs / fraction - secs : 0;
    if (tty) {
      constexpr int kWidth = 24;
      const int filled = static_cast<int>(fraction * kWidth);
      fmt::print(stderr, "\r[{:=<{}}{:<{}}] {:3.0f}%  {} records  {}  {}/s  ETA {}   ", "", filled, "", kWidth - filled,
                 fraction * 100, HumanCount(records), HumanBytes(read), HumanCount(static_cast<uint64_t>(rate)),
                 HumanDuration(eta));
    } else if (now - last_line >= std::chrono::seconds(5)) {
      last_line = now;
      fmt::print(stderr, "ingest: {:.0f}% {} records {} read {}/s\n", fraction * 100, records, HumanBytes(read),
                 HumanCount(static_cast<uint64_t>(rate)));
    }
  }
  if (tty) fmt::print(stderr, "\r{:<100}\r", "");
}

// `flowdex ingest s3://bucket/prefix ... | cwl://LOG_GROUP ...`: the S3 and
// CloudWatch Logs backfills.
int RunRemoteIngest(const IngestCommandOptions& options) {
  FlowFormat user_format;
  if (!options.format.empty()) {
    Status s = FlowFormat::Parse(options.format, &user_format);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: --format: {}\n", s.message());
      return 2;
    }
  }
  ShutdownSignals signals;  // Ctrl-C: objects being stored finish, the rest wait for a resume
  SinkCommandOptions sink_options = options.sink;
  if (!options.index.empty()) sink_options.index = options.index;
  std::unique_ptr<Store> store;
  if (!IsRemoteSink(sink_options)) {
    StoreOptions so;
    so.background_work = true;
    Status s = Store::Open(options.data_dir, so, &store);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: {}\n", s.message());
      return 1;
    }
  }
  AwsConfig aws = MakeAwsConfig(options.aws, signals.token());
  std::unique_ptr<ObjectSink> sink;
  Status s =
      MakeSink(sink_options, aws, store.get(), options.format.empty() ? nullptr : &user_format, signals.token(), &sink);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex ingest: {}\n", s.message());
    return 2;
  }
  S3Client s3(aws);
  PipelineMetrics metrics;
  ObjectProcessor processor(&s3, sink.get(), options.key_pattern, &metrics);
  s = processor.Validate();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex ingest: {}\n", s.message());
    return 2;
  }
  int exit_code = 0;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t cwl_stored = 0, cwl_duplicates = 0;
  for (const std::string& url : options.inputs) {
    // One checkpoint per URL: beside the store, or in the working directory for a remote sink.
    auto checkpoint_for = [&](const std::string& stem) {
      if (!options.checkpoint.empty()) return options.checkpoint;
      const std::string name =
          fmt::format("{}-{}.checkpoint", stem, Sha256Hex(url + "\n" + sink_options.sink).substr(0, 12));
      if (store) {
        std::filesystem::create_directories(options.data_dir + "/backfill");
        return options.data_dir + "/backfill/" + name;
      }
      return "flowdex-backfill-" + name;
    };
    if (url.rfind("cwl://", 0) == 0) {
      CwlSource source;
      s = ParseCwlUrl(url, CurrentTimeMillis() / 1000, &source);
      if (!s.ok()) {
        fmt::print(stderr, "flowdex ingest: {}\n", s.message());
        return 2;
      }
      CwlBackfillOptions co;
      co.cancel = signals.token();
      co.page_limit = options.cwl_page_size;
      co.checkpoint_path = checkpoint_for("cwl");
      CwlBackfillSummary summary;
      s = RunCwlBackfill(aws, sink.get(), source, co, &summary);
      cwl_stored += summary.stored;
      cwl_duplicates += summary.duplicates;
      fmt::print(stderr,
                 "flowdex ingest: {}: {} events in {} pages{}{}: {} records stored, {} already there, {} bad lines; "
                 "checkpoint {}\n",
                 url, summary.events, summary.pages, summary.resumed ? ", resumed" : "",
                 summary.finished_pending ? " (finished a page an interrupted run left)" : "", summary.stored,
                 summary.duplicates, summary.bad_lines, co.checkpoint_path);
      if (!s.ok()) {
        fmt::print(stderr, "flowdex ingest: {}: {}\n", url, s.message());
        exit_code = 1;
      }
      continue;
    }
    std::string bucket, prefix;
    s = ParseS3Url(url, &bucket, &prefix);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: {}\n", s.message());
      return 2;
    }
    S3BackfillOptions bo;
    bo.workers = options.workers > 0 ? options.workers : 4;
    bo.cancel = signals.token();
    bo.checkpoint_path = checkpoint_for(bucket);
    S3BackfillSummary summary;
    s = RunS3Backfill(s3, &processor, bucket, prefix, bo, &summary);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: {}\n", s.message());
      exit_code = 1;
      continue;
    }
    fmt::print(stderr, "flowdex ingest: {}: {} objects listed{}, {} failed; checkpoint {} at '{}'\n", url,
               summary.listed, summary.resumed_after.empty() ? "" : " after '" + summary.resumed_after + "'",
               summary.failed, bo.checkpoint_path, summary.checkpoint);
    if (summary.failed > 0) exit_code = 1;
  }
  metrics.records_stored += cwl_stored;
  metrics.records_duplicate += cwl_duplicates;
  if (store && !signals.received()) UpdateRollups(store.get(), signals.token());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(stderr, "flowdex ingest: {} into {}; {:.2f} s, {}/s\n", metrics.Summary(false), sink->Describe(), secs,
             HumanCount(secs > 0 ? static_cast<uint64_t>(metrics.records_stored.load() / secs) : 0));
  if (signals.received()) return 130;
  return exit_code;
}

}  // namespace

int RunIngestCommand(const IngestCommandOptions& options) {
  size_t remote_inputs = 0;
  for (const std::string& in : options.inputs) remote_inputs += in.rfind("s3://", 0) == 0 || in.rfind("cwl://", 0) == 0;
  if (remote_inputs > 0) {
    if (remote_inputs != options.inputs.size()) {
      fmt::print(stderr, "flowdex ingest: give s3:// and cwl:// URLs and local paths in separate runs\n");
      return 2;
    }
    return RunRemoteIngest(options);
  }
  // Before any thread starts. Ctrl-C: files being read are dropped whole;
  // everything reported as indexed is stored.
  ShutdownSignals signals;
  FlowFormat user_format;
  IngestOptions ingest;
  ingest.parse_date = ReadMappingDate;
  ingest.index = options.index.empty() ? std::string(kFlowIndex) : options.index;
  if (options.documents && options.index.empty()) {
    fmt::print(stderr, "flowdex ingest: --documents needs --index NAME (the index the documents go to)\n");
    return 2;
  }
  ingest.workers = options.workers;
  ingest.batch_rows = options.batch_rows;
  if (Status gs = OpenEnrichment(options.sink.enrichment, options.data_dir, AwsConfig{}, &ingest.enrichment);
      !gs.ok()) {
    fmt::print(stderr, "flowdex ingest: {}\n", gs.message());
    return 2;
  }
  ingest.memory_budget = static_cast<size_t>(options.memory_mb) << 20;
  if (!options.format.empty()) {
    Status s = FlowFormat::Parse(options.format, &user_format);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: --format: {}\n", s.message());
      return 2;
    }
    ingest.user_format = &user_format;
  }
  std::vector<std::string> files;
  int exit_code = 0;
  Status s = options.documents ? ExpandInputPaths(options.inputs, DocumentFileSuffixes(), &files)
                               : ExpandInputPaths(options.inputs, &files);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex ingest: {}\n", s.message());
    exit_code = 1;
  }
  StoreOptions store_options;
  store_options.background_work = true;  // merges small segments while ingest runs
  if (!options.retention.empty()) {
    s = ParseDuration(options.retention, &store_options.retention_ms);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: --retention: {}\n", s.message());
      return 2;
    }
    ingest.retention_ms = store_options.retention_ms;
  }
  if (!options.max_disk.empty()) {
    s = ParseByteSize(options.max_disk, &store_options.max_disk_bytes);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex ingest: --max-disk: {}\n", s.message());
      return 2;
    }
  }
  std::unique_ptr<Store> store;
  s = Store::Open(options.data_dir, store_options, &store);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex ingest: {}\n", s.message());
    return 1;
  }

  ingest.cancel = signals.token();

  IngestProgress progress;
  IngestSummary summary;
  std::atomic<bool> done{false};
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::thread reporter([&] { ReportProgress(progress, done, tty); });
  const auto t0 = std::chrono::steady_clock::now();
  s = options.documents ? IngestDocumentFiles(store.get(), files, ingest, &progress, &summary)
                        : IngestFlowFiles(store.get(), files, ingest, &progress, &summary);
  done = true;
  reporter.join();
  if (s.ok() && !summary.cancelled && !options.documents) UpdateRollups(store.get(), signals.token());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  for (const std::string& e : summary.errors) fmt::print(stderr, "flowdex ingest: {}\n", e);
  if (summary.bad_lines > 0) {
    fmt::print(stderr, "bad lines: {} (first {}):\n", summary.bad_lines, summary.bad_line_samples.size());
    for (const std::string& b : summary.bad_line_samples) fmt::print(stderr, "  {}\n", b);
  }
  if (store_options.max_disk_bytes > 0) {
    size_t dropped = 0;
    Status limit = store->ApplySizeLimit(store_options.max_disk_bytes, &dropped);
    if (!limit.ok()) {
      fmt::print(stderr, "flowdex ingest: --max-disk: {}\n", limit.message());
    } else if (store->size_limit_dropped() > 0) {  // here or by the background thread
      fmt::print(stderr, "flowdex ingest: --max-disk {}: dropped the oldest days ({} segments)\n", options.max_disk,
                 store->size_limit_dropped());
    }
  }
  const auto version = store->Current();
  fmt::print(
      stderr,
      "flowdex ingest: {} records indexed from {} files into {} ({} segments); {} duplicate records skipped "
      "({} files already ingested); {}{} bad lines; read {} ({} of text), {} on disk ({:.2f}x the input); "
      "{:.2f} s, {}/s\n",
      summary.records, summary.files, ingest.index, summary.segments, summary.duplicate_records, summary.files_skipped,
      summary.expired_records ? fmt::format("{} records older than --retention skipped; ", summary.expired_records)
                              : std::string(),
      summary.bad_lines, HumanBytes(summary.bytes_read), HumanBytes(summary.bytes_decoded),
      HumanBytes(summary.bytes_on_disk),
      summary.bytes_read > 0 ? static_cast<double>(summary.bytes_on_disk) / summary.bytes_read : 0.0, secs,
      HumanCount(secs > 0 ? static_cast<uint64_t>(summary.records / secs) : 0));
  fmt::print(stderr, "flowdex ingest: {} now holds {} records in {} ({})\n", store->dir(), version->Rows(),
             HumanBytes(version->Bytes()), ingest.index);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex ingest: {}\n", s.message());
    return 1;
  }
  if (summary.cancelled) {
    fmt::print(stderr, "flowdex ingest: interrupted; everything reported above as indexed is stored\n");
    return 130;
  }
  return summary.files_failed > 0 ? 1 : exit_code;
}

}  // namespace flowdex
