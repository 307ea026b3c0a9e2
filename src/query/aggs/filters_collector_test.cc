// filters_collector.cc: a bucket per query, lowered against the segment's fields.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(FiltersCollector, NamedFiltersOverlapAndUseDerivedFields) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"filters":{"filters":{
      "rejected":{"term":{"event.outcome":"failure"}},
      "tcp":{"kql":{"query":"network.transport:tcp"}},
      "none":{"term":{"cloud.provider":"gcp"}}}}})")
                                          .get());
  EXPECT_EQ(AggTestSegment::Count(r[0], std::string("rejected")), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], std::string("tcp")), 4u);
  EXPECT_EQ(AggTestSegment::Count(r[0], std::string("none")), 0u);
  // Only the rows handed in count.
  r = seg->Run(seg->Make(R"({"filter":{"term":{"event.action":"ACCEPT"}}})").get(), {0, 1});
  EXPECT_EQ(AggTestSegment::Count(r[0], std::string("")), 2u);
  Status s;
  seg->Make(R"({"filter":{"term":{"destination.port":"ssh"}}})", &s);
  EXPECT_EQ(s.code(), Status::Code::kQueryValue);
}

}  // namespace
}  // namespace flowdex
