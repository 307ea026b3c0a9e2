#include "ingest/flow_ingester.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "flowlog/flow_log_reader.h"
#include "gen/flow_generator.h"
#include "ingest/flow_segment_writer.h"
#include "schema/flow_schema.h"
#include "store/segment_reader.h"
#include "store/store_check.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

// Sums of what parsing the files gives, to compare with what is stored.
struct Totals {
  uint64_t records = 0, bytes = 0, rejects = 0, port_sum = 0;
};

class Tally final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext&) override {
    ++t.records;
    t.bytes += r.bytes();
    t.rejects += r.has(FlowField::kAction) && r.action() == FlowAction::kReject;
    t.port_sum += r.dst_port();
  }
  void OnBadLine(const LineContext&, const Status&) override {}
  Totals t;
};

Totals StoredTotals(const Store& store) {
  Totals t;
  for (const SegmentRef& ref : store.Current()->segments) {
    std::shared_ptr<SegmentReader> r;
    EXPECT_TRUE(store.OpenSegment(ref, &r).ok());
    t.records += r->rows();
    const int bytes = r->FindColumn("source.bytes"), action = r->FindColumn("event.action");
    const int port = r->FindColumn("destination.port");
    const std::vector<std::string>* dict = nullptr;
    EXPECT_TRUE(r->Dictionary(action, &dict).ok());
    for (size_t b = 0; b < r->block_count(); ++b) {
      ColumnBlock bb, ab, pb;
      EXPECT_TRUE(r->ReadBlock(bytes, b, &bb).ok());
      EXPECT_TRUE(r->ReadBlock(action, b, &ab).ok());
      EXPECT_TRUE(r->ReadBlock(port, b, &pb).ok());
      for (uint32_t i = 0; i < bb.rows; ++i) {
        if (bb.present(i)) t.bytes += bb.values[i];
        if (ab.present(i)) t.rejects += (*dict)[ab.values[i]] == "REJECT";
        if (pb.present(i)) t.port_sum += pb.values[i];
      }
    }
  }
  return t;
}

class FlowIngesterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("flowdex_ingest_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 150000;
    g.files = 6;
    g.seed = 5;
    g.out_dir = (root_ / "logs").string();
    ASSERT_TRUE(FlowFormat::Parse("v5", &g.format).ok());
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    files_ = result.paths;
    FlowLogReader reader;
    for (const auto& f : files_) {
      FlowReadStats stats;
      ASSERT_TRUE(reader.ReadFile(f, &expected_, &stats).ok());
    }
    ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }

  IngestSummary Ingest(const std::vector<std::string>& files, IngestOptions options = {}) {
    IngestProgress progress;
    IngestSummary summary;
    Status s = IngestFlowFiles(store_.get(), files, options, &progress, &summary);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return summary;
  }

  fs::path root_;
  std::vector<std::string> files_;
  Tally expected_;
  std::unique_ptr<Store> store_;
};

