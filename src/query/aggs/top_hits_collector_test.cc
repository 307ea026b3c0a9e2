// top_hits_collector.cc: the best rows of each bucket, with _id and _source.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

TEST(TopHitsCollector, BestHitsPerBucketBySortAndIndexOrder) {
  auto seg = AggTestSegment::Documents(R"({"properties":{"n":{"type":"long"}}})",
                                       {R"({"n":3})", R"({"n":1})", R"({"n":2})", R"({"n":5})"});
  std::vector<AggResult> r =
      seg->Run(seg->Make(R"({"top_hits":{"size":2,"sort":[{"n":"desc"}]}})").get(), {0, 1, 2, 3}, {0, 0, 0, 1}, 2);
  ASSERT_EQ(r[0].hits.size(), 2u);
  EXPECT_EQ(r[0].hits[0].id, "d0");
  EXPECT_EQ(r[0].hits[1].id, "d2");
  EXPECT_EQ(r[0].hits[0].source, R"({"n":3})");
  EXPECT_EQ(r[0].hits_total, 3u);
  ASSERT_EQ(r[1].hits.size(), 1u);
  EXPECT_EQ(r[1].hits[0].id, "d3");
  r = seg->Run(seg->Make(R"({"top_hits":{"size":1,"_source":false}})").get());
  ASSERT_EQ(r[0].hits.size(), 1u);
  EXPECT_EQ(r[0].hits[0].id, "d0") << "index order without a sort";
  EXPECT_TRUE(r[0].hits[0].source.empty());
}

}  // namespace
}  // namespace flowdex
