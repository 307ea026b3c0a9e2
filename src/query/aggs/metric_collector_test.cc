// metric_collector.cc: sums, averages, extremes, counts and distinct counts
// per parent bucket; derived keywords counted by their values.
#include <fmt/format.h>

#include <set>

#include "query/aggs/agg_test_util.h"
#include "query/cardinality_sketch.h"

namespace flowdex {
namespace {

TEST(MetricCollector, NumbersPerParentBucket) {
  auto seg = AggTestSegment::Documents(R"({"properties":{"n":{"type":"long"},"k":{"type":"keyword"}}})",
                                       {R"({"n":1})", R"({"n":[2,3]})", R"({"n":10})", R"({"k":"x"})"});
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"stats":{"field":"n"}})").get(), {0, 1, 2, 3}, {0, 0, 1, 1}, 2);
  EXPECT_EQ(r[0].count, 3u) << "every value of an array";
  EXPECT_EQ(r[0].sum, 6.0);
  EXPECT_EQ(r[0].min, 1.0);
  EXPECT_EQ(r[0].max, 3.0);
  EXPECT_EQ(r[1].count, 1u);
  EXPECT_EQ(r[1].sum, 10.0);
  Status s;
  seg->Make(R"({"sum":{"field":"k"}})", &s);
  EXPECT_EQ(s.message(), "Field [k] of type [keyword] is not supported for aggregation [sum]");
  r = seg->Run(seg->Make(R"({"value_count":{"field":"k"}})").get());
  EXPECT_EQ(r[0].count, 1u);
}

TEST(MetricCollector, CardinalityOfStoredAndDerivedFields) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  auto distinct = [&](const char* field) {
    std::vector<AggResult> r = seg->Run(seg->Make(fmt::format(R"({{"cardinality":{{"field":"{}"}}}})", field)).get());
    return r[0].cardinality ? r[0].cardinality->Estimate() : 0;
  };
  EXPECT_EQ(distinct("source.ip"), 4u);
  EXPECT_EQ(distinct("source.address"), 4u);
  EXPECT_EQ(distinct("network.transport"), 2u);
  EXPECT_EQ(distinct("event.type"), 3u);
  EXPECT_EQ(distinct("network.community_id"), 4u);
  Status s;
  seg->Make(R"({"avg":{"field":"network.iana_number"}})", &s);
  EXPECT_TRUE(s.IsInvalidArgument()) << "a keyword in Elastic's mapping";
}

// A value repeated within a bucket counts once, and in every bucket it is
// in (repeats skip the sketch only for the bucket that already has them).
TEST(MetricCollector, CardinalityPerBucketWithRepeats) {
  auto seg = AggTestSegment::Documents(
      R"({"properties":{"n":{"type":"long"},"ip":{"type":"ip"}}})",
      {R"({"n":7,"ip":"10.0.0.1"})", R"({"n":7,"ip":"10.0.0.1"})", R"({"n":8,"ip":"2001:db8::1"})",
       R"({"n":7,"ip":"10.0.0.1"})", R"({"n":8,"ip":"2001:db8::1"})", R"({"n":9,"ip":"10.0.0.2"})"});
  for (const char* field : {"n", "ip"}) {
    std::vector<AggResult> r = seg->Run(seg->Make(fmt::format(R"({{"cardinality":{{"field":"{}"}}}})", field)).get(),
                                        {0, 1, 2, 3, 4, 5}, {0, 0, 0, 1, 1, 1}, 2);
    ASSERT_TRUE(r[0].cardinality && r[1].cardinality) << field;
    EXPECT_EQ(r[0].cardinality->Estimate(), 2u) << field << ": bucket 0 has 7,7,8 / two addresses";
    EXPECT_EQ(r[1].cardinality->Estimate(), 3u) << field << ": bucket 1 has 7 again, and two more";
  }
}

TEST(MetricCollector, CardinalityOfSmallIntegersPerBucketIncludingBucketsPastTheBitmapOnes) {
  // Ports (16-bit columns): distinct values by a bitmap per bucket for the
  // first buckets, the general path past them; values repeat within a
  // bucket, as flows' ports do.
  std::vector<std::string> lines = {
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
      "log-status"};
  std::vector<uint32_t> rows, slots;
  constexpr uint32_t kBuckets = 100;  // past MetricCollector's 64 bitmap buckets
  std::vector<std::set<int>> destination(kBuckets), source(kBuckets);
  for (uint32_t i = 0; i < 20000; ++i) {
    // Each port twice in a row (repeats), 100 distinct ones spread over
    // the 16 bits per bucket.
    uint32_t x = i / 2;  // murmur3's finaliser: ports without a pattern
    x ^= x >> 16, x *= 0x85ebca6bu, x ^= x >> 13, x *= 0xc2b2ae35u, x ^= x >> 16;
    const int dport = static_cast<int>(x & 0xffff), sport = 40000 + static_cast<int>(i % 7);
    lines.push_back(fmt::format("2 123456789012 eni-a 10.0.0.1 10.0.0.2 {} {} 6 1 60 1764236400 1764236460 ACCEPT OK",
                                sport, dport));
    rows.push_back(i);
    slots.push_back((i / 2 * 13) % kBuckets);
    destination[slots.back()].insert(dport);
    source[slots.back()].insert(sport);
  }
  auto seg = AggTestSegment::Flows(lines);
  for (const char* field : {"destination.port", "source.port"}) {
    std::vector<AggResult> r =
        seg->Run(seg->Make(fmt::format(R"({{"cardinality":{{"field":"{}"}}}})", field)).get(), rows, slots, kBuckets);
    for (uint32_t b = 0; b < kBuckets; ++b) {
      const auto& want = std::string_view(field) == "destination.port" ? destination[b] : source[b];
      ASSERT_TRUE(r[b].cardinality) << field << " " << b;
      EXPECT_EQ(r[b].cardinality->Estimate(), want.size()) << field << " bucket " << b;
    }
  }
}

}  // namespace
}  // namespace flowdex
