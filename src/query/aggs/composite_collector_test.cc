// composite_collector.cc: tuples of the sources' values, paged by `after`.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(CompositeCollector, TuplesPagesAndDerivedSources) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"composite":{"size":10,"sources":[
      {"t":{"terms":{"field":"network.transport"}}},{"o":{"terms":{"field":"event.outcome"}}}]}})")
                                          .get());
  std::map<std::string, uint64_t> got;
  for (const auto& [tuple, bucket] : r[0].composite) {
    got[std::get<std::string>(tuple[0]) + "/" + std::get<std::string>(tuple[1])] = bucket.doc_count;
  }
  EXPECT_EQ(got, (std::map<std::string, uint64_t>{{"tcp/success", 2}, {"tcp/failure", 2}, {"udp/success", 1}}));
  // The page after ("tcp", "failure"), two at most.
  r = seg->Run(
      seg->Make(R"({"composite":{"size":2,"after":{"p":80},"sources":[{"p":{"terms":{"field":"destination.port"}}}]}})")
          .get());
  ASSERT_EQ(r[0].composite.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(r[0].composite.begin()->first[0]), 443);
}

}  // namespace
}  // namespace flowdex
