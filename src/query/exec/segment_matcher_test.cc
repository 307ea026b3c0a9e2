#include "query/exec/segment_matcher.h"
#include "store/block_cache.h"
#include "store/filter_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "flowlog/community_id.h"
#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"
#include "gen/flow_generator.h"
#include "ingest/document_writer.h"
#include "ingest/flow_ingester.h"
#include "query/lang/kql_parser.h"
#include "query/plan/lowering.h"
#include "schema/document_id.h"
#include "schema/field_catalog.h"
#include "schema/flow_row_decoder.h"
#include "segment_test_util.h"
#include "util/time_util.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

// A parsed record, kept for brute-force expectations.
struct Flow {
  std::string src, dst, action, key;
  uint64_t sport = 0, dport = 0, bytes = 0, proto = 0, flags = 0, offset = 0;
  uint32_t file = 0;  // the key's number (Collect::files), to compare lines cheaply
  int64_t end = 0;
  bool has_flags = false, has_action = false, src_v6 = false, has_src = false;
};

class Collect final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext& ctx) override {
    Flow f;
    f.src = std::string(r.text(FlowField::kSrcAddr));
    f.dst = std::string(r.text(FlowField::kDstAddr));
    f.has_src = r.has(FlowField::kSrcAddr);
    f.src_v6 = r.src_addr().is_v6();
    f.action = std::string(r.text(FlowField::kAction));
    f.has_action = r.has(FlowField::kAction);
    f.sport = r.src_port();
    f.dport = r.dst_port();
    f.bytes = r.bytes();
    f.proto = r.has(FlowField::kProtocol) ? r.protocol() : 999;
    f.flags = r.number(FlowField::kTcpFlags);
    f.has_flags = r.has(FlowField::kTcpFlags);
    f.end = r.end();
    f.key = key;
    f.file = static_cast<uint32_t>(files.size() - 1);
    f.offset = ctx.offset;
    flows.push_back(f);
  }
  void OnBadLine(const LineContext&, const Status&) override {}
  // Starts the records of another file.
  void StartFile(std::string k) {
    key = k;
    files.push_back(std::move(k));
  }
  std::string key;
  std::vector<std::string> files;  // by number
  std::vector<Flow> flows;
};

class SegmentMatcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("flowdex_matcher_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 140000;  // three blocks
    g.files = 2;
    g.seed = 11;
    g.out_dir = (root_ / "logs").string();
    ASSERT_TRUE(FlowFormat::Parse("v5", &g.format).ok());
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    collect_ = new Collect;
    FlowLogReader reader;
    for (const std::string& f : result.paths) {
      collect_->StartFile(SourceKeyForPath(f));
      FlowReadStats stats;
      ASSERT_TRUE(reader.ReadFile(f, collect_, &stats).ok());
    }
    ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
    IngestOptions o;
    o.workers = 1;  // one segment
    IngestProgress progress;
    IngestSummary summary;
    ASSERT_TRUE(IngestFlowFiles(store_.get(), result.paths, o, &progress, &summary).ok());
    ASSERT_EQ(store_->Current()->segments.size(), 1u);
    ASSERT_TRUE(store_->OpenSegment(store_->Current()->segments[0], &segment_).ok());
    // The same segment twice more: without a block cache (leaves test the
    // encoded bytes wherever they can), and with every block decoded in
    // its cache (leaves test decoded values).
    std::unique_ptr<SegmentReader> seg_reader;
    ASSERT_TRUE(SegmentReader::Open(segment_->path(), &seg_reader).ok());
    undecoded_ = std::move(seg_reader);
    ASSERT_TRUE(SegmentReader::Open(segment_->path(), &seg_reader).ok());
    cache_ = new BlockCache(uint64_t{1} << 32);
    seg_reader->set_block_cache(cache_);
    ASSERT_NO_FATAL_FAILURE(testing::DecodeEveryBlock(*seg_reader));
    decoded_ = std::move(seg_reader);
    // Each row's line, so that matched rows compare as a set of lines
    // (whatever order the store keeps rows in).
    FlowRowDecoder decoder(segment_.get());
    for (uint32_t row = 0; row < segment_->rows(); ++row) {
      if (row % kRowsPerBlock == 0) {
        ASSERT_TRUE(decoder.LoadBlock(row / kRowsPerBlock).ok());
      }
      const std::string_view key = decoder.SourceKey(row % kRowsPerBlock);
      const auto file = std::find(collect_->files.begin(), collect_->files.end(), key);
      ASSERT_NE(file, collect_->files.end()) << key;
      lines_.emplace_back(static_cast<uint32_t>(file - collect_->files.begin()),
                          decoder.LineOffset(row % kRowsPerBlock));
    }
  }
  static void TearDownTestSuite() {
    segment_.reset();
    undecoded_.reset();
    decoded_.reset();
    delete cache_;
    store_.reset();
    delete collect_;
    fs::remove_all(root_);
  }

  // The rows `q` matches, lowered against the flow schema, in `segment`
  // (by default the store's own reader).
  static Status MatchRows(const Query& q, Bitmap* rows, uint64_t* blocks = nullptr,
                          const SegmentReader* segment = nullptr) {
    Predicate p;
    Status s = LowerQuery(q, FieldCatalog::Flow(), CurrentTimeMillis(), &p);
    if (!s.ok()) return s;
    SegmentMatcher m(segment != nullptr ? segment : segment_.get(), nullptr);
    s = m.Match(p, rows);
    if (blocks) *blocks = m.blocks_read();
    return s;
  }

  // The lines `q` matches equal those the brute-force predicate keeps,
  // whether the blocks are tested encoded or decoded.
  void Expect(const Query& q, const std::function<bool(const Flow&)>& want, uint64_t* blocks = nullptr) {
    Bitmap rows;
    Status s = MatchRows(q, &rows, blocks, undecoded_.get());
    ASSERT_TRUE(s.ok()) << s.ToString();
    Bitmap decoded_rows;
    s = MatchRows(q, &decoded_rows, nullptr, decoded_.get());
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(roaring_bitmap_equals(rows.get(), decoded_rows.get()))
        << QueryToString(q) << ": encoded and decoded blocks match different rows";
    std::vector<std::pair<uint32_t, uint64_t>> got, expected;
    roaring_iterate(
        rows.get(),
        [](uint32_t row, void* out) {
          static_cast<std::vector<uint32_t>*>(out)->push_back(row);
          return true;
        },
        &matched_);
    for (uint32_t row : matched_) got.push_back(lines_[row]);
    matched_.clear();
    for (const Flow& f : collect_->flows) {
      if (want(f)) expected.emplace_back(f.file, f.offset);
    }
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got.size(), expected.size()) << QueryToString(q);
    EXPECT_TRUE(got == expected) << QueryToString(q) << ": the matched lines differ";
  }

  static fs::path root_;
  static Collect* collect_;
  static std::vector<std::pair<uint32_t, uint64_t>> lines_;  // (file number, line offset) by row
  static std::vector<uint32_t> matched_;
  static std::unique_ptr<Store> store_;
  static std::shared_ptr<SegmentReader> segment_;
  static std::shared_ptr<SegmentReader> undecoded_, decoded_;
  static BlockCache* cache_;
};

fs::path SegmentMatcherTest::root_;
std::vector<std::pair<uint32_t, uint64_t>> SegmentMatcherTest::lines_;
std::vector<uint32_t> SegmentMatcherTest::matched_;
Collect* SegmentMatcherTest::collect_ = nullptr;
std::unique_ptr<Store> SegmentMatcherTest::store_;
std::shared_ptr<SegmentReader> SegmentMatcherTest::segment_;
std::shared_ptr<SegmentReader> SegmentMatcherTest::undecoded_;
std::shared_ptr<SegmentReader> SegmentMatcherTest::decoded_;
BlockCache* SegmentMatcherTest::cache_ = nullptr;

Query Terms(std::string field, std::vector<QueryValue> values) {
  return TermsQuery{std::move(field), std::move(values)};
}

RangeQuery Range(std::string field) {
  RangeQuery r;
  r.field = std::move(field);
  return r;
}

TEST_F(SegmentMatcherTest, TermsOnEveryKindOfColumn) {
  // A rare external address: postings keep the blocks read low.
  std::map<std::string, int> counts;
  for (const Flow& f : collect_->flows) ++counts[f.src];
  std::string rare;
  for (const auto& [ip, n] : counts) {
    if (n == 3 && ip.find(':') == std::string::npos && ip.rfind("10.", 0) != 0) rare = ip;
  }
  ASSERT_FALSE(rare.empty());
  uint64_t blocks = 0;
  Expect(
      Query::Term("source.ip", QueryValue::String(rare)), [&](const Flow& f) { return f.src == rare; }, &blocks);
  EXPECT_LE(blocks, 3u) << "postings: only blocks holding the address are read";
  Expect(Query::Term("destination.port", QueryValue::Integer(22)), [](const Flow& f) { return f.dport == 22; });
  Expect(Query::Term("destination.port", QueryValue::String("22")), [](const Flow& f) { return f.dport == 22; });
  Expect(Query::Term("destination.port", QueryValue::Double(22.5)), [](const Flow&) { return false; });
  Expect(Query::Term("event.action", QueryValue::String("REJECT")), [](const Flow& f) { return f.action == "REJECT"; });
  Expect(Terms("destination.port", {QueryValue::Integer(22), QueryValue::Integer(3389)}),
         [](const Flow& f) { return f.dport == 22 || f.dport == 3389; });
  Expect(Query::Term("network.iana_number", QueryValue::String("17")), [](const Flow& f) { return f.proto == 17; });
}

TEST_F(SegmentMatcherTest, RangesAndCidrs) {
  RangeQuery bytes = Range("source.bytes");
  bytes.gte = QueryValue::Integer(1000);
  bytes.lt = QueryValue::Integer(5000);
  Expect(bytes, [](const Flow& f) { return f.bytes >= 1000 && f.bytes < 5000; });
  RangeQuery network_bytes = bytes;
  network_bytes.field = "network.bytes";  // an alias
  Expect(network_bytes, [](const Flow& f) { return f.bytes >= 1000 && f.bytes < 5000; });
  const int64_t mid = collect_->flows[collect_->flows.size() / 2].end;
  RangeQuery time = Range("@timestamp");
  time.gt = QueryValue::Integer(mid * 1000);
  Expect(time, [&](const Flow& f) { return f.end > mid; });
  char iso[kIso8601MillisLength];
  FormatIso8601Millis(mid * 1000, iso);
  time.gt.reset();
  time.lte = QueryValue::String(std::string(iso, kIso8601MillisLength));
  Expect(time, [&](const Flow& f) { return f.end <= mid; });
  Expect(Query::Term("source.ip", QueryValue::String("10.0.0.0/8")),
         [](const Flow& f) { return f.src.rfind("10.", 0) == 0; });
  Expect(Query::Term("destination.ip", QueryValue::String("172.31.0.0/16")),
         [](const Flow& f) { return f.dst.rfind("172.31.", 0) == 0; });
  RangeQuery ips = Range("source.ip");
  ips.gte = QueryValue::String("10.1.0.0");
  ips.lte = QueryValue::String("10.1.255.255");
  Expect(ips, [](const Flow& f) { return f.src.rfind("10.1.", 0) == 0; });
}

