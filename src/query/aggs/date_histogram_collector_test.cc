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

TEST(DateHistogramCollector, TheFusedCountAndSumAgreeWithTheGenericPath) {
  // A sum under a plain time column takes the fused path; a second metric
  // beside it takes the generic one. Parent buckets, a row without a time
  // and a row without a value; then a block with an array of times (which
  // the fused path hands to the generic one).
  const std::vector<std::string> plain = {
      R"({"t":"2026-11-27T10:01:00Z","n":1})", R"({"t":"2026-11-27T10:02:00Z","n":2})",
      R"({"t":"2026-11-27T10:07:00Z","n":4})", R"({"n":8})",
      R"({"t":"2026-11-27T10:08:00Z"})",       R"({"t":"2026-11-27T10:03:00Z","n":16})",
      R"({"t":"2026-11-27T10:04:00Z","n":32})"};
  std::vector<std::string> with_array = plain;
  with_array[5] = R"({"t":["2026-11-27T10:03:00Z","2026-11-27T10:09:00Z"],"n":16})";
  const int64_t ten = 1795773600000;  // 2026-11-27T10:00:00Z
  for (const auto& docs : {plain, with_array}) {
    auto seg = AggTestSegment::Documents(R"({"properties":{"t":{"type":"date"},"n":{"type":"long"}}})", docs);
    const std::vector<uint32_t> rows = {0, 1, 2, 3, 4, 5, 6}, slots = {0, 1, 0, 0, 1, 1, 0};
    auto fused =
        seg->Make(R"({"date_histogram":{"field":"t","fixed_interval":"5m"},"aggs":{"s":{"sum":{"field":"n"}}}})");
    auto generic = seg->Make(
        R"({"date_histogram":{"field":"t","fixed_interval":"5m"},"aggs":{"s":{"sum":{"field":"n"}},"c":{"value_count":{"field":"n"}}}})");
    const std::vector<AggResult> a = seg->Run(fused.get(), rows, slots, 2);
    const std::vector<AggResult> b = seg->Run(generic.get(), rows, slots, 2);
    for (size_t slot = 0; slot < 2; ++slot) {
      ASSERT_EQ(a[slot].buckets.size(), b[slot].buckets.size()) << slot;
      for (const auto& [key, bucket] : a[slot].buckets) {
        const AggBucket& other = b[slot].buckets.at(key);
        EXPECT_EQ(bucket.doc_count, other.doc_count) << slot;
        EXPECT_EQ(bucket.subs[0].sum, other.subs[0].sum) << slot;
        EXPECT_EQ(bucket.subs[0].count, other.subs[0].count) << slot;
      }
    }
    // Slot 0: rows 0, 2 and 6 (row 3 has no time); slot 1: rows 1, 4 and 5.
    EXPECT_EQ(AggTestSegment::Count(a[0], ten), 2u);
    EXPECT_EQ(a[0].buckets.at(AggKey(ten)).subs[0].sum, 33.0);
    EXPECT_EQ(a[0].buckets.at(AggKey(ten + 300000)).subs[0].sum, 4.0);
    EXPECT_EQ(a[1].buckets.at(AggKey(ten)).subs[0].sum, 18.0);
    EXPECT_EQ(AggTestSegment::Count(a[1], ten + 300000), docs == plain ? 1u : 2u);  // row 4 (and the array's 10:09)
  }
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
