#include "ingest/flow_ingester.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "enrich/address_enricher.h"
#include "flowlog/flow_log_reader.h"
#include "ingest/flow_segment_writer.h"

namespace flowdex {

namespace fs = std::filesystem;

std::string SourceKeyForPath(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) p = fs::absolute(path).lexically_normal();
  return p.string();
}

namespace {

struct Shared {
  Store* store;
  const IngestOptions* options;
  IngestProgress* progress;
  std::mutex mu;  // guards summary and the store-wide status
  IngestSummary* summary;
  Status failure;           // a store failure stops everything
  CancellationSource stop;  // a failure or the caller's cancel stops every worker
};

class Worker {
 public:
  Worker(Shared* shared)
      : shared_(shared),
        writer_(shared->store, WriterOptions(*shared->options),
                [this](const LineContext& ctx, const Status& reason) { OnBadLine(ctx, reason); }) {
    FlowReadOptions ro;
    ro.user_format = shared->options->user_format;
    ro.line_text = false;  // documents without event.original
    ro.cancel = shared->stop.token();
    ro.on_progress = [this](uint64_t consumed) {
      shared_->progress->bytes_read.fetch_add(consumed - reported_bytes_, std::memory_order_relaxed);
      reported_bytes_ = consumed;
      const uint64_t rows = writer_.rows() + committed_rows_;
      shared_->progress->records.fetch_add(rows - reported_rows_, std::memory_order_relaxed);
      reported_rows_ = rows;
    };
    if (shared->options->enrichment.active()) {
      enricher_ = std::make_unique<AddressEnricher>(shared->options->enrichment);
      ro.enricher = enricher_.get();
    }
    reader_ = std::make_unique<FlowLogReader>(ro);
  }

  // Ingests one file into the open batch; commits when the batch is big.
  void Ingest(const std::string& path, const std::string& key) {
    writer_.BeginSource(key);
    FlowReadStats stats;
    const uint64_t expired_before = writer_.expired();
    reported_bytes_ = 0;
    bad_in_file_ = 0;
    Status s = reader_->ReadFile(path, &writer_, &stats);
    shared_->progress->bytes_read.fetch_add(stats.bytes_read - std::min(stats.bytes_read, reported_bytes_));
    if (s.IsCancelled()) return;
    if (!writer_.status().ok()) {
      Fail(writer_.status());
      return;
    }
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      IngestSummary& sum = *shared_->summary;
      sum.bytes_read += stats.bytes_read;
      sum.bytes_decoded += stats.bytes_decoded;
      sum.bad_lines += stats.bad_lines;
      if (!s.ok()) {
        ++sum.files_failed;
        sum.errors.push_back(std::string(s.message()));
      }
    }
    // A damaged file keeps the records read before the damage (as `parse`
    // does); a file that could not be opened adds nothing.
    if (!s.ok() && stats.bytes_decoded == 0) return;
    SourceRecord src;
    src.key = key;
    src.size = stats.bytes_read;
    src.records = stats.records - (writer_.expired() - expired_before);  // rows stored
    src.bad_lines = stats.bad_lines;
    src.index = shared_->options->index;
    if (enricher_ != nullptr) src.enrichment = enricher_->sources_description();
    pending_sources_.push_back(std::move(src));
    pending_files_ += s.ok() ? 1 : 0;
    shared_->progress->files_done.fetch_add(1);
    // Segment buffers grow with distinct values and postings, and with the
    // number of day partitions a batch spans: commit before the budget.
    if (writer_.rows() >= shared_->options->batch_rows || writer_.memory_usage() >= memory_share_) Commit();
  }

  // Commits the open batch.
  void Commit() {
    if (pending_sources_.empty()) return;
    CommitBatch batch;
    const uint64_t rows = writer_.rows();
    const uint64_t expired = writer_.expired() - expired_reported_;
    Status s = writer_.Finish(&batch);
    batch.sources = std::move(pending_sources_);
    pending_sources_.clear();
    if (s.ok()) s = shared_->store->Commit(batch);
    if (!s.ok()) {
      Fail(s);
      return;
    }
    committed_rows_ += rows;
    expired_reported_ += expired;
    std::lock_guard<std::mutex> lock(shared_->mu);
    IngestSummary& sum = *shared_->summary;
    sum.expired_records += expired;
    sum.files += pending_files_;
    pending_files_ = 0;
    sum.records += rows;
    sum.segments += batch.segments.size();
    for (const SegmentRef& r : batch.segments) sum.bytes_on_disk += r.bytes;
  }