TEST_F(SegmentMatcherTest, DerivedAndConstantFields) {
  Expect(Query::Term("event.outcome", QueryValue::String("failure")),
         [](const Flow& f) { return f.action == "REJECT"; });
  Expect(Query::Term("event.type", QueryValue::String("allowed")), [](const Flow& f) { return f.action == "ACCEPT"; });
  Expect(Query::Term("event.type", QueryValue::String("connection")), [](const Flow&) { return true; });
  Expect(Query::Term("network.transport", QueryValue::String("udp")), [](const Flow& f) { return f.proto == 17; });
  Expect(Query::Term("network.type", QueryValue::String("ipv6")), [](const Flow& f) { return f.has_src && f.src_v6; });
  Expect(Query::Term("aws.vpcflow.tcp_flags_array", QueryValue::String("syn")),
         [](const Flow& f) { return f.has_flags && (f.flags & 2); });
  Expect(Query::Exists("aws.vpcflow.tcp_flags_array"), [](const Flow& f) { return f.has_flags && (f.flags & 0x3f); });
  Expect(Query::Term("cloud.provider", QueryValue::String("aws")), [](const Flow&) { return true; });
  Expect(Query::Term("cloud.provider", QueryValue::String("gcp")), [](const Flow&) { return false; });
  const std::string some = collect_->flows[5].dst;
  Expect(Query::Term("related.ip", QueryValue::String(some)),
         [&](const Flow& f) { return f.src == some || f.dst == some; });
  Expect(Query::Exists("source.ip"), [](const Flow& f) { return f.has_src; });
  Expect(Query::Term("no.such.field", QueryValue::String("x")), [](const Flow&) { return false; });
}

TEST_F(SegmentMatcherTest, BoolLogic) {
  BoolQuery q;
  q.filter.push_back(Query::Term("source.ip", QueryValue::String("10.0.0.0/8")));
  q.must_not.push_back(Query::Term("destination.port", QueryValue::Integer(443)));
  Expect(q, [](const Flow& f) { return f.src.rfind("10.", 0) == 0 && f.dport != 443; });
  // should alone: at least one must match.
  BoolQuery s;
  s.should.push_back(Query::Term("destination.port", QueryValue::Integer(22)));
  s.should.push_back(Query::Term("event.action", QueryValue::String("REJECT")));
  Expect(s, [](const Flow& f) { return f.dport == 22 || f.action == "REJECT"; });
  s.minimum_should_match = 2;
  Expect(s, [](const Flow& f) { return f.dport == 22 && f.action == "REJECT"; });
  // should beside a filter only scores: it does not restrict.
  BoolQuery b = s;
  b.minimum_should_match = -1;
  b.filter.push_back(Query::Term("network.transport", QueryValue::String("tcp")));
  Expect(b, [](const Flow& f) { return f.proto == 6; });
  // Only must_not: everything else.
  BoolQuery neg;
  neg.must_not.push_back(Query::Term("event.action", QueryValue::String("ACCEPT")));
  Expect(neg, [](const Flow& f) { return f.action != "ACCEPT"; });
  BoolQuery empty;
  Expect(empty, [](const Flow&) { return true; });
}

TEST_F(SegmentMatcherTest, IdsAndErrors) {
  const Flow& f = collect_->flows[1234];
  Expect(IdsQuery{{DocumentIdFor(f.key, f.offset)}},
         [&](const Flow& g) { return g.key == f.key && g.offset == f.offset; });
  // Values that do not fit their field fail when the query is lowered.
  Bitmap rows;
  Status s = MatchRows(Query::Term("destination.port", QueryValue::String("http")), &rows);
  EXPECT_EQ(s.code(), Status::Code::kQueryValue);
  EXPECT_NE(s.message().find("For input string: \"http\""), std::string::npos);
  s = MatchRows(Query::Term("source.ip", QueryValue::String("10.0.0/8x")), &rows);
  EXPECT_EQ(s.code(), Status::Code::kQueryValue);
}

