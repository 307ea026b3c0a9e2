#include "rollup/rollup_maintainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "gen/flow_generator.h"
#include "ingest/flow_ingester.h"
#include "schema/flow_index.h"
#include "schema/flow_schema.h"
#include "store/segment_builder.h"
#include "store/segment_reader.h"
#include "store/store_check.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class RollupMaintainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("flowdex_rollup_test_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 24000;
    g.files = 12;
    g.file_interval = 1800;
    g.out_dir = (root_ / "logs").string();
    ASSERT_TRUE(FlowFormat::Parse("v5", &g.format).ok());
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    paths_ = result.paths;
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }
  void Open(StoreOptions options = {}) { ASSERT_TRUE(Store::Open((root_ / "data").string(), options, &store_).ok()); }
  void Ingest(size_t from, size_t to) {
    IngestOptions o;
    o.workers = 1;
    o.batch_rows = 1000;  // several segments per partition
    IngestProgress progress;
    IngestSummary summary;
    std::vector<std::string> paths(paths_.begin() + from, paths_.begin() + to);
    ASSERT_TRUE(IngestFlowFiles(store_.get(), paths, o, &progress, &summary).ok());
  }
  // Sum of a column over segments (rows without it count `absent`).
  uint64_t Sum(const std::vector<SegmentRef>& refs, std::string_view column, uint64_t absent) {
    uint64_t sum = 0;
    for (const SegmentRef& r : refs) {
      std::shared_ptr<SegmentReader> seg;
      EXPECT_TRUE(store_->OpenSegment(r, &seg).ok());
      const int c = seg->FindColumn(column);
      for (size_t b = 0; b < seg->block_count(); ++b) {
        ColumnBlock block;
        if (c < 0) {
          sum += absent * std::min<uint64_t>(kRowsPerBlock, seg->rows() - b * kRowsPerBlock);
          continue;
        }
        EXPECT_TRUE(seg->ReadBlock(c, b, &block).ok());
        for (uint32_t i = 0; i < block.rows; ++i) sum += block.present(i) ? block.values[i] : absent;
      }
    }
    return sum;
  }
  std::vector<SegmentRef> RollupsNamed(const StoreVersion& v, std::string_view name) {
    std::vector<SegmentRef> out;
    for (const SegmentRef& r : v.rollups) {
      if (r.rollup == name) out.push_back(r);
    }
    return out;
  }

  fs::path root_;
  std::vector<std::string> paths_;
  std::unique_ptr<Store> store_;
};

