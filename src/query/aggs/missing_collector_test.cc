// missing_collector.cc: the rows without a value, stored or derived.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(MissingCollector, RowsWithoutAValue) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  EXPECT_EQ(AggTestSegment::Count(seg->Run(seg->Make(R"({"missing":{"field":"source.ip"}})").get())[0], int64_t{0}),
            1u);
  EXPECT_EQ(AggTestSegment::Count(seg->Run(seg->Make(R"({"missing":{"field":"event.outcome"}})").get())[0], int64_t{0}),
            1u)
      << "the NODATA record has no action";
  EXPECT_EQ(AggTestSegment::Count(
                seg->Run(seg->Make(R"({"missing":{"field":"aws.vpcflow.tcp_flags_array"}})").get())[0], int64_t{0}),
            2u)
      << "no flags, and flags 0 (an empty list)";
  EXPECT_EQ(AggTestSegment::Count(seg->Run(seg->Make(R"({"missing":{"field":"no.such"}})").get())[0], int64_t{0}), 6u);
}

}  // namespace
}  // namespace flowdex