TEST_F(SegmentMatcherTest, KqlEndToEnd) {
  auto kql = [](std::string_view text, bool ci = false) {
    Query q;
    ParseError e;
    EXPECT_TRUE(ParseKql(text, &q, &e, ci)) << e.reason;
    return q;
  };
  // The seed's query.
  Expect(kql("source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*"),
         [](const Flow& f) { return f.src.rfind("10.", 0) == 0 && f.action == "REJECT" && !f.dst.empty(); });
  // Keywords are case-sensitive unless asked otherwise.
  Expect(kql("event.action:reject"), [](const Flow&) { return false; });
  Expect(kql("event.action:reject", true), [](const Flow& f) { return f.action == "REJECT"; });
  Expect(kql("destination.port:(22 or 3389) and not event.outcome:success"),
         [](const Flow& f) { return (f.dport == 22 || f.dport == 3389) && f.action != "ACCEPT"; });
  Expect(kql("source.bytes >= 1000 and network.bytes < 5000"),
         [](const Flow& f) { return f.bytes >= 1000 && f.bytes < 5000; });
  Expect(kql("network.transport:udp or network.transport:icmp"),
         [](const Flow& f) { return f.proto == 17 || f.proto == 1; });
  // A date matches the span it names.
  const int64_t end = collect_->flows[10].end;
  char iso[kIso8601MillisLength];
  FormatIso8601Millis(end * 1000, iso);
  const std::string minute(iso, 16);  // "YYYY-MM-DDTHH:MM"
  Expect(kql(std::string("@timestamp:\"").append(minute).append("\"")),
         [&](const Flow& f) { return f.end / 60 == end / 60; });
  // Field-less: any field holds the value.
  Expect(kql("REJECT"), [](const Flow& f) { return f.action == "REJECT"; });
  Expect(kql(std::string("related.ip:\"").append(collect_->flows[3].src).append("\"")),
         [&](const Flow& f) { return f.src == collect_->flows[3].src || f.dst == collect_->flows[3].src; });
  Expect(kql("aws.vpcflow.interface_id:eni-*"), [](const Flow&) { return true; });
  Expect(kql("destination.port >= 1024 and destination.port < 1025"), [](const Flow& f) { return f.dport == 1024; });
}

Query KqlQuery(std::string_view text) {
  Query q;
  ParseError e;
  EXPECT_TRUE(ParseKql(text, &q, &e)) << e.reason;
  return q;
}

// Derived keyword fields behave as keywords of their values, whatever
// stored column they come from (the defects #9 names among them).
// A whole bool filter is cached on its second use, its leaves not (they
// would crowd it out); cached answers equal fresh ones, also within a
// restriction; a filter with "now" in it is never cached.
TEST_F(SegmentMatcherTest, BoolFiltersAreCachedWholeOnTheirSecondUse) {
  auto lower = [](std::string_view kql) {
    Query q;
    ParseError e;
    EXPECT_TRUE(ParseKql(kql, &q, &e, false)) << e.reason;
    Predicate p;
    EXPECT_TRUE(LowerQuery(q, FieldCatalog::Flow(), CurrentTimeMillis(), &p).ok());
    return p;
  };
  const Predicate seed = lower("source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*");
  ASSERT_TRUE(seed.Is<BoolPredicate>());
  const std::string key = FilterCacheKey(seed);
  ASSERT_FALSE(key.empty());
  EXPECT_NE(key, FilterCacheKey(lower("source.ip:10.0.0.0/8 AND event.action:ACCEPT AND destination.ip:*")));
  EXPECT_NE(key, FilterCacheKey(lower("source.ip:10.0.0.0/8 OR event.action:REJECT OR destination.ip:*")));
  EXPECT_EQ(FilterCacheKey(lower("event.action:REJECT AND @timestamp >= now-1h")), "");

  Bitmap fresh;
  ASSERT_TRUE(SegmentMatcher(segment_.get(), nullptr).Match(seed, &fresh).ok());
  ASSERT_GT(roaring_bitmap_get_cardinality(fresh.get()), 0u);
  FilterCache cache(uint64_t{64} << 20);
  for (int use = 1; use <= 3; ++use) {
    Bitmap rows;
    ASSERT_TRUE(SegmentMatcher(segment_.get(), &cache).Match(seed, &rows).ok());
    EXPECT_TRUE(roaring_bitmap_equals(rows.get(), fresh.get())) << "use " << use;
    EXPECT_EQ(cache.Lookup(segment_->id(), key) != nullptr, use >= 2) << "use " << use;
  }
  for (const Predicate& leaf : seed.As<BoolPredicate>()->required) {
    EXPECT_EQ(cache.Lookup(segment_->id(), leaf.cache_key), nullptr) << leaf.cache_key;
  }
  // From the cache within a restriction: the rows of both.
  Bitmap half = NewBitmap();
  roaring_bitmap_add_range(half.get(), 0, segment_->rows() / 2);
  Bitmap within, want(roaring_bitmap_and(fresh.get(), half.get()));
  ASSERT_TRUE(SegmentMatcher(segment_.get(), &cache).MatchWithin(seed, half.get(), &within).ok());
  EXPECT_TRUE(roaring_bitmap_equals(within.get(), want.get()));
}

