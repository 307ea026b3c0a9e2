#include "query/searcher.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "gen/flow_generator.h"
#include "ingest/document_writer.h"
#include "ingest/flow_ingester.h"
#include "query/dsl/dsl_parser.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class SearcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("flowdex_searcher_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 30000;
    g.files = 3;
    g.out_dir = (root_ / "logs").string();
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
    IngestOptions o;
    o.batch_rows = 10000;  // a segment per file
    IngestProgress progress;
    IngestSummary summary;
    ASSERT_TRUE(IngestFlowFiles(store_.get(), result.paths, o, &progress, &summary).ok());
    DocumentWriter::Options d;
    d.index = "app";
    DocumentWriter w(store_.get(), d, {});
    MappingError err;
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(w.Add(R"({"n":)" + std::to_string(i) + R"(,"msg":"hello"})", "doc" + std::to_string(i), &err));
    }
    CommitBatch batch;
    ASSERT_TRUE(w.Finish(&batch).ok());
    ASSERT_TRUE(store_->Commit(batch).ok());
  }
  static void TearDownTestSuite() {
    store_.reset();
    fs::remove_all(root_);
  }
  static SearchResponse Run(const SearchRequest& r) {
    SearchResponse resp;
    Status s = Search(*store_, r, &resp);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return resp;
  }
  static fs::path root_;
  static std::unique_ptr<Store> store_;
};
fs::path SearcherTest::root_;
std::unique_ptr<Store> SearcherTest::store_;

TEST_F(SearcherTest, MatchAllPagesInIndexOrderWithSources) {
  SearchRequest r;
  r.indices = {"logs-*"};
  r.size = 5;
  r.track_total_hits = -1;
  SearchResponse resp = Run(r);
  EXPECT_EQ(resp.total, 30000u);
  EXPECT_TRUE(resp.total_is_exact);
  ASSERT_EQ(resp.hits.size(), 5u);
  std::set<std::string> ids;
  for (const SearchHit& h : resp.hits) {
    EXPECT_EQ(h.index, "logs-aws.vpcflow-default");
    ids.insert(h.id);
    rapidjson::Document d;
    d.Parse(h.source.c_str());
    ASSERT_FALSE(d.HasParseError()) << h.source;
    EXPECT_TRUE(d.HasMember("@timestamp"));
    EXPECT_EQ(std::string(d["ecs"]["version"].GetString()), "8.11.0");
  }
  EXPECT_EQ(ids.size(), 5u);
  // The next page starts where this one ended.
  r.from = 4;
  r.size = 2;
  SearchResponse next = Run(r);
  ASSERT_EQ(next.hits.size(), 2u);
  EXPECT_EQ(next.hits[0].id, resp.hits[4].id);
}

TEST_F(SearcherTest, TotalsCountUpToTheTrackingLimit) {
  SearchRequest r;
  r.indices = {"logs-*"};
  r.size = 0;
  SearchResponse resp = Run(r);
  EXPECT_EQ(resp.total, 10000u);
  EXPECT_FALSE(resp.total_is_exact) << "default: exact up to 10,000";
  EXPECT_TRUE(resp.hits.empty());
}

TEST_F(SearcherTest, SortsByFieldsBothWays) {
  SearchRequest r;
  r.indices = {"logs-aws.vpcflow-default"};
  r.size = 20;
  r.sort = {{"source.bytes", true}};
  SearchResponse desc = Run(r);
  ASSERT_EQ(desc.hits.size(), 20u);
  for (size_t i = 1; i < desc.hits.size(); ++i) {
    EXPECT_GE(desc.hits[i - 1].sort[0].integer, desc.hits[i].sort[0].integer);
  }
  // The largest flow is found whatever segment holds it.
  SearchRequest all = r;
  all.size = 30000;
  SearchResponse everything = Run(all);
  int64_t max = 0;
  for (const SearchHit& h : everything.hits) max = std::max(max, h.sort[0].integer);
  EXPECT_EQ(desc.hits[0].sort[0].integer, max);
  r.sort = {{"@timestamp", false}, {"destination.port", true}};
  SearchResponse asc = Run(r);
  for (size_t i = 1; i < asc.hits.size(); ++i) {
    const auto& a = asc.hits[i - 1].sort;
    const auto& b = asc.hits[i].sort;
    EXPECT_TRUE(a[0].integer < b[0].integer || (a[0].integer == b[0].integer && a[1].integer >= b[1].integer));
  }
  r.sort = {{"source.ip", false}};
  SearchResponse ips = Run(r);
  EXPECT_EQ(ips.hits[0].sort[0].kind, SortValue::Kind::kString);
}

