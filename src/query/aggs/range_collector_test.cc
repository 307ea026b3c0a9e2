// range_collector.cc: range and date_range, a value in every range holding it.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(RangeCollector, OverlappingRangesAndDates) {
  auto seg = AggTestSegment::Documents(R"({"properties":{"n":{"type":"long"},"t":{"type":"date"}}})",
                                       {R"({"n":1,"t":"2026-11-27"})", R"({"n":50,"t":"2026-11-28"})", R"({"n":100})"});
  std::vector<AggResult> r =
      seg->Run(seg->Make(R"({"range":{"field":"n","ranges":[{"to":50},{"from":1,"to":100},{"from":100}]}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{0}), 1u);  // [*, 50): 1
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{1}), 2u);  // [1, 100): 1 and 50
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{2}), 1u);  // [100, *)
  r = seg->Run(seg->Make(R"({"date_range":{"field":"t","ranges":[{"from":"2026-11-28"}]}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{0}), 1u);
  Status s;
  seg->Make(R"({"date_range":{"field":"n","ranges":[{"from":1}]}})", &s);
  EXPECT_TRUE(s.IsInvalidArgument());
}

}  // namespace
}  // namespace flowdex
