// The rollup planner against raw rows: random aggregations that qualify
// for rollups give the same response either way (the "answer is the same"
// promise of rollup_plan.h), over a store where some partitions are rolled
// up (with daily rollups, or hourly ones only), one only in part, and one
// has a deleted row.
#include "query/plan/rollup_plan.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "gen/flow_generator.h"
#include "ingest/flow_ingester.h"
#include "query/dsl/dsl_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"
#include "rollup/rollup_maintainer.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

// 2027-01-01T20:00Z: the data runs over four day partitions.
constexpr int64_t kDay0 = 1798761600;
constexpr int64_t kStart = kDay0 + 20 * 3600;
constexpr int64_t kFileSeconds = 5400;  // 90 minutes: files straddle hours
constexpr int kFiles = 48;              // 72 hours

class RollupPlanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("flowdex_rollup_plan_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 96000;
    g.files = kFiles;
    g.start = kStart;
    g.file_interval = kFileSeconds;
    ASSERT_TRUE(FlowFormat::Parse("v5", &g.format).ok());
    g.out_dir = (root_ / "logs").string();
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
    IngestOptions o;
    o.batch_rows = 4000;  // a few segments per file
    o.workers = 1;
    auto ingest = [&](size_t from, size_t to) {
      std::vector<std::string> paths(result.paths.begin() + from, result.paths.begin() + to);
      IngestProgress progress;
      IngestSummary summary;
      ASSERT_TRUE(IngestFlowFiles(store_.get(), paths, o, &progress, &summary).ok());
    };
    // Rolled up in two rounds (a partition's rollups in several segments),
    // then files that stay raw: the newest partition (01-04) is only partly
    // rolled up.
    ingest(0, 20);
    ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
    ingest(20, 38);
    ASSERT_TRUE(RollupAll(*store_, {}, {}).ok());
    ingest(38, kFiles);
    // 01-03 as rolled up before daily rollups existed: hourly ones only.
    RollupChange drop;
    for (const SegmentRef& r : store_->Current()->rollups) {
      if (r.partition == "2027-01-03" && FindRollup(r.rollup)->resolution_ms == kRollupDayMs) {
        drop.removed.push_back(r.id);
      }
    }
    ASSERT_FALSE(drop.removed.empty());
    ASSERT_TRUE(store_->ReplaceRollups(drop).ok());
    // A row deleted from a rolled-up segment: its partition (01-01) is read raw.
    CommitBatch remove;
    remove.deletes.emplace_back(store_->Current()->segments.front().id, 0);
    ASSERT_TRUE(store_->Commit(remove).ok());
    const auto version = store_->Current();
    size_t raw_rolled = 0, raw_pending = 0;
    for (const SegmentRef& r : version->segments) (r.rollup_version == kRollupVersion ? raw_rolled : raw_pending)++;
    ASSERT_GT(raw_rolled, 0u);
    ASSERT_GT(raw_pending, 0u);
    ASSERT_GT(version->rollups.size(), FlowRollups().size());
  }
  static void TearDownTestSuite() {
    store_.reset();
    fs::remove_all(root_);
  }

  // The response's JSON without what may differ: took and _shards.
  static std::string Answer(const std::string& body, bool rollups, std::string* rollup = nullptr) {
    SearchRequest request;
    ParseError error;
    EXPECT_TRUE(ParseSearchBody(body, &request, &error)) << body;
    request.indices = {"logs-*"};
    request.now_ms = (kStart + kFiles * kFileSeconds) * 1000;
    request.use_rollups = rollups;
    SearchResponse response;
    Status s = Search(*store_, request, &response);
    EXPECT_TRUE(s.ok()) << s.ToString() << " " << body;
    if (rollup != nullptr) *rollup = response.rollup;
    rapidjson::Document d;
    d.Parse(SearchResponseJson(request, response, 0).c_str());
    d.RemoveMember("took");
    d.RemoveMember("_shards");
    std::string out;
    for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
      out += it->name.GetString();
      out += "=";
      out += JsonText(it->value);
      out += "\n";
    }
    return out;
  }
  static std::string JsonText(const rapidjson::Value& v);

  static fs::path root_;
  static std::unique_ptr<Store> store_;
};
fs::path RollupPlanTest::root_;
std::unique_ptr<Store> RollupPlanTest::store_;

}  // namespace
}  // namespace flowdex

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowdex {
namespace {

std::string RollupPlanTest::JsonText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

// A random request that qualifies: a filter on dimensions and a time range
// with edges inside hours, and aggregations rollups can answer.
std::string RandomEligibleBody(std::mt19937_64& rng) {
  auto pick = [&](std::initializer_list<const char*> options) {
    return std::string(options.begin()[rng() % options.size()]);
  };
  std::vector<std::string> filters;
  if (rng() % 2) filters.push_back(fmt::format(R"({{"term":{{"event.action":"{}"}}}})", pick({"ACCEPT", "REJECT"})));
  if (rng() % 3 == 0)
    filters.push_back(fmt::format(R"({{"term":{{"network.transport":"{}"}}}})", pick({"tcp", "udp"})));
  if (rng() % 3 == 0) filters.push_back(R"({"exists":{"field":"aws.vpcflow.interface_id"}})");
  if (rng() % 2) {
    // Edges at random milliseconds (partial hours come from raw rows), or
    // at whole days (whole days come from daily rollups), 0-2 days apart.
    int64_t lo = (kStart * 1000) + static_cast<int64_t>(rng() % (40 * 3600'000ULL));
    int64_t hi = lo + static_cast<int64_t>(rng() % (60 * 3600'000ULL));
    if (rng() % 3 == 0) {
      lo = RollupBucket(lo, kRollupDayMs);
      hi = RollupBucket(hi, kRollupDayMs) + kRollupDayMs;
    }
    filters.push_back(fmt::format(R"({{"range":{{"@timestamp":{{"gte":{},"{}":{},"format":"epoch_millis"}}}}}})", lo,
                                  rng() % 2 ? "lt" : "lte", rng() % 2 ? hi : hi - 1));
  }
  // A metric under each bucket.
  const std::string metric =
      pick({R"("m":{"sum":{"field":"source.bytes"}})", R"("m":{"sum":{"field":"network.packets"}})",
            R"("m":{"cardinality":{"field":"source.ip"}})", R"("m":{"max":{"field":"destination.port"}})",
            R"("m":{"min":{"field":"destination.port"}})", R"("m":{"cardinality":{"field":"destination.ip"}})"});
  const std::string terms_field =
      pick({"event.action", "network.transport", "aws.vpcflow.interface_id", "source.ip", "destination.ip",
            "destination.port", "cloud.account.id", "aws.vpcflow.subnet_id", "network.direction", "event.outcome"});
  // The metric's field decides the rollup too: keep it within one that has both.
  const bool address_metric = metric.find("source.ip") != std::string::npos;
  const bool port_metric = metric.find("destination.port") != std::string::npos;
  const bool destination_metric = metric.find("destination.ip") != std::string::npos;
  const std::string bucket_field = address_metric       ? "source.ip"
                                   : port_metric        ? "destination.port"
                                   : destination_metric ? "destination.ip"
                                                        : terms_field;
  std::string agg;
  switch (rng() % 7) {
    case 0:
      agg = fmt::format(R"("a":{{"terms":{{"field":"{}","size":{}}},"aggs":{{{}}}}})", bucket_field, 1 + rng() % 8,
                        metric);
      break;
    case 1:
      agg = fmt::format(R"("a":{{"terms":{{"field":"{}","size":5,"order":{{"m":"desc"}}}},"aggs":{{{}}}}})",
                        bucket_field, metric);
      break;
    case 2:
      agg = fmt::format(R"("a":{{"date_histogram":{{"field":"@timestamp","{}"}},"aggs":{{{}}}}})",
                        pick({R"(fixed_interval":"1h)", R"(fixed_interval":"3h)", R"(calendar_interval":"day)",
                              R"(calendar_interval":"1h)", R"(fixed_interval":"24h)", R"(fixed_interval":"48h)",
                              R"(calendar_interval":"week)", R"(calendar_interval":"month)"}),
                        metric);
      break;
    case 3:
      agg = fmt::format(
          R"("a":{{"date_histogram":{{"field":"@timestamp","fixed_interval":"2h"}},"aggs":{{"t":{{"terms":{{"field":"{}","size":3}},"aggs":{{{}}}}}}}}})",
          bucket_field, metric);
      break;
    case 4:
      agg = fmt::format(
          R"("a":{{"composite":{{"size":20,"sources":[{{"t":{{"date_histogram":{{"field":"@timestamp","fixed_interval":"6h"}}}}}},{{"k":{{"terms":{{"field":"{}"}}}}}}]}},"aggs":{{{}}}}})",
          bucket_field, metric);
      break;
    case 5:
      agg = fmt::format(
          R"("a":{{"filters":{{"filters":{{"rej":{{"term":{{"event.action":"REJECT"}}}},"tcp":{{"term":{{"network.iana_number":"6"}}}}}}}},"aggs":{{{}}}}},"b":{{"missing":{{"field":"{}"}}}})",
          metric, bucket_field);
      break;
    default:
      agg = fmt::format(
          R"("a":{{"histogram":{{"field":"destination.port","interval":{}}},"aggs":{{{}}}}},"r":{{"range":{{"field":"destination.port","ranges":[{{"to":1024}},{{"from":1024}}]}}}})",
          1000 + rng() % 20000,
          port_metric || address_metric || destination_metric ? R"("m2":{"sum":{"field":"source.bytes"}})" : metric);
      break;
  }
  std::string query = R"({"match_all":{}})";
  if (!filters.empty()) {
    query = R"({"bool":{"filter":[)";
    for (size_t i = 0; i < filters.size(); ++i) query += (i ? "," : "") + filters[i];
    query += "]}}";
  }
  return fmt::format(R"({{"size":0,"track_total_hits":{},"query":{},"aggs":{{{}}}}})",
                     pick({"true", "false", "100", "10000"}), query, agg);
}

TEST_F(RollupPlanTest, RandomAggregationsAnswerTheSameFromRollups) {
  std::mt19937_64 rng(20261206);
  int from_rollups = 0, from_daily = 0, from_both = 0;
  constexpr int kRequests = 300;
  for (int i = 0; i < kRequests; ++i) {
    const std::string body = RandomEligibleBody(rng);
    std::string rollup;
    const std::string with = Answer(body, true, &rollup);
    const std::string without = Answer(body, false);
    EXPECT_EQ(with, without) << body;
    from_rollups += !rollup.empty();
    from_daily += rollup.find("_1d") != std::string::npos;
    from_both += rollup.find('+') != std::string::npos;
  }
  // Most qualify (some have no whole hour inside their time range, or
  // dimensions no one rollup has); many read whole days from daily rollups,
  // most of those hourly ones too (01-03 has no daily rollup).
  EXPECT_GT(from_rollups, kRequests * 2 / 3);
  EXPECT_GT(from_daily, kRequests / 4);
  EXPECT_GT(from_both, kRequests / 6);
}

TEST_F(RollupPlanTest, HitsComeFromRawRowsAndTheHistogramFromRollups) {
  const std::string body = R"({"size":7,"sort":[{"@timestamp":"desc"}],"query":{"term":{"event.action":"REJECT"}},)"
                           R"("aggs":{"h":{"date_histogram":{"field":"@timestamp","fixed_interval":"1h"}}}})";
  std::string rollup;
  const std::string with = Answer(body, true, &rollup);
  EXPECT_FALSE(rollup.empty());
  EXPECT_EQ(with, Answer(body, false));
  EXPECT_NE(with.find("\"_id\""), std::string::npos);
}

TEST_F(RollupPlanTest, RequestsThatDoNotQualifyReadRawRows) {
  for (
      const char* body : {
          R"({"size":0,"aggs":{"a":{"avg":{"field":"source.bytes"}}}})",   // a mean needs each flow
          R"({"size":0,"aggs":{"a":{"terms":{"field":"source.port"}}}})",  // not a dimension
          R"({"size":0,"query":{"range":{"source.bytes":{"gte":1000}}},"aggs":{"a":{"terms":{"field":"event.action"}}}})",
          R"({"size":0,"aggs":{"a":{"date_histogram":{"field":"@timestamp","fixed_interval":"30m"}}}})",
          R"({"size":0,"aggs":{"a":{"date_histogram":{"field":"@timestamp","calendar_interval":"day","time_zone":"+05:30"}}}})",
          R"({"size":0,"aggs":{"a":{"terms":{"field":"event.action","min_doc_count":0}}}})",
          R"({"size":0,"aggs":{"a":{"filter":{"range":{"@timestamp":{"gte":"now-1h"}}}}}})",
          // No rollup has both addresses.
          R"({"size":0,"aggs":{"a":{"terms":{"field":"source.ip"},"aggs":{"b":{"cardinality":{"field":"destination.ip"}}}}}})",
          R"({"size":0,"query":{"bool":{"should":[{"range":{"@timestamp":{"gte":"now-1h"}}},{"term":{"event.action":"REJECT"}}]}},"aggs":{"a":{"terms":{"field":"event.action"}}}})",
      }) {
    std::string rollup;
    const std::string with = Answer(body, true, &rollup);
    EXPECT_EQ(rollup, "") << body;
    EXPECT_EQ(with, Answer(body, false)) << body;
  }
}

TEST_F(RollupPlanTest, PicksTheSmallestRollupWithEveryDimension) {
  std::string rollup;
  // All time: whole days, from the daily twin where a partition has one.
  Answer(R"({"size":0,"aggs":{"a":{"terms":{"field":"aws.vpcflow.interface_id"}}}})", true, &rollup);
  EXPECT_EQ(rollup, "context_1d+context");
  Answer(R"({"size":0,"query":{"term":{"event.action":"REJECT"}},"aggs":{"a":{"terms":{"field":"destination.port"}}}})",
         true, &rollup);
  EXPECT_EQ(rollup, "ports_1d+ports");
  Answer(R"({"size":0,"aggs":{"a":{"terms":{"field":"source.ip"},"aggs":{"b":{"sum":{"field":"source.bytes"}}}}}})",
         true, &rollup);
  EXPECT_EQ(rollup, "sources_1d+sources");
}

TEST_F(RollupPlanTest, WholeDaysComeFromDailyRollupsWhenBucketsAreWholeDays) {
  const int64_t day2 = (kDay0 + 86400) * 1000;
  struct Case {
    const char* range;     // within the query's @timestamp range
    const char* interval;  // of a date_histogram
    const char* rollup;    // that answers
  };
  for (const Case& c : {
           // 01-02 whole: its daily rows; 01-03's first hours: hourly rows.
           Case{R"("gte":{0},"lt":{1})", R"("calendar_interval":"day")", "destinations_1d+destinations"},
           Case{R"("gte":{0},"lte":{2})", R"("fixed_interval":"24h")", "destinations_1d+destinations"},
           Case{R"("gte":{0},"lt":{3})", R"("calendar_interval":"month")", "destinations_1d"},
           // Hours within a day, or a day not whole in the range: hourly rows.
           Case{R"("gte":{0},"lt":{1})", R"("fixed_interval":"12h")", "destinations"},
           Case{R"("gte":{4},"lt":{3})", R"("calendar_interval":"day")", "destinations"},
       }) {
    const std::string range = fmt::format(fmt::runtime(c.range), day2, day2 + 86400'000 + 5 * 3600'000,
                                          day2 + 86400'000 + 5 * 3600'000 - 1, day2 + 86400'000, day2 + 3600'000);
    const std::string body = fmt::format(
        R"({{"size":0,"query":{{"range":{{"@timestamp":{{{},"format":"epoch_millis"}}}}}},)"
        R"("aggs":{{"h":{{"date_histogram":{{"field":"@timestamp",{}}},)"
        R"("aggs":{{"d":{{"cardinality":{{"field":"destination.ip"}}}},"b":{{"sum":{{"field":"network.bytes"}}}}}}}}}}}})",
        range, c.interval);
    std::string rollup;
    const std::string with = Answer(body, true, &rollup);
    EXPECT_EQ(rollup, c.rollup) << body;
    EXPECT_EQ(with, Answer(body, false)) << body;
  }
}

}  // namespace
}  // namespace flowdex