TEST_F(SegmentMatcherTest, DerivedKeywordsBehaveAsKeywords) {
  auto src_starts = [](std::string_view prefix) {
    return [prefix](const Flow& f) { return f.has_src && f.src.rfind(prefix, 0) == 0; };
  };
  // source.address is a keyword in ECS: a prefix or wildcard on its text.
  Expect(PrefixQuery{"source.address", "10.1."}, src_starts("10.1."));
  Expect(KqlQuery("source.address:10.1.*"), src_starts("10.1."));
  Expect(WildcardQuery{"destination.address", "*.5"},
         [](const Flow& f) { return f.dst.size() > 2 && f.dst.compare(f.dst.size() - 2, 2, ".5") == 0; });
  Expect(Query::Term("source.address", QueryValue::String(collect_->flows[7].src)),
         [&](const Flow& f) { return f.src == collect_->flows[7].src; });
  // Only the canonical text is a value.
  Expect(Query::Term("source.address", QueryValue::String("10.000.0.1")), [](const Flow&) { return false; });
  // An infix wildcard on a derived keyword, in KQL and in the DSL alike.
  auto with_c = [](const Flow& f) { return f.proto == 6 || f.proto == 1 || f.proto == 58 || f.proto == 132; };
  Expect(KqlQuery("network.transport:*c*"), with_c);
  Expect(WildcardQuery{"network.transport", "*c*"}, with_c);
  Expect(RegexpQuery{"network.transport", "t.p"}, [](const Flow& f) { return f.proto == 6; });
  Expect(PrefixQuery{"event.outcome", "fail"}, [](const Flow& f) { return f.action == "REJECT"; });
  Expect(WildcardQuery{"aws.vpcflow.tcp_flags_array", "?yn"},
         [](const Flow& f) { return f.has_flags && (f.flags & 2); });
  // The protocol is a keyword in Elastic's mapping: its decimal text.
  Expect(PrefixQuery{"network.iana_number", "1"},
         [](const Flow& f) { return f.proto != 999 && std::to_string(f.proto).starts_with("1"); });
  Expect(Query::Term("network.iana_number", QueryValue::String("06")), [](const Flow&) { return false; });
  RangeQuery text_range = Range("network.iana_number");
  text_range.gte = QueryValue::String("10");
  text_range.lt = QueryValue::String("2");  // as text: "10" <= v < "2"
  Expect(text_range, [](const Flow& f) {
    const std::string t = std::to_string(f.proto);
    return f.proto != 999 && t >= "10" && t < "2";
  });
  // The Community ID, computed from each row's 5-tuple.
  const Flow& some = collect_->flows[42];
  ASSERT_EQ(some.proto, 6u);
  CommunityIdHasher hasher;
  IpAddress src, dst;
  ASSERT_TRUE(ParseIpAddress(some.src, &src) && ParseIpAddress(some.dst, &dst));
  char cid[kCommunityIdLength];
  ASSERT_TRUE(hasher.Compute(src, dst, static_cast<uint16_t>(some.sport), static_cast<uint16_t>(some.dport), 6, cid));
  const std::string id(cid, kCommunityIdLength);
  Expect(Query::Term("network.community_id", QueryValue::String(id)), [&](const Flow& f) {
    char other[kCommunityIdLength];
    IpAddress a, b;
    return f.proto == 6 && ParseIpAddress(f.src, &a) && ParseIpAddress(f.dst, &b) &&
           hasher.Compute(a, b, static_cast<uint16_t>(f.sport), static_cast<uint16_t>(f.dport), 6, other) &&
           std::string_view(other, kCommunityIdLength) == id;
  });
  // event.end is @timestamp only where the record had an end.
  Expect(Query::Exists("event.end"), [](const Flow& f) { return f.end != 0; });
}

