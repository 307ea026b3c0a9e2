#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "store/segment_builder.h"
#include "store/segment_merger.h"
#include "store/segment_reader.h"
#include "store/store_check.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("flowdex_store_test_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a one-column segment of `rows` rows from `source`.
  SegmentRef WriteSegment(Store* store, const std::string& source, uint64_t rows,
                          const std::string& partition = "2026-11-27") {
    SegmentRef ref;
    std::string path;
    EXPECT_TRUE(store->NewSegment("logs-test", partition, &ref, &path).ok());
    std::unique_ptr<SegmentBuilder> b;
    EXPECT_TRUE(SegmentBuilder::Create(path, {}, &b).ok());
    const int ts = b->AddColumn("@timestamp", ColumnType::kTimestamp);
    const int src = b->AddColumn("_src", ColumnType::kKeyword);
    for (uint64_t i = 0; i < rows; ++i) {
      b->SetInteger(ts, 1790000000000 + i);
      b->SetKeyword(src, source);
      EXPECT_TRUE(b->FinishRow().ok());
    }
    SegmentMeta meta;
    EXPECT_TRUE(b->Finish(&meta).ok());
    ref.rows = meta.rows;
    ref.bytes = b->file_bytes();
    ref.min_time = meta.min_time;
    ref.max_time = meta.max_time;
    return ref;
  }

  CommitBatch Batch(const SegmentRef& ref, const std::string& source) {
    CommitBatch batch;
    batch.segments.push_back(ref);
    SourceRecord s;
    s.key = source;
    s.records = ref.rows;
    s.index = ref.index;
    batch.sources.push_back(s);
    return batch;
  }

  std::string dir_;
};

TEST_F(StoreTest, CommitIsVisibleAndSurvivesReopen) {
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir_, &store).ok());
    EXPECT_EQ(store->Current()->segments.size(), 0u);
    SegmentRef ref = WriteSegment(store.get(), "a.log", 1000);
    ASSERT_TRUE(store->Commit(Batch(ref, "a.log")).ok());
    EXPECT_EQ(store->Current()->Rows(), 1000u);
    EXPECT_TRUE(store->HasSource("a.log"));
    EXPECT_FALSE(store->HasSource("b.log"));
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  EXPECT_EQ(store->Current()->Rows(), 1000u);
  EXPECT_EQ(store->Current()->Rows("logs-test"), 1000u);
  EXPECT_EQ(store->Current()->Rows("other"), 0u);
  SourceRecord rec;
  ASSERT_TRUE(store->HasSource("a.log", &rec));
  EXPECT_EQ(rec.records, 1000u);
  StoreCheckReport report;
  CheckStore(*store, "_src", "_doc_count", &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  EXPECT_EQ(report.rows_per_source["a.log"], 1000u);
}

TEST_F(StoreTest, SnapshotsDoNotChange) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "a", 10), "a")).ok());
  auto before = store->Current();
  ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "b", 20), "b")).ok());
  EXPECT_EQ(before->Rows(), 10u);
  EXPECT_EQ(store->Current()->Rows(), 30u);
  EXPECT_GT(store->Current()->generation, before->generation);
}

TEST_F(StoreTest, UncommittedSegmentsAreRemovedOnOpen) {
  std::string orphan;
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir_, &store).ok());
    ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "a", 10), "a")).ok());
    SegmentRef finished = WriteSegment(store.get(), "b", 10);  // written, never committed
    orphan = store->SegmentPath(finished);
    // Half written, as if the process died while writing it.
    SegmentRef half;
    std::string half_path;
    ASSERT_TRUE(store->NewSegment("logs-test", "2026-11-27", &half, &half_path).ok());
    std::ofstream(half_path) << "FLXSEG1\npartial block bytes";
    ASSERT_TRUE(fs::exists(orphan));
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  EXPECT_FALSE(fs::exists(orphan));
  size_t files = 0;
  for (auto& e : fs::recursive_directory_iterator(fs::path(dir_) / "indices")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(store->Current()->Rows(), 10u);
  // New segments never reuse a committed id.
  SegmentRef ref = WriteSegment(store.get(), "d", 1);
  EXPECT_GT(ref.id, store->Current()->segments[0].id);
}

