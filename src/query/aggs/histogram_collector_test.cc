// histogram_collector.cc: numeric buckets of an interval and offset.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(HistogramCollector, IntervalsOffsetsAndTypes) {
  auto seg = AggTestSegment::Documents(R"({"properties":{"n":{"type":"long"},"ip":{"type":"ip"}}})",
                                       {R"({"n":1})", R"({"n":9})", R"({"n":10})", R"({"n":-1})", R"({"n":[10,11]})"});
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"histogram":{"field":"n","interval":10}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], 0.0), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], 10.0), 2u) << "[10,11] is one row in one bucket";
  EXPECT_EQ(AggTestSegment::Count(r[0], -10.0), 1u);
  r = seg->Run(seg->Make(R"({"histogram":{"field":"n","interval":10,"offset":5}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], 5.0), 3u);  // 9, 10 and [10,11]
  Status s;
  seg->Make(R"({"histogram":{"field":"ip","interval":1}})", &s);
  EXPECT_EQ(s.message(), "Field [ip] of type [ip] is not supported for aggregation [histogram]");
}

}  // namespace
}  // namespace flowdex