TEST(SegmentMatcherDocuments, TextKeywordNumbersDatesAndBooleans) {
  const fs::path dir = fs::temp_directory_path() / ("flowdex_matcher_docs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir.string(), &store).ok());
  DocumentWriter::Options o;
  o.index = "app";
  DocumentWriter w(store.get(), o, {});
  MappingError err;
  const char* docs[] = {
      R"({"@timestamp":"2026-11-27T10:00:00Z","message":"Connection refused by host","user":"alice","n":5,"ok":true,"tags":["x","y"]})",
      R"({"@timestamp":"2026-11-27T11:00:00Z","message":"connection accepted","user":"bob","n":15,"ok":false,"tags":["y"]})",
      R"({"@timestamp":"2026-11-27T12:00:00Z","message":"all quiet","user":"Alicia","n":25})",
  };
  for (const char* d : docs) ASSERT_TRUE(w.Add(d, "", &err)) << err.reason;
  CommitBatch batch;
  ASSERT_TRUE(w.Finish(&batch).ok());
  ASSERT_TRUE(store->Commit(batch).ok());
  std::shared_ptr<SegmentReader> seg;
  ASSERT_TRUE(store->OpenSegment(store->Current()->segments[0], &seg).ok());
  IndexMapping mapping;
  MappingError mapping_error;
  ASSERT_TRUE(IndexMapping::FromJson(store->Mapping("app"), &mapping, &mapping_error)) << mapping_error.reason;
  const auto catalog = FieldCatalog::ForMapping(mapping);
  auto count = [&](const Query& q) {
    Predicate p;
    Status s = LowerQuery(q, *catalog, CurrentTimeMillis(), &p);
    EXPECT_TRUE(s.ok()) << s.ToString();
    SegmentMatcher m(seg.get(), nullptr);
    Bitmap rows;
    s = m.Match(p, &rows);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return roaring_bitmap_get_cardinality(rows.get());
  };
  MatchQuery match{"message", QueryValue::String("CONNECTION refused")};
  EXPECT_EQ(count(match), 2u);  // any token
  match.all_tokens = true;
  EXPECT_EQ(count(match), 1u);  // every token
  EXPECT_EQ(count(Query::Term("message", QueryValue::String("connection"))), 2u) << "a term is one token";
  EXPECT_EQ(count(Query::Term("message", QueryValue::String("Connection"))), 0u) << "tokens are lowercase";
  EXPECT_EQ(count(Query::Term("user.keyword", QueryValue::String("alice"))), 1u);
  TermQuery ci{"user.keyword", QueryValue::String("ALICE"), true};
  EXPECT_EQ(count(ci), 1u);
  PrefixQuery prefix{"user.keyword", "Ali"};
  EXPECT_EQ(count(prefix), 1u);
  prefix.case_insensitive = true;
  EXPECT_EQ(count(prefix), 2u);
  WildcardQuery wildcard{"user.keyword", "*o?"};
  EXPECT_EQ(count(wildcard), 1u);  // bob
  RangeQuery n = Range("n");
  n.gt = QueryValue::Integer(5);
  n.lte = QueryValue::Double(15.5);
  EXPECT_EQ(count(n), 1u);
  RangeQuery t = Range("@timestamp");
  t.gte = QueryValue::String("2026-11-27T10:30:00Z");
  EXPECT_EQ(count(t), 2u);
  EXPECT_EQ(count(Query::Term("ok", QueryValue::Bool(false))), 1u);
  EXPECT_EQ(count(Query::Term("tags.keyword", QueryValue::String("y"))), 2u) << "any value of an array";
  EXPECT_EQ(count(Query::Exists("ok")), 2u);
  const std::vector<std::string>* id_dict = nullptr;
  ASSERT_TRUE(seg->Dictionary(seg->FindColumn("_id"), &id_dict).ok());
  EXPECT_EQ(count(IdsQuery{{(*id_dict)[1]}}), 1u);
  seg.reset();
  store.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowdex
