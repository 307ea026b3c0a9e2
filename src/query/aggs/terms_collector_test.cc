// terms_collector.cc: buckets per value, per parent bucket, for stored and
// derived fields, with arrays counted once per distinct value and `missing`.
#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

using S = std::string;

TEST(TermsCollector, CountsPerParentBucketAndSkipsDroppedOnes) {
  auto seg = AggTestSegment::Documents(
      R"({"properties":{"k":{"type":"keyword"},"n":{"type":"long"}}})",
      {R"({"k":"a","n":1})", R"({"k":"b","n":1})", R"({"k":"a","n":2})", R"({"k":"a","n":2})", R"({"k":"c"})"});
  auto c = seg->Make(R"({"terms":{"field":"k"}})");
  // Rows 0-1 in parent bucket 0, rows 2-4 in parent bucket 1.
  std::vector<AggResult> r = seg->Run(c.get(), {0, 1, 2, 3, 4}, {0, 0, 1, 1, 1}, 2);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("a")), 1u);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("b")), 1u);
  EXPECT_EQ(AggTestSegment::Count(r[1], S("a")), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[1], S("c")), 1u);
  EXPECT_EQ(r[1].buckets.size(), 2u);
  // A parent bucket that was dropped (nullptr) gets nothing, the others theirs.
  auto d = seg->Make(R"({"terms":{"field":"n"}})");
  std::vector<uint32_t> rows = {0, 1, 2, 3}, slots = {0, 0, 1, 1};
  ASSERT_TRUE(d->Collect(rows.data(), slots.data(), rows.size()).ok());
  AggResult kept;
  ASSERT_TRUE(d->Finish({nullptr, &kept}).ok());
  EXPECT_EQ(AggTestSegment::Count(kept, int64_t{2}), 2u);
  EXPECT_EQ(kept.buckets.size(), 1u);
  EXPECT_GT(c->Memory(), 0u);
}

TEST(TermsCollector, ArraysCountOncePerDistinctValueAndMissingCountsTheRest) {
  auto seg = AggTestSegment::Documents(R"({"properties":{"tags":{"type":"keyword"}}})",
                                       {R"({"tags":["x","y","x"]})", R"({"tags":"y"})", R"({"other":1})"});
  auto c = seg->Make(R"({"terms":{"field":"tags"}})");
  std::vector<AggResult> r = seg->Run(c.get());
  EXPECT_EQ(AggTestSegment::Count(r[0], S("x")), 1u) << "x twice in one row counts once";
  EXPECT_EQ(AggTestSegment::Count(r[0], S("y")), 2u);
  auto m = seg->Make(R"({"terms":{"field":"tags","missing":"none"}})");
  r = seg->Run(m.get());
  EXPECT_EQ(AggTestSegment::Count(r[0], S("none")), 1u);
  EXPECT_TRUE(r[0].unfilterable_keys) << "the missing bucket cannot be found again by a term query";
  // A field this segment does not have: nothing, or everything as missing.
  auto none = seg->Make(R"({"terms":{"field":"nothing"}})");
  EXPECT_TRUE(seg->Run(none.get())[0].buckets.empty());
  auto all_missing = seg->Make(R"({"terms":{"field":"nothing","missing":0}})");
  EXPECT_EQ(AggTestSegment::Count(seg->Run(all_missing.get())[0], int64_t{0}), 3u);
}

TEST(TermsCollector, IncludeAndExcludeKeepOtherTermsOutOfTheBucketsAndTheirSubAggregations) {
  auto seg = AggTestSegment::Documents(
      R"({"properties":{"k":{"type":"keyword"},"n":{"type":"long"},"ip":{"type":"ip"},"tags":{"type":"keyword"}}})",
      {R"({"k":"a","n":1,"ip":"10.0.0.1","tags":["a","b"]})", R"({"k":"b","n":2,"ip":"10.0.0.2","tags":"b"})",
       R"({"k":"a","n":3,"ip":"10.0.0.1"})", R"({"k":"c","n":1,"ip":"10.0.0.3","tags":"c"})"});
  // Exact values: only the terms named get buckets, and only their rows
  // reach the sub-aggregation.
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"terms":{"field":"k","include":["a","c"]},
                                                    "aggs":{"by_n":{"terms":{"field":"n"}}}})")
                                          .get());
  ASSERT_EQ(r[0].buckets.size(), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("a")), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("c")), 1u);
  EXPECT_EQ(r[0].buckets.at(S("a")).subs[0].buckets.size(), 2u);  // n 1 and 3
  // Numbers, addresses (the plain one-column path), a regex, and arrays
  // (the generic path): each key decided by its text.
  r = seg->Run(seg->Make(R"({"terms":{"field":"n","include":[1,3]}})").get());
  EXPECT_EQ(r[0].buckets.size(), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{1}), 2u);
  r = seg->Run(seg->Make(R"({"terms":{"field":"ip","exclude":["10.0.0.1"]}})").get());
  EXPECT_EQ(r[0].buckets.size(), 2u);
  r = seg->Run(seg->Make(R"({"terms":{"field":"tags","include":"[ab]"}})").get());
  EXPECT_EQ(r[0].buckets.size(), 2u);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("b")), 2u);
}

