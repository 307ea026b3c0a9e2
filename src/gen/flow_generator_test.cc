#include "gen/flow_generator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "flowlog/flow_log_reader.h"
#include "test_util.h"

namespace flowdex {
namespace {

using testing::MemorySource;

// Counts what a generated file holds.
class TallySink final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext&) override {
    ++records;
    if (r.log_status() != LogStatus::kOk) {
      ++no_data;
      return;
    }
    if (r.action() == FlowAction::kReject) ++rejects;
    protocols.insert(r.protocol());
    interfaces.insert(std::string(r.text(FlowField::kInterfaceId)));
    if (r.src_addr().is_v6()) ++ipv6;
    if (r.end() < min_end) min_end = r.end();
    if (r.end() > max_end) max_end = r.end();
    max_bytes = std::max(max_bytes, r.bytes());
  }
  void OnBadLine(const LineContext& ctx, const Status& reason) override {
    ADD_FAILURE() << ctx.line_number << ": " << reason.ToString() << ": " << ctx.line;
  }
  uint64_t records = 0, rejects = 0, no_data = 0, ipv6 = 0, max_bytes = 0;
  int64_t min_end = INT64_MAX, max_end = INT64_MIN;
  std::set<int> protocols;
  std::set<std::string> interfaces;
};

FlowGenOptions Options(uint64_t records, uint32_t files, uint64_t seed = 7) {
  FlowGenOptions o;
  o.records = records;
  o.files = files;
  o.seed = seed;
  o.start = 1793491200;  // 2026-11-01T00:00Z
  return o;
}

TEST(FlowGenerator, SameSeedSameBytes) {
  FlowGenerator a(Options(5000, 3)), b(Options(5000, 3)), c(Options(5000, 3, 8));
  std::string ta, tb, tc;
  a.FileText(1, &ta);
  b.FileText(1, &tb);
  c.FileText(1, &tc);
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
  EXPECT_EQ(a.FileKey(2), b.FileKey(2));
}

TEST(FlowGenerator, RecordsAreSplitOverFiles) {
  FlowGenerator g(Options(1001, 3));
  EXPECT_EQ(g.RecordsInFile(0) + g.RecordsInFile(1) + g.RecordsInFile(2), 1001u);
  EXPECT_EQ(g.RecordsInFile(0), 334u);
  EXPECT_EQ(g.RecordsInFile(2), 333u);
}

TEST(FlowGenerator, FileKeysFollowTheS3Layout) {
  FlowGenerator g(Options(10, 2));
  const std::regex layout(
      R"(AWSLogs/(\d{12})/vpcflowlogs/us-east-1/2026/11/01/\1_vpcflowlogs_us-east-1_fl-[0-9a-f]{17}_20261101T00(\d\d)Z_[0-9a-f]{8}\.log\.gz)");
  std::smatch m;
  std::string k0 = g.FileKey(0), k1 = g.FileKey(1);
  ASSERT_TRUE(std::regex_match(k0, m, layout)) << k0;
  EXPECT_EQ(m[2], "00");
  ASSERT_TRUE(std::regex_match(k1, m, layout)) << k1;
  EXPECT_EQ(m[2], "05") << "each file covers the next 5 minutes";
}

TEST(FlowGenerator, TrafficLooksReal) {
  FlowGenerator g(Options(60000, 1));
  std::string text;
  g.FileText(0, &text);
  EXPECT_EQ(text.substr(0, text.find('\n')), FlowFormat::DefaultV2().ToString()) << "header line first";
  MemorySource src(text);
  FlowLogReader reader;
  TallySink tally;
  FlowReadStats stats;
  ASSERT_TRUE(reader.Read(&src, "gen", &tally, &stats).ok());
  EXPECT_EQ(tally.records, 60000u);
  EXPECT_EQ(stats.header_lines, 1u);
  const double reject_share = static_cast<double>(tally.rejects) / static_cast<double>(tally.records);
  EXPECT_GE(reject_share, 0.05);
  EXPECT_LE(reject_share, 0.10);
  EXPECT_GT(tally.no_data, 0u);
  EXPECT_TRUE(tally.protocols.count(6) && tally.protocols.count(17) && tally.protocols.count(1));
  EXPECT_GT(tally.interfaces.size(), 200u) << "hundreds of interfaces";
  EXPECT_GT(tally.ipv6, 0u);
  EXPECT_GT(tally.max_bytes, 1000000u) << "heavy-tailed bytes";
  EXPECT_GE(tally.min_end, 1793491200);
  EXPECT_LT(tally.max_end, 1793491200 + 300) << "records end inside the file's window";
}

TEST(FlowGenerator, CustomFieldListsRoundTrip) {
  for (const char* fields : {"v5", "v8", "srcaddr dstaddr action ecs-service-name reject-reason"}) {
    FlowGenOptions o = Options(3000, 1);
    ASSERT_TRUE(FlowFormat::Parse(fields, &o.format).ok());
    FlowGenerator g(o);
    std::string text;
    g.FileText(0, &text);
    MemorySource src(text);
    FlowLogReader reader;
    TallySink tally;
    FlowReadStats stats;
    ASSERT_TRUE(reader.Read(&src, "gen", &tally, &stats).ok());
    EXPECT_EQ(tally.records, 3000u) << fields;
  }
}

TEST(FlowGenerator, WritesGzipFilesAtomically) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("flowdex_gen_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  FlowGenOptions o = Options(2000, 4);
  o.out_dir = dir.string();
  FlowGenerator g(o);
  FlowGenResult result;
  ASSERT_TRUE(g.WriteAll(&result).ok());
  ASSERT_EQ(result.paths.size(), 4u);
  EXPECT_EQ(result.records, 2000u);
  EXPECT_LT(result.gzip_bytes, result.text_bytes / 3);
  uint64_t total = 0;
  for (const std::string& p : result.paths) {
    EXPECT_EQ(p, (dir / g.FileKey(static_cast<uint32_t>(&p - result.paths.data()))).string());
    FlowLogReader reader;
    TallySink tally;
    FlowReadStats stats;
    ASSERT_TRUE(reader.ReadFile(p, &tally, &stats).ok());
    EXPECT_TRUE(stats.gzip);
    total += tally.records;
  }
  EXPECT_EQ(total, 2000u);
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "no temporary file left";
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowdex
