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

namespace flowdex {
namespace {

// Collects the records a planted incident left, by its outside party.
class IncidentSink final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext&) override {
    if (r.log_status() != LogStatus::kOk) return;
    char src[64], dst[64];
    const std::string s(src, FormatIpAddress(r.src_addr(), src)), d(dst, FormatIpAddress(r.dst_addr(), dst));
    if (s.rfind("203.0.113.", 0) == 0 || d.rfind("198.51.100.", 0) == 0) {
      ++flows;
      sources.insert(s);
      destinations.insert(d);
      ports.insert(r.dst_port());
      rejects += r.action() == FlowAction::kReject;
      bytes += r.bytes();
      min_start = std::min<int64_t>(min_start, r.start());
    }
  }
  void OnBadLine(const LineContext& ctx, const Status& reason) override {
    ADD_FAILURE() << ctx.line_number << ": " << reason.ToString() << ": " << ctx.line;
  }
  uint64_t flows = 0, rejects = 0, bytes = 0;
  int64_t min_start = INT64_MAX;
  std::set<std::string> sources, destinations;
  std::set<int> ports;
};

TEST(FlowGenerator, InjectionsParseOrSayWhatIsWrong) {
  FlowInjection inj;
  ASSERT_TRUE(ParseFlowInjection("sweep@2026-11-01T10:05Z:targets=120,port=3389", 0, &inj).ok());
  EXPECT_EQ(inj.kind, "sweep");
  EXPECT_EQ(inj.time, 1793491200 + 10 * 3600 + 300);
  EXPECT_EQ(inj.Param("targets", ""), "120");
  EXPECT_EQ(inj.Param("port", ""), "3389");
  ASSERT_TRUE(ParseFlowInjection("portscan@now-1h", 1793491200, &inj).ok());
  EXPECT_EQ(inj.time, 1793491200 - 3600);
  for (const char* bad : {"portscan", "scan@now", "portscan@yesterday-ish", "sweep@now:targets=0",
                          "sweep@now:targets=ten", "sweep@now:colour=red", "new-country@now:ip=::1", "exfil@now:gb"}) {
    EXPECT_FALSE(ParseFlowInjection(bad, 1793491200, &inj).ok()) << bad;
  }
}

TEST(FlowGenerator, InjectedIncidentsAreInTheFilesAndTheLabels) {
  FlowGenOptions o = Options(6000, 3);
  for (const char* spec : {"portscan@2026-11-01T00:01Z:ports=300", "exfil@2026-11-01T00:12Z:gb=2"}) {
    FlowInjection inj;
    ASSERT_TRUE(ParseFlowInjection(spec, 0, &inj).ok()) << spec;
    o.injections.push_back(inj);
  }
  FlowGenerator g(o);
  const std::vector<InjectedIncident> incidents = g.Incidents();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[0].kind, "portscan");
  EXPECT_EQ(incidents[0].start, 1793491200 + 60);
  EXPECT_EQ(incidents[0].flows, 300u);
  EXPECT_EQ(incidents[1].destination, "198.51.100.2");
  for (uint32_t file = 0; file < 3; ++file) {
    std::string text;
    g.FileText(file, &text);
    MemorySource src(text);
    FlowLogReader reader;
    IncidentSink planted;
    FlowReadStats stats;
    ASSERT_TRUE(reader.Read(&src, "gen", &planted, &stats).ok());
    if (file == 0) {  // 00:00-00:05: the scan, 300 distinct ports from one source to one address, rejected
      EXPECT_EQ(planted.flows, 300u);
      EXPECT_EQ(planted.ports.size(), 300u);
      EXPECT_EQ(planted.rejects, 300u);
      EXPECT_EQ(planted.sources, std::set<std::string>{incidents[0].source});
      EXPECT_EQ(planted.destinations, std::set<std::string>{incidents[0].destination});
      EXPECT_EQ(planted.min_start, incidents[0].start);
      EXPECT_EQ(stats.records, 2000u + 300u);
    } else if (file == 2) {  // 00:10-00:15: 2 GB out to one address from the labelled interface
      EXPECT_EQ(planted.flows, 6u);
      EXPECT_EQ(planted.rejects, 0u);
      EXPECT_NEAR(static_cast<double>(planted.bytes), 2e9, 6);
      EXPECT_EQ(planted.sources, std::set<std::string>{incidents[1].source});
      EXPECT_NE(text.find(incidents[1].interface_id), std::string::npos);
    } else {
      EXPECT_EQ(planted.flows, 0u);
    }
  }
  o.injections[0].time = o.start - 1;  // before the first file: refused, not silently dropped
  FlowGenResult result;
  EXPECT_EQ(FlowGenerator(o).WriteAll(&result).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace flowdex
