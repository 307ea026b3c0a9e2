#include "store/source_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace flowdex {
namespace {

SourceRecord Source(int i) {
  SourceRecord r;
  r.key = "s3://bucket/AWSLogs/1/vpcflowlogs/us-east-1/2026/12/06/object-" + std::to_string(i) + ".log.gz";
  r.size = 1000 + i;
  r.records = 10 * i;
  r.bad_lines = i % 3;
  r.index = i % 2 ? "logs-aws.vpcflow-default" : "other";
  if (i % 5 == 0) r.enrichment = "GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-11-28";
  return r;
}

class SourceLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        (std::filesystem::temp_directory_path() / ("flowdex_source_log_test_" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

std::vector<std::string> Keys(const SourceLog& log) {
  std::vector<std::string> keys;
  EXPECT_TRUE(log.ForEach([&](const SourceRecord& r) { keys.push_back(r.key); }).ok());
  return keys;
}

TEST_F(SourceLogTest, AppendCommitFindAndReopen) {
  const std::string path = dir_ + "/SOURCES-000001";
  std::unique_ptr<SourceLog> log;
  ASSERT_TRUE(SourceLog::Open(path, 0, &log).ok());
  uint64_t end = 0;
  std::vector<std::string> want;
  for (int batch = 0; batch < 100; ++batch) {
    std::vector<SourceRecord> records;
    for (int i = 0; i < 50; ++i) records.push_back(Source(batch * 50 + i));
    ASSERT_TRUE(log->Append(records, &end).ok());
    log->Committed(end);
    for (const SourceRecord& r : records) want.push_back(r.key);
  }
  EXPECT_EQ(log->count(), 5000u);
  EXPECT_EQ(log->length(), end);
  SourceRecord got;
  ASSERT_TRUE(log->Find(Source(4321).key, &got));
  EXPECT_EQ(got.size, Source(4321).size);
  EXPECT_EQ(got.records, Source(4321).records);
  EXPECT_EQ(got.bad_lines, Source(4321).bad_lines);
  EXPECT_EQ(got.index, Source(4321).index);
  EXPECT_EQ(got.enrichment, "");
  ASSERT_TRUE(log->Find(Source(4320).key, &got));
  EXPECT_EQ(got.enrichment, Source(4320).enrichment);
  EXPECT_FALSE(log->Find(Source(5000).key, nullptr));
  EXPECT_EQ(Keys(*log), want);

  log.reset();
  ASSERT_TRUE(SourceLog::Open(path, end, &log).ok());
  EXPECT_EQ(log->count(), 5000u);
  for (int i : {0, 1, 2500, 4999}) EXPECT_TRUE(log->Find(Source(i).key, nullptr)) << i;
  EXPECT_EQ(Keys(*log), want);
}

// Bytes appended by a commit whose manifest was never installed do not
// count, and the next append writes over them.
TEST_F(SourceLogTest, UncommittedTailIsIgnoredAndOverwritten) {
  const std::string path = dir_ + "/SOURCES-000001";
  std::unique_ptr<SourceLog> log;
  ASSERT_TRUE(SourceLog::Open(path, 0, &log).ok());
  uint64_t committed = 0, end = 0;
  ASSERT_TRUE(log->Append({Source(1), Source(2)}, &committed).ok());
  log->Committed(committed);
  ASSERT_TRUE(log->Append({Source(3)}, &end).ok());  // the manifest write "fails"
  EXPECT_FALSE(log->Find(Source(3).key, nullptr));

  log.reset();  // a restart reads only what the manifest committed
  ASSERT_TRUE(SourceLog::Open(path, committed, &log).ok());
  EXPECT_FALSE(log->Find(Source(3).key, nullptr));
  ASSERT_TRUE(log->Append({Source(4)}, &end).ok());
  log->Committed(end);
  EXPECT_TRUE(log->Find(Source(4).key, nullptr));
  EXPECT_FALSE(log->Find(Source(3).key, nullptr));
  EXPECT_EQ(Keys(*log), (std::vector<std::string>{Source(1).key, Source(2).key, Source(4).key}));
}

TEST_F(SourceLogTest, DamageIsCorruption) {
  const std::string path = dir_ + "/SOURCES-000001";
  uint64_t length = 0;
  ASSERT_TRUE(SourceLog::Write(path, {Source(1), Source(2), Source(3)}, &length).ok());
  std::unique_ptr<SourceLog> log;
  ASSERT_TRUE(SourceLog::Open(path, length, &log).ok());
  EXPECT_EQ(Keys(*log).size(), 3u);
  log.reset();
  // The manifest commits more than the file holds.
  EXPECT_TRUE(SourceLog::Open(path, length + 1, &log).IsCorruption());
  // A flipped byte inside the committed records.
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c = 0;
  ASSERT_EQ(::pread(fd, &c, 1, 20), 1);
  c ^= 0x20;
  ASSERT_EQ(::pwrite(fd, &c, 1, 20), 1);
  ::close(fd);
  Status s = SourceLog::Open(path, length, &log);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("SOURCES-000001"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace flowdex