TEST_F(StoreTest, OneProcessAtATime) {
  std::unique_ptr<Store> a, b;
  ASSERT_TRUE(Store::Open(dir_, &a).ok());
  Status s = Store::Open(dir_, &b);
  EXPECT_EQ(s.code(), Status::Code::kConflict);
  EXPECT_NE(s.message().find("in use"), std::string::npos);
  a.reset();
  EXPECT_TRUE(Store::Open(dir_, &b).ok());
}

TEST_F(StoreTest, SourcesAreCommittedOnce) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "a", 5), "a")).ok());
  EXPECT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "a", 5), "a")).IsAlreadyExists());
  EXPECT_EQ(store->Current()->Rows(), 5u);
}

TEST_F(StoreTest, DamagedManifestIsReportedNotIgnored) {
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir_, &store).ok());
    ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "a", 5), "a")).ok());
  }
  std::string current;
  std::ifstream(dir_ + "/CURRENT") >> current;
  const std::string manifest = dir_ + "/" + current;
  fs::resize_file(manifest, fs::file_size(manifest) - 3);
  std::unique_ptr<Store> store;
  Status s = Store::Open(dir_, &store);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find(current), std::string::npos) << s.message();
}

TEST_F(StoreTest, CheckFindsDamagedBlocks) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  SegmentRef ref = WriteSegment(store.get(), "a", 100000);
  ASSERT_TRUE(store->Commit(Batch(ref, "a")).ok());
  {
    std::fstream f(store->SegmentPath(ref), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  StoreCheckReport report;
  CheckStore(*store, "_src", "_doc_count", &report);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems[0].find("checksum mismatch"), std::string::npos) << report.problems[0];
}

TEST_F(StoreTest, MergesSmallSegmentsKeepingEveryRow) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  std::vector<std::string> old_files;
  for (int i = 0; i < 6; ++i) {
    const std::string src = std::string("file") + std::to_string(i);
    SegmentRef ref = WriteSegment(store.get(), src, 30000 + i * 1000);
    old_files.push_back(store->SegmentPath(ref));
    ASSERT_TRUE(store->Commit(Batch(ref, src)).ok());
  }
  const uint64_t rows = store->Current()->Rows();
  auto before = store->Current();  // a reader's snapshot, taken before the merge
  MergePolicy policy;
  policy.min_inputs = 4;
  bool merged = false;
  ASSERT_TRUE(store->MergeOnce(policy, &merged).ok());
  ASSERT_TRUE(merged);
  EXPECT_EQ(store->Current()->segments.size(), 1u);
  EXPECT_EQ(store->Current()->Rows(), rows);
  StoreCheckReport report;
  CheckStore(*store, "_src", "_doc_count", &report);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  EXPECT_EQ(report.rows_per_source["file5"], 35000u);
  // The old snapshot still reads: its files stay until it is released.
  for (const std::string& f : old_files) EXPECT_TRUE(fs::exists(f)) << f;
  std::shared_ptr<SegmentReader> reader;
  ASSERT_TRUE(store->OpenSegment(before->segments[0], &reader).ok());
  before.reset();
  ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), "late", 10), "late")).ok());
  for (const std::string& f : old_files) EXPECT_FALSE(fs::exists(f)) << f;
  // Nothing left to merge.
  ASSERT_TRUE(store->MergeOnce(policy, &merged).ok());
  EXPECT_FALSE(merged);
  // And it all survives a reopen.
  store.reset();
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  EXPECT_EQ(store->Current()->Rows(), rows + 10);
}

TEST_F(StoreTest, BackgroundWorkMergesAfterCommits) {
  StoreOptions options;
  options.background_work = true;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, options, &store).ok());
  for (int i = 0; i < 5; ++i) {
    const std::string src = std::string("f") + std::to_string(i);
    ASSERT_TRUE(store->Commit(Batch(WriteSegment(store.get(), src, 1000), src)).ok());
  }
  for (int wait = 0; wait < 200 && store->Current()->segments.size() > 2; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LE(store->Current()->segments.size(), 2u);
  EXPECT_EQ(store->Current()->Rows(), 5000u);
}