TEST_F(FlowIngesterTest, StoresEveryRecordExactlyOnce) {
  IngestOptions o;
  o.batch_rows = 40000;  // several commits
  IngestSummary s = Ingest(files_, o);
  EXPECT_EQ(s.files, 6u);
  EXPECT_EQ(s.records, 150000u);
  EXPECT_EQ(s.bad_lines, 0u);
  EXPECT_GT(s.segments, 1u);
  EXPECT_EQ(store_->Current()->Rows(kFlowIndex), 150000u);
  const Totals stored = StoredTotals(*store_);
  EXPECT_EQ(stored.records, expected_.t.records);
  EXPECT_EQ(stored.bytes, expected_.t.bytes);
  EXPECT_EQ(stored.rejects, expected_.t.rejects);
  EXPECT_EQ(stored.port_sum, expected_.t.port_sum);
  StoreCheckReport report;
  CheckStore(*store_, kSourceKeyColumn, "_doc_count", &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  EXPECT_EQ(report.rows_per_source.size(), 6u);
  // On disk: well under the gzip input.
  uint64_t gz = 0;
  for (const auto& f : files_) gz += fs::file_size(f);
  EXPECT_LT(store_->Current()->Bytes(), gz);
}

TEST_F(FlowIngesterTest, MemoryBudgetBoundsWhatABatchHolds) {
  IngestOptions o;
  o.workers = 1;
  o.memory_budget = 1;  // smaller than one file's buffers: commit after every file
  IngestSummary s = Ingest(files_, o);
  EXPECT_EQ(s.segments, files_.size());
  EXPECT_EQ(store_->Current()->Rows(), 150000u);
  StoreCheckReport report;
  CheckStore(*store_, kSourceKeyColumn, "_doc_count", &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
}

TEST_F(FlowIngesterTest, IngestingAgainAddsNothing) {
  Ingest({files_[0], files_[1]});
  const uint64_t rows = store_->Current()->Rows();
  IngestSummary s = Ingest(files_);  // two old, four new
  EXPECT_EQ(s.files_skipped, 2u);
  EXPECT_EQ(s.files, 4u);
  EXPECT_EQ(s.duplicate_records, rows);
  s = Ingest(files_);
  EXPECT_EQ(s.files, 0u);
  EXPECT_EQ(s.records, 0u);
  EXPECT_EQ(s.duplicate_records, 150000u);
  EXPECT_EQ(store_->Current()->Rows(), 150000u);
  // The same file named twice, or by another path, is one file.
  store_.reset();
  fs::remove_all(root_ / "data");
  ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
  const std::string other_name = (fs::path(files_[0]).parent_path() / "." / fs::path(files_[0]).filename()).string();
  s = Ingest({files_[0], other_name});
  EXPECT_EQ(s.files, 1u);
}

TEST_F(FlowIngesterTest, BadLinesAndDamagedFiles) {
  // A file with bad lines between good ones.
  const std::string bad = (root_ / "bad.log").string();
  {
    std::ofstream f(bad);
    f << "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
         "log-status\n"
      << "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1790000000 1790000010 ACCEPT OK\n"
      << "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1790000000 1790000010 MAYBE OK\n"
      << "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 10 1790000000 1790000010 ACCEPT OK\n";
  }
  // A truncated gzip file: the complete lines before the damage are kept.
  const std::string cut = (root_ / "cut.log.gz").string();
  fs::copy_file(files_[0], cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  IngestSummary s = Ingest({bad, cut, (root_ / "missing.log").string()});
  EXPECT_EQ(s.bad_lines, 2u);  // MAYBE, and the line the damage cut
  ASSERT_EQ(s.bad_line_samples.size(), 2u);
  EXPECT_NE(s.bad_line_samples[0].find("bad.log:3: bad action 'MAYBE'"), std::string::npos) << s.bad_line_samples[0];
  EXPECT_EQ(s.files_failed, 2u);  // the truncated one and the missing one
  ASSERT_EQ(s.errors.size(), 2u);
  std::sort(s.errors.begin(), s.errors.end());
  EXPECT_NE((s.errors[0] + s.errors[1]).find("truncated gzip"), std::string::npos);
  EXPECT_NE((s.errors[0] + s.errors[1]).find("missing.log"), std::string::npos);
  EXPECT_FALSE(store_->HasSource(SourceKeyForPath((root_ / "missing.log").string())));
  SourceRecord rec;
  ASSERT_TRUE(store_->HasSource(SourceKeyForPath(bad), &rec));
  EXPECT_EQ(rec.records, 2u);
  ASSERT_TRUE(store_->HasSource(SourceKeyForPath(cut), &rec));
  EXPECT_GT(rec.records, 1000u);
  EXPECT_LT(rec.records, 25000u);
  StoreCheckReport report;
  CheckStore(*store_, kSourceKeyColumn, "_doc_count", &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
}

TEST_F(FlowIngesterTest, CancelledIngestCommitsNothingPartial) {
  CancellationSource cancel;
  cancel.Cancel();
  IngestOptions o;
  o.cancel = cancel.token();
  IngestSummary s = Ingest(files_, o);
  EXPECT_TRUE(s.cancelled);
  EXPECT_EQ(store_->Current()->Rows(), 0u);
  EXPECT_TRUE(store_->Sources().empty());
  // Nothing half-written is left behind.
  store_.reset();
  ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
  size_t files = 0;
  if (fs::exists(root_ / "data" / "indices")) {
    for (auto& e : fs::recursive_directory_iterator(root_ / "data" / "indices")) files += e.is_regular_file();
  }
  EXPECT_EQ(files, 0u);
}

TEST_F(FlowIngesterTest, RetentionSkipsOldRecords) {
  // One file from ten days ago and one from an hour ago, with 7 days kept.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<std::string> paths;
  for (int64_t start : {now - 10 * 86400, now - 3600}) {
    FlowGenOptions g;
    g.records = 2000;
    g.start = start - start % 300;
    g.out_dir = (root_ / ("ret" + std::to_string(start))).string();
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    paths.push_back(result.paths[0]);
  }
  IngestOptions o;
  o.retention_ms = 7LL * 86400 * 1000;
  IngestSummary s = Ingest(paths, o);
  EXPECT_EQ(s.records, 2000u);
  EXPECT_EQ(s.expired_records, 2000u);
  EXPECT_EQ(store_->Current()->Rows(), 2000u);
  StoreCheckReport report;
  CheckStore(*store_, kSourceKeyColumn, "_doc_count", &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  // The old file counts as ingested: it is not read again.
  s = Ingest(paths, o);
  EXPECT_EQ(s.files_skipped, 2u);
}

TEST_F(FlowIngesterTest, PartitionsByDay) {
  FlowGenOptions g;
  g.records = 3000;
  g.files = 3;
  g.start = 1790035200 - 300;  // the last window of one day, then the next day
  g.out_dir = (root_ / "days").string();
  FlowGenResult result;
  ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
  Ingest(result.paths);
  std::set<std::string> partitions;
  for (const SegmentRef& r : store_->Current()->segments) partitions.insert(r.partition);
  EXPECT_EQ(partitions, (std::set<std::string>{"2026-09-21", "2026-09-22"}));
  for (const SegmentRef& r : store_->Current()->segments) {
    EXPECT_LE(r.min_time, r.max_time);
    EXPECT_EQ(PartitionName(r.min_time / 86400000), r.partition);
    EXPECT_EQ(PartitionName(r.max_time / 86400000), r.partition);
  }
}

}  // namespace
}  // namespace flowdex
