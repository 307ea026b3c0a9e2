// ip_range_collector.cc: address ranges and CIDR masks.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(IpRangeCollector, RangesAndMasksOnEitherFamily) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  std::vector<AggResult> r = seg->Run(
      seg->Make(
             R"({"ip_range":{"field":"source.ip","ranges":[{"mask":"10.0.0.0/8"},{"from":"10.0.0.2"},{"mask":"2001:db8::/32"}]}})")
          .get());
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{0}), 3u);  // 10.0.0.1, 10.0.0.2 twice
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{1}), 4u);  // from 10.0.0.2 up: IPv6 too
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{2}), 1u);
  Status s;
  seg->Make(R"({"ip_range":{"field":"source.port","ranges":[{"from":"10.0.0.1"}]}})", &s);
  EXPECT_TRUE(s.IsInvalidArgument());
}

}  // namespace
}  // namespace flowdex