  void Abandon() {
    writer_.Abandon();
    pending_sources_.clear();
  }

  void set_memory_share(size_t bytes) { memory_share_ = bytes; }

 private:
  static FlowSegmentWriter::Options WriterOptions(const IngestOptions& o) {
    FlowSegmentWriter::Options w;
    w.index = o.index;
    w.zstd_level = o.zstd_level;
    w.ingest_time_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    if (o.retention_ms > 0) w.min_time_ms = w.ingest_time_ms - o.retention_ms;
    return w;
  }

  void OnBadLine(const LineContext& ctx, const Status& reason) {
    if (++bad_in_file_ > shared_->options->bad_lines_kept) return;
    std::lock_guard<std::mutex> lock(shared_->mu);
    auto& samples = shared_->summary->bad_line_samples;
    if (samples.size() < shared_->options->bad_lines_kept) {
      samples.push_back(fmt::format("{}:{}: {}", ctx.source, ctx.line_number, reason.message()));
    }
  }

  void Fail(const Status& s) {
    Abandon();
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->failure.ok()) shared_->failure = s;
    shared_->stop.Cancel();
  }

  Shared* shared_;
  FlowSegmentWriter writer_;
  std::unique_ptr<AddressEnricher> enricher_;
  std::unique_ptr<FlowLogReader> reader_;
  std::vector<SourceRecord> pending_sources_;
  uint64_t pending_files_ = 0;
  uint64_t reported_bytes_ = 0, reported_rows_ = 0, committed_rows_ = 0, expired_reported_ = 0;
  size_t bad_in_file_ = 0;
  size_t memory_share_ = SIZE_MAX;  // this worker's part of the memory budget
};

}  // namespace

Status IngestFlowFiles(Store* store, const std::vector<std::string>& files, const IngestOptions& options,
                       IngestProgress* progress, IngestSummary* summary) {
  Status s = ValidateIndexName(options.index);
  if (!s.ok()) return s;
  // One entry per distinct file; files already in the store are skipped.
  std::vector<std::pair<std::string, std::string>> todo;  // path, key
  std::set<std::string> seen;
  for (const std::string& path : files) {
    const std::string key = path == "-" ? "<stdin>" : SourceKeyForPath(path);
    if (!seen.insert(key).second) continue;
    SourceRecord done;
    if (key != "<stdin>" && store->HasSource(key, &done)) {
      ++summary->files_skipped;
      summary->duplicate_records += done.records;
      continue;
    }
    struct stat st;
    if (path != "-" && ::stat(path.c_str(), &st) == 0) progress->total_bytes += static_cast<uint64_t>(st.st_size);
    todo.emplace_back(path, key);
  }

  Shared shared;
  shared.store = store;
  shared.options = &options;
  shared.progress = progress;
  shared.summary = summary;
  std::atomic<size_t> next{0};
  int workers = options.workers > 0 ? options.workers : static_cast<int>(std::thread::hardware_concurrency());
  workers = std::max(1, std::min<int>(workers, static_cast<int>(todo.size())));
  auto run = [&] {
    Worker worker(&shared);
    // Half the budget for segment buffers, the rest for reading, merging
    // and the allocator's slack.
    worker.set_memory_share(options.memory_budget / 2 / static_cast<size_t>(workers));
    for (size_t i = next++; i < todo.size(); i = next++) {
      if (shared.stop.cancelled() || options.cancel.cancelled()) break;
      worker.Ingest(todo[i].first, todo[i].second);
    }
    if (shared.stop.cancelled() || options.cancel.cancelled()) {
      worker.Abandon();  // whole files only: an interrupted batch is not committed
    } else {
      worker.Commit();
    }
  };
  // Propagate the caller's cancel flag to the readers.
  std::thread watcher;
  std::atomic<bool> finished{false};
  if (options.cancel.flag() != nullptr) {
    watcher = std::thread([&] {
      while (!finished) {
        if (options.cancel.cancelled()) shared.stop.Cancel();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  std::vector<std::thread> pool;
  for (int i = 1; i < workers; ++i) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
  finished = true;
  if (watcher.joinable()) watcher.join();
  summary->cancelled = options.cancel.cancelled();
  return shared.failure;
}

}  // namespace flowdex