// Top-k by one integer key skips blocks that cannot beat the worst kept
// hit: the answer must be what sorting every hit gives.
TEST_F(SearcherTest, TopHitsBySortMatchSortingEveryHit) {
  for (const char* field : {"@timestamp", "source.bytes"}) {
    for (bool descending : {true, false}) {
      SearchRequest all;
      all.indices = {"logs-aws.vpcflow-default"};
      all.query = Query::Term("event.action", QueryValue::String("REJECT"));
      all.size = 10000;
      all.sort = {{field, descending}};
      all.track_total_hits = -1;
      const SearchResponse everything = Run(all);
      ASSERT_GT(everything.total, 100u);
      ASSERT_LT(everything.total, 10000u);
      // The engine's full sort, checked for order, is the reference for a page.
      for (size_t i = 1; i < everything.hits.size(); ++i) {
        const int64_t a = everything.hits[i - 1].sort[0].integer, b = everything.hits[i].sort[0].integer;
        ASSERT_TRUE(descending ? a >= b : a <= b) << field;
      }
      SearchRequest page = all;
      page.size = 7;
      const SearchResponse top = Run(page);
      ASSERT_EQ(top.hits.size(), 7u);
      for (size_t i = 0; i < top.hits.size(); ++i) {
        EXPECT_EQ(top.hits[i].id, everything.hits[i].id) << field << " " << descending << " " << i;
      }
    }
  }
  // Every flow, newest first, counting only up to the default 10,000: the
  // query is matched block by block and may stop early, but the page is the
  // same as with an exact count.
  SearchRequest exact;
  exact.indices = {"logs-aws.vpcflow-default"};
  exact.sort = {{"@timestamp", true}};
  exact.size = 50;
  exact.track_total_hits = -1;
  const SearchResponse reference = Run(exact);
  EXPECT_EQ(reference.total, 30000u);
  SearchRequest capped = exact;
  capped.track_total_hits = 10000;
  const SearchResponse page = Run(capped);
  EXPECT_EQ(page.total, 10000u);
  EXPECT_FALSE(page.total_is_exact);
  ASSERT_EQ(page.hits.size(), reference.hits.size());
  for (size_t i = 0; i < page.hits.size(); ++i) EXPECT_EQ(page.hits[i].id, reference.hits[i].id) << i;
}

TEST_F(SearcherTest, SearchAfterWithADocTiebreakerPagesThroughEveryHitOnce) {
  // Paging as a client does ("load more", export): the view's sort then
  // _doc, each page after the last hit of the one before. Blocks are
  // pruned by the first key (its min/max) on every page; the pages joined
  // must be the full sort, every hit once.
  for (const char* field : {"@timestamp", "source.bytes"}) {
    for (bool descending : {true, false}) {
      SearchRequest all;
      all.indices = {"logs-aws.vpcflow-default"};
      all.query = Query::Term("event.action", QueryValue::String("REJECT"));
      all.size = 10000;
      all.sort = {{field, descending}, {"_doc", false}};
      all.track_total_hits = -1;
      const SearchResponse everything = Run(all);
      ASSERT_GT(everything.total, 500u);
      ASSERT_EQ(everything.hits.size(), everything.total);
      SearchRequest page = all;
      page.size = 97;
      std::vector<std::string> paged;
      for (int pages = 0; pages < 1000; ++pages) {
        const SearchResponse r = Run(page);
        EXPECT_EQ(r.total, everything.total);
        for (const SearchHit& hit : r.hits) paged.push_back(hit.id);
        if (r.hits.size() < page.size) break;
        const SearchHit& last = r.hits.back();
        page.search_after = {QueryValue::Integer(last.sort[0].integer), QueryValue::Integer(last.sort[1].integer)};
        page.search_after_null = {last.sort[0].kind == SortValue::Kind::kMissing, false};
      }
      ASSERT_EQ(paged.size(), everything.hits.size()) << field << " " << descending;
      for (size_t i = 0; i < paged.size(); ++i) {
        ASSERT_EQ(paged[i], everything.hits[i].id) << field << " " << descending << " " << i;
      }
    }
  }
}

TEST_F(SearcherTest, CancelledAndTimedOutSearchesStop) {
  SearchRequest r;
  r.indices = {"logs-*"};
  r.aggs.resize(1);
  r.aggs[0].name = "ports";
  r.aggs[0].field = "destination.port";
  CancellationSource cancel;
  cancel.Cancel();
  r.cancel = cancel.token();
  SearchResponse resp;
  EXPECT_TRUE(Search(*store_, r, &resp).IsCancelled());

  r.cancel = CancellationToken();
  r.timeout_ms = 0;  // out of time before the first segment: an empty, partial answer
  EXPECT_TRUE(Search(*store_, r, &resp).ok());
  EXPECT_TRUE(resp.timed_out);
  EXPECT_EQ(resp.segments_searched, 0u);

  r.timeout_ms = 60000;
  EXPECT_TRUE(Search(*store_, r, &resp).ok());
  EXPECT_FALSE(resp.timed_out);
  EXPECT_EQ(resp.total, 10000u);
}

// Segments' aggregations are merged as they finish, in segment order: the
// same answer every time, with every segment counted once (each bucket's
// count equals a count search for its key).
TEST_F(SearcherTest, AggregationsCountEverySegmentOnceWhateverTheTiming) {
  auto parse = [](const std::string& body) {
    SearchRequest r;
    ParseError error;
    EXPECT_TRUE(ParseSearchBody(body, &r, &error)) << error.reason;
    r.indices = {"logs-*"};
    return r;
  };
  const SearchRequest r = parse(
      R"({"size":0,"aggs":{"a":{"terms":{"field":"event.action"},"aggs":{"b":{"sum":{"field":"network.bytes"}}}},)"
      R"("p":{"terms":{"field":"destination.port","size":5},"aggs":{"s":{"stats":{"field":"network.packets"}}}}}})");
  auto json = [&](const SearchResponse& resp) {
    std::string all;
    for (size_t a = 0; a < r.aggs.size(); ++a) {
      std::string one;
      WriteAggregationJson(r.aggs[a], resp.aggs[a], &one);
      all += one + "\n";
    }
    return all;
  };
  const SearchResponse first = Run(r);
  ASSERT_GE(first.segments_searched, 3u);
  const std::string want = json(first);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(json(Run(r)), want);
  uint64_t counted = 0;
  for (const auto& [key, bucket] : first.aggs[0].buckets) {
    const SearchResponse one = Run(parse(R"({"size":0,"track_total_hits":true,"query":{"term":{"event.action":")" +
                                         std::get<std::string>(key) + R"("}}})"));
    EXPECT_EQ(one.total, bucket.doc_count) << std::get<std::string>(key);
    counted += bucket.doc_count;
  }
  EXPECT_EQ(counted,
            Run(parse(R"({"size":0,"track_total_hits":true,"query":{"exists":{"field":"event.action"}}})")).total);
  EXPECT_GT(counted, 20000u);
}

// terms on derived flow fields agree with terms on the stored fields they
// come from.
TEST_F(SearcherTest, TermsOnDerivedFlowFields) {
  SearchRequest r;
  r.indices = {"logs-aws.vpcflow-default"};
  r.size = 0;
  ParseError error;
  ASSERT_TRUE(ParseSearchBody(R"({"size":0,"aggs":{
      "transport":{"terms":{"field":"network.transport"}},
      "iana":{"terms":{"field":"network.iana_number"}},
      "outcome":{"terms":{"field":"event.outcome"}},
      "action":{"terms":{"field":"event.action"}},
      "type":{"terms":{"field":"network.type"}},
      "provider":{"terms":{"field":"cloud.provider"}}}})",
                              &r, &error))
      << error.reason;
  r.indices = {"logs-aws.vpcflow-default"};
  const SearchResponse resp = Run(r);
  auto count = [&](size_t agg, const AggKey& key) {
    auto it = resp.aggs[agg].buckets.find(key);
    return it == resp.aggs[agg].buckets.end() ? uint64_t{0} : it->second.doc_count;
  };
  EXPECT_GT(count(0, std::string("tcp")), 0u);
  // network.iana_number is a keyword in Elastic's mapping: keys are its text.
  EXPECT_EQ(count(0, std::string("tcp")), count(1, std::string("6")));
  EXPECT_EQ(count(0, std::string("udp")), count(1, std::string("17")));
  EXPECT_EQ(count(2, std::string("success")), count(3, std::string("ACCEPT")));
  EXPECT_EQ(count(2, std::string("failure")), count(3, std::string("REJECT")));
  EXPECT_GT(count(4, std::string("ipv4")), 0u);
  EXPECT_EQ(count(5, std::string("aws")), 30000u);
}

TEST_F(SearcherTest, TimeRangesSkipWholeSegments) {
  SearchRequest r;
  r.indices = {"logs-*"};
  RangeQuery before;
  before.field = "@timestamp";
  before.lt = QueryValue::String("2020-01-01T00:00:00Z");
  r.query = before;
  SearchResponse resp = Run(r);
  EXPECT_EQ(resp.total, 0u);
  EXPECT_EQ(resp.segments_searched, 0u);
  EXPECT_GT(resp.segments_skipped, 0u);
}

TEST_F(SearcherTest, IndexPatternsAndIds) {
  SearchRequest r;
  r.indices = {"app"};
  r.size = 100;
  SearchResponse docs = Run(r);
  EXPECT_EQ(docs.total, 50u);
  EXPECT_EQ(docs.hits[7].id, "doc7");
  EXPECT_EQ(docs.hits[7].source, R"({"n":7,"msg":"hello"})");
  r.indices = {"*"};
  r.size = 0;
  r.track_total_hits = -1;
  EXPECT_EQ(Run(r).total, 30050u);
  r.indices = {"nothing-*"};
  EXPECT_EQ(Run(r).total, 0u);
  // An id from a hit finds that hit again.
  r.indices = {"logs-*"};
  r.size = 1;
  r.from = 12345;
  const SearchHit hit = Run(r).hits.at(0);
  SearchRequest by_id;
  by_id.indices = {"logs-*"};
  by_id.query = IdsQuery{{hit.id}};
  SearchResponse found = Run(by_id);
  ASSERT_EQ(found.total, 1u);
  EXPECT_EQ(found.hits[0].source, hit.source);
}

}  // namespace
}  // namespace flowdex
