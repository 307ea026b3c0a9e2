// date_histogram_collector.cc: buckets of fixed or calendar intervals, in a
// zone, with offsets and hard bounds; only on dates.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(DateHistogramCollector, FixedAndCalendarIntervals) {
  auto seg = AggTestSegment::Documents(R"({"properties":{"t":{"type":"date"},"k":{"type":"keyword"}}})",
                                       {R"({"t":"2026-11-27T10:01:00Z"})", R"({"t":"2026-11-27T10:04:59Z"})",
                                        R"({"t":"2026-11-27T10:05:00Z"})", R"({"t":"2026-12-01T00:00:00Z"})"});
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"date_histogram":{"field":"t","fixed_interval":"5m"}})").get());
  const int64_t ten = 1795773600000;  // 2026-11-27T10:00:00Z
  EXPECT_EQ(AggTestSegment::Count(r[0], ten), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], ten + 300000), 1u);
  r = seg->Run(seg->Make(R"({"date_histogram":{"field":"t","calendar_interval":"month"}})").get());
  EXPECT_EQ(r[0].buckets.size(), 2u);
  // In Paris, 10:01Z is 11:01 local: the day bucket starts at local midnight.
  r = seg->Run(
      seg->Make(R"({"date_histogram":{"field":"t","calendar_interval":"day","time_zone":"Europe/Paris"}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{1795734000000}), 3u);  // 2026-11-26T23:00:00Z
  // hard_bounds leave values outside out.
  r = seg->Run(
      seg->Make(
             R"({"date_histogram":{"field":"t","fixed_interval":"1h","hard_bounds":{"min":"2026-11-27T10:02:00Z","max":"2026-11-28"}}})")
          .get());
  EXPECT_EQ(AggTestSegment::Count(r[0], ten), 2u);
  Status s;
  seg->Make(R"({"date_histogram":{"field":"k","fixed_interval":"1h"}})", &s);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "Field [k] of type [keyword] is not supported for aggregation [date_histogram]");
}

TEST(DateHistogramCollector, EventEndHidesRecordsWithoutAnEnd) {
  std::vector<std::string> lines = SampleFlowLines();
  lines.push_back("5 123456789012 eni-d 10.0.0.3 10.0.0.4 1 2 6 1 1 1764236900 - ACCEPT OK 2");
  auto seg = AggTestSegment::Flows(lines);
  auto count = [](const AggResult& r) {
    uint64_t n = 0;
    for (const auto& [k, b] : r.buckets) n += b.doc_count;
    return n;
  };
  EXPECT_EQ(count(seg->Run(seg->Make(R"({"date_histogram":{"field":"@timestamp","fixed_interval":"1h"}})").get())[0]),
            7u);
  EXPECT_EQ(count(seg->Run(seg->Make(R"({"date_histogram":{"field":"event.end","fixed_interval":"1h"}})").get())[0]),
            6u);
}

}  // namespace
}  // namespace flowdex