TEST_F(RollupMaintainerTest, EveryRollupHoldsEveryFlowOnce) {
  Open();
  Ingest(0, paths_.size());
  RollupBuildStats stats;
  ASSERT_TRUE(RollupAll(*store_, {}, {}, &stats).ok());
  const auto v = store_->Current();
  EXPECT_EQ(stats.input_rows, v->Rows());
  for (const SegmentRef& r : v->segments) EXPECT_EQ(r.rollup_version, kRollupVersion);
  const uint64_t bytes = Sum(v->segments, FlowColumnFor(FlowField::kBytes).name, 0);
  const uint64_t packets = Sum(v->segments, FlowColumnFor(FlowField::kPackets).name, 0);
  for (const RollupSpec& spec : FlowRollups()) {
    const std::vector<SegmentRef> refs = RollupsNamed(*v, spec.name);
    ASSERT_FALSE(refs.empty()) << spec.name;
    uint64_t rows = 0;
    for (const SegmentRef& r : refs) {
      rows += r.rows;
      EXPECT_EQ(r.rollup_version, kRollupVersion);
      EXPECT_EQ(r.min_time % spec.resolution_ms, 0);
    }
    EXPECT_LT(rows, v->Rows()) << spec.name;  // groups, not flows
    EXPECT_EQ(Sum(refs, kDocCountColumn, 1), v->Rows()) << spec.name;
    EXPECT_EQ(Sum(refs, FlowColumnFor(FlowField::kBytes).name, 0), bytes) << spec.name;
    EXPECT_EQ(Sum(refs, FlowColumnFor(FlowField::kPackets).name, 0), packets) << spec.name;
  }
  bool again = true;
  ASSERT_TRUE(RollupOnce(*store_, {}, {}, &again).ok());
  EXPECT_FALSE(again);  // nothing left to do
  StoreCheckReport report;
  CheckStore(*store_, kSourceKeyColumn, kDocCountColumn, &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  EXPECT_EQ(report.rollup_segments, v->rollups.size());
}

// A segment whose dimension columns have other types than the rollups'
// (documents indexed into the flow index store integers as int64) stays
// raw, and the partitions after it are still rolled up.
TEST_F(RollupMaintainerTest, SegmentsOfOtherTypesStayRawAndHoldUpNothing) {
  Open();
  SegmentRef doc;
  std::string path;
  ASSERT_TRUE(store_->NewSegment(std::string(kFlowIndex), "2000-01-01", &doc, &path).ok());
  SegmentBuilder::Options options;
  options.time_column = std::string(kTimestampColumn);
  std::unique_ptr<SegmentBuilder> b;
  ASSERT_TRUE(SegmentBuilder::Create(path, options, &b).ok());
  const int time = b->AddColumn(kTimestampColumn, ColumnType::kTimestamp);
  const int port = b->AddColumn(FlowColumnFor(FlowField::kDstPort).name, ColumnType::kInt64);
  b->SetInteger(time, 946'684'800'000);
  b->SetInteger(port, 443);
  ASSERT_TRUE(b->FinishRow().ok());
  ASSERT_TRUE(FinishSegment(b.get(), &doc).ok());
  ASSERT_TRUE(store_->ReplaceSegments({}, {doc}).ok());
  Ingest(0, paths_.size());

  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  const auto v = store_->Current();
  for (const SegmentRef& r : v->segments) {
    EXPECT_EQ(r.rollup_version, r.id == doc.id ? 0u : kRollupVersion) << r.partition;
  }
  EXPECT_EQ(Sum(RollupsNamed(*v, "ports"), kDocCountColumn, 1), v->Rows() - 1);
  bool again = true;
  ASSERT_TRUE(RollupOnce(*store_, {}, {}, &again).ok());
  EXPECT_FALSE(again);
}

TEST_F(RollupMaintainerTest, CheckFindsRowsTheRollupsMiss) {
  Open();
  Ingest(0, 2);
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  Ingest(2, 3);
  // Marked as rolled up, but in no rollup.
  RollupChange lie;
  lie.version = kRollupVersion;
  lie.raw_ids.push_back(store_->Current()->segments.back().id);
  ASSERT_TRUE(store_->ReplaceRollups(lie).ok());
  StoreCheckReport report;
  CheckStore(*store_, kSourceKeyColumn, kDocCountColumn, &report);
  std::set<std::string> rollups;  // an hour of rows: hourly ones only
  for (const SegmentRef& r : store_->Current()->rollups) rollups.insert(r.rollup);
  ASSERT_EQ(report.problems.size(), rollups.size());
  EXPECT_NE(report.problems[0].find("raw rows are rolled up"), std::string::npos) << report.problems[0];
}

TEST_F(RollupMaintainerTest, ManyRoundsAreMergedAndKeepTheirCounts) {
  Open();
  RollupOptions options;
  options.max_segments_per_partition = 3;
  for (size_t i = 0; i < paths_.size(); ++i) {
    Ingest(i, i + 1);
    ASSERT_TRUE(RollupAll(*store_, options, {}).ok());
  }
  const auto v = store_->Current();
  std::map<std::pair<std::string, std::string>, size_t> per_partition;
  for (const SegmentRef& r : v->rollups) ++per_partition[{r.partition, r.rollup}];
  for (const auto& [key, n] : per_partition) EXPECT_LE(n, options.max_segments_per_partition) << key.second;
  for (const RollupSpec& spec : FlowRollups()) {
    EXPECT_EQ(Sum(RollupsNamed(*v, spec.name), kDocCountColumn, 1), v->Rows()) << spec.name;
  }
}

// A store rolled up before daily rollups existed has hourly rollups only:
// the daily ones are grouped from them before new rows are rolled up into
// the partition, so that they hold every flow, not only the new ones.
TEST_F(RollupMaintainerTest, PartitionsRolledUpBeforeDailyRollupsGetThem) {
  Open();
  Ingest(0, 10);  // five hours
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  RollupChange drop;  // as the store was before
  for (const SegmentRef& r : store_->Current()->rollups) {
    if (FindRollup(r.rollup)->resolution_ms == kRollupDayMs) drop.removed.push_back(r.id);
  }
  ASSERT_FALSE(drop.removed.empty());
  ASSERT_TRUE(store_->ReplaceRollups(drop).ok());
  Ingest(6, paths_.size());
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  const auto v = store_->Current();
  const uint64_t bytes = Sum(v->segments, FlowColumnFor(FlowField::kBytes).name, 0);
  for (const RollupSpec& spec : FlowRollups()) {
    const std::vector<SegmentRef> refs = RollupsNamed(*v, spec.name);
    EXPECT_EQ(Sum(refs, kDocCountColumn, 1), v->Rows()) << spec.name;
    EXPECT_EQ(Sum(refs, FlowColumnFor(FlowField::kBytes).name, 0), bytes) << spec.name;
  }
  // A daily rollup built from hourly segments that are gone meanwhile is refused.
  RollupChange stale;
  stale.kept.push_back(drop.removed.front());
  EXPECT_EQ(store_->ReplaceRollups(stale).code(), Status::Code::kConflict);
}

// A partition whose rows span an hour has no daily rollups (they would
// hold as many rows as the hourly ones); once it spans more hours, they
// hold every flow of it.
TEST_F(RollupMaintainerTest, DailyRollupsWaitForHoursOfRows) {
  Open();
  Ingest(0, 2);
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  for (const SegmentRef& r : store_->Current()->rollups) {
    EXPECT_EQ(FindRollup(r.rollup)->resolution_ms, kRollupHourMs) << r.rollup;
  }
  Ingest(2, paths_.size());
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  const auto v = store_->Current();
  for (const RollupSpec& spec : FlowRollups()) {
    EXPECT_EQ(Sum(RollupsNamed(*v, spec.name), kDocCountColumn, 1), v->Rows()) << spec.name;
  }
}

TEST_F(RollupMaintainerTest, SegmentsWithDeletedRowsStayRaw) {
  Open();
  Ingest(0, 2);
  CommitBatch remove;
  remove.deletes.emplace_back(store_->Current()->segments.front().id, 3);
  ASSERT_TRUE(store_->Commit(remove).ok());
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
  const auto v = store_->Current();
  EXPECT_EQ(v->segments.front().rollup_version, 0u);
  for (const RollupSpec& spec : FlowRollups()) {
    if (spec.resolution_ms == kRollupDayMs) continue;  // an hour of rows: none
    EXPECT_EQ(Sum(RollupsNamed(*v, spec.name), kDocCountColumn, 1), v->Rows() + 1 - v->segments.front().rows)
        << spec.name;
  }
}

TEST_F(RollupMaintainerTest, AMergeOfSegmentsRolledUpMeanwhileIsRefused) {
  Open();
  Ingest(0, 1);
  const SegmentRef input = store_->Current()->segments.front();  // what a merge read: not rolled up
  ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());                  // ...rolled up while it ran
  SegmentRef merged;
  std::string path;
  ASSERT_TRUE(store_->NewSegment(input.index, input.partition, &merged, &path).ok());
  merged.rollup_version = input.rollup_version;
  const Status s = store_->ReplaceSegments({input.id}, {merged});
  EXPECT_EQ(s.code(), Status::Code::kConflict) << s.ToString();  // else its rows would count twice
  EXPECT_EQ(store_->Current()->segments.front().id, input.id);
}

TEST_F(RollupMaintainerTest, TheBackgroundTaskFollowsCommits) {
  StoreOptions options;
  options.background_work = true;
  options.background_tasks.push_back(RollupTask());
  Open(options);
  Ingest(0, 3);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool rolled = false;
  while (!rolled && std::chrono::steady_clock::now() < deadline) {
    const auto v = store_->Current();
    rolled = !v->segments.empty() && std::all_of(v->segments.begin(), v->segments.end(), [](const SegmentRef& r) {
      return r.rollup_version == kRollupVersion;
    });
    if (!rolled) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(rolled);
  const auto v = store_->Current();
  EXPECT_EQ(Sum(RollupsNamed(*v, "context"), kDocCountColumn, 1), v->Rows());
}

}  // namespace
}  // namespace flowdex