TEST_F(StoreTest, RetentionDropsWholeOldPartitions) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  auto write = [&](const std::string& partition, const std::string& src) {
    SegmentRef ref;
    std::string path;
    EXPECT_TRUE(store->NewSegment("logs-test", partition, &ref, &path).ok());
    std::unique_ptr<SegmentBuilder> b;
    EXPECT_TRUE(SegmentBuilder::Create(path, {}, &b).ok());
    b->AddColumn("_src", ColumnType::kKeyword);
    b->SetKeyword(0, src);
    EXPECT_TRUE(b->FinishRow().ok());
    SegmentMeta meta;
    EXPECT_TRUE(b->Finish(&meta).ok());
    ref.rows = 1;
    EXPECT_TRUE(store->Commit(Batch(ref, src)).ok());
  };
  write("2026-10-01", "a");
  write("2026-10-20", "b");
  write("2026-10-27", "c");
  int64_t now = 0;
  ASSERT_TRUE(ParsePartitionDay("2026-10-28", &now));
  now += 12 * 3600 * 1000;  // noon
  size_t dropped = 0;
  ASSERT_TRUE(store->ApplyRetention(now, 7LL * 86400 * 1000, &dropped).ok());
  EXPECT_EQ(dropped, 2u);  // 10-01 and 10-20 ended more than 7 days ago; 10-27 did not
  ASSERT_EQ(store->Current()->segments.size(), 1u);
  EXPECT_EQ(store->Current()->segments[0].partition, "2026-10-27");
  ASSERT_TRUE(store->ApplyRetention(now, 0, &dropped).ok());
  EXPECT_EQ(dropped, 0u) << "no retention configured";
}

TEST_F(StoreTest, SizeLimitDropsOldestDaysFirstAndKeepsTheNewest) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  std::map<std::string, uint64_t> day_bytes;
  uint64_t total = 0;
  int n = 0;
  for (const std::string day : {"2026-10-03", "2026-10-01", "2026-10-02", "2026-10-01"}) {
    const std::string src = "f" + std::to_string(n++);
    SegmentRef ref = WriteSegment(store.get(), src, 2000, day);
    ASSERT_GT(ref.bytes, 0u);
    day_bytes[day] += ref.bytes;
    total += ref.bytes;
    ASSERT_TRUE(store->Commit(Batch(ref, src)).ok());
  }
  auto days = [&] {
    std::set<std::string> d;
    for (const SegmentRef& r : store->Current()->segments) d.insert(r.partition);
    return d;
  };
  size_t dropped = 9;
  ASSERT_TRUE(store->ApplySizeLimit(total, &dropped).ok());
  EXPECT_EQ(dropped, 0u) << "within the limit";
  ASSERT_TRUE(store->ApplySizeLimit(0, &dropped).ok());
  EXPECT_EQ(dropped, 0u) << "0 is no limit";

  // One byte over: the oldest day goes, both of its segments, nothing else.
  ASSERT_TRUE(store->ApplySizeLimit(total - 1, &dropped).ok());
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(days(), (std::set<std::string>{"2026-10-02", "2026-10-03"}));
  EXPECT_EQ(store->Current()->Rows(), 4000u);

  // A limit below the newest day alone keeps the newest day.
  ASSERT_TRUE(store->ApplySizeLimit(1, &dropped).ok());
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(days(), (std::set<std::string>{"2026-10-03"}));
  store.reset();
  ASSERT_TRUE(Store::Open(dir_, &store).ok());
  EXPECT_EQ(days(), (std::set<std::string>{"2026-10-03"}));
  EXPECT_FALSE(fs::exists(dir_ + "/indices/logs-test/2026-10-01")) << "files of dropped days are deleted";
  EXPECT_TRUE(store->HasSource("f0")) << "sources stay known: their rows were dropped on purpose";
}

TEST(IndexNames, FollowElasticsearchRules) {
  EXPECT_TRUE(ValidateIndexName("logs-aws.vpcflow-default").ok());
  for (const char* bad : {"", "Logs", "_x", "-x", "+x", ".", "..", "a/b", "a b", "a*", "a,b", "a#", "a:b"}) {
    EXPECT_TRUE(ValidateIndexName(bad).code() == Status::Code::kInvalidName) << bad;
  }
  EXPECT_TRUE(ValidateIndexName(std::string(256, 'a')).code() == Status::Code::kInvalidName);
}

}  // namespace
}  // namespace flowdex