TEST(TermsCollector, KeysOfEveryFieldKind) {
  auto seg = AggTestSegment::Documents(
      R"({"properties":{"ip":{"type":"ip"},"ok":{"type":"boolean"},"d":{"type":"double"},"msg":{"type":"text"}}})",
      {R"({"ip":"10.0.0.9","ok":true,"d":1.5,"msg":"a b"})", R"({"ip":"10.0.0.10","ok":false,"d":1.5})"});
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"terms":{"field":"ip"}})").get());
  EXPECT_TRUE(r[0].ip_keys) << "addresses keyed by address, sorted as Elasticsearch sorts them";
  EXPECT_EQ(IpKeyText(r[0].buckets.begin()->first), "10.0.0.9");
  r = seg->Run(seg->Make(R"({"terms":{"field":"ok"}})").get());
  EXPECT_TRUE(r[0].boolean_keys);
  EXPECT_EQ(AggTestSegment::Count(r[0], int64_t{1}), 1u);
  r = seg->Run(seg->Make(R"({"terms":{"field":"d"}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], 1.5), 2u);
  Status s;
  seg->Make(R"({"terms":{"field":"msg"}})", &s);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("Text fields are not optimised"), std::string_view::npos);
}

TEST(TermsCollector, DerivedFlowFields) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  std::vector<AggResult> r = seg->Run(seg->Make(R"({"terms":{"field":"event.outcome"}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], S("success")), 3u);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("failure")), 2u);
  EXPECT_FALSE(r[0].unfilterable_keys) << "a term query on event.outcome finds its rows again";
  r = seg->Run(seg->Make(R"({"terms":{"field":"aws.vpcflow.tcp_flags_array"}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], S("syn")), 4u);
  EXPECT_EQ(AggTestSegment::Count(r[0], S("ack")), 2u);
  r = seg->Run(seg->Make(R"({"terms":{"field":"network.iana_number"}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], S("6")), 4u) << "a keyword: keys are text";
  r = seg->Run(seg->Make(R"({"terms":{"field":"source.address"}})").get());
  EXPECT_FALSE(r[0].ip_keys) << "a keyword of the address text: keyed and sorted as text";
  EXPECT_EQ(AggTestSegment::Count(r[0], S("10.0.0.2")), 2u);
  r = seg->Run(seg->Make(R"({"terms":{"field":"event.type"}})").get());
  EXPECT_EQ(AggTestSegment::Count(r[0], S("connection")), 6u) << "every record, NODATA included";
  r = seg->Run(seg->Make(R"({"terms":{"field":"network.community_id"}})").get());
  EXPECT_EQ(r[0].buckets.size(), 4u) << "rows 1 and 2 are one flow, both ways";
}

TEST(TermsCollector, FusedSumAgreesWithTheGenericPath) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  // A terms with one sum takes the fused path; with two metrics, the generic one.
  std::vector<AggResult> fused =
      seg->Run(seg->Make(R"({"terms":{"field":"source.ip"},"aggs":{"b":{"sum":{"field":"network.bytes"}}}})").get());
  std::vector<AggResult> generic = seg->Run(
      seg->Make(
             R"({"terms":{"field":"source.ip"},"aggs":{"b":{"sum":{"field":"network.bytes"}},"c":{"max":{"field":"network.bytes"}}}})")
          .get());
  ASSERT_EQ(fused[0].buckets.size(), generic[0].buckets.size());
  for (const auto& [key, bucket] : fused[0].buckets) {
    const AggBucket& other = generic[0].buckets.at(key);
    EXPECT_EQ(bucket.doc_count, other.doc_count);
    EXPECT_EQ(bucket.subs[0].sum, other.subs[0].sum);
  }
}

}  // namespace
}  // namespace flowdex
