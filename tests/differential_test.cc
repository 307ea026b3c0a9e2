// Differential test of the query engine against SQLite: generated flow logs
// (the generator behind `flowdex gen`) are ingested into a flowdex store and,
// parsed by the same reader, inserted into an SQLite table. Hundreds of
// random queries (fields, CIDR blocks, ranges, value lists, exists,
// and/or/not nesting) are rendered three ways, as KQL, as Query DSL and as
// SQL, and their hit counts must agree; some also compare terms and
// date_histogram buckets (and a sum per bucket) with GROUP BY.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "flowlog/flow_log_reader.h"
#include "gen/flow_generator.h"
#include "ingest/flow_ingester.h"
#include "query/dsl/dsl_parser.h"
#include "query/dsl/dsl_writer.h"
#include "query/lang/kql_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"
#include "util/json_util.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

constexpr int kQueries = 400;

// Loads every record into SQLite, with NULL for absent values.
class SqliteSink : public FlowRecordSink {
 public:
  explicit SqliteSink(sqlite3_stmt* insert) : insert_(insert) {}
  void OnRecord(const FlowRecord& r, const LineContext&) override {
    sqlite3_reset(insert_);
    sqlite3_clear_bindings(insert_);
    const int64_t ts = (r.has(FlowField::kEnd) ? r.end() : r.start()) * 1000;
    sqlite3_bind_int64(insert_, 1, ts);
    BindIp(2, r.has(FlowField::kSrcAddr) ? &r.src_addr() : nullptr);
    BindIp(3, r.has(FlowField::kDstAddr) ? &r.dst_addr() : nullptr);
    if (r.has(FlowField::kSrcPort)) sqlite3_bind_int(insert_, 4, r.src_port());
    if (r.has(FlowField::kDstPort)) sqlite3_bind_int(insert_, 5, r.dst_port());
    if (r.has(FlowField::kProtocol)) sqlite3_bind_int(insert_, 6, r.protocol());
    if (r.has(FlowField::kPackets)) sqlite3_bind_int64(insert_, 7, static_cast<int64_t>(r.packets()));
    if (r.has(FlowField::kBytes)) sqlite3_bind_int64(insert_, 8, static_cast<int64_t>(r.bytes()));
    BindText(9, r.text(FlowField::kAction));
    BindText(10, r.text(FlowField::kLogStatus));
    BindText(11, r.text(FlowField::kInterfaceId));
    EXPECT_EQ(sqlite3_step(insert_), SQLITE_DONE);
    ++rows;
  }
  void OnBadLine(const LineContext&, const Status& reason) override { ADD_FAILURE() << reason.ToString(); }
  uint64_t rows = 0;

 private:
  void BindIp(int col, const IpAddress* ip) {
    if (ip != nullptr && ip->is_v4()) sqlite3_bind_int64(insert_, col, ip->v4());
    // IPv6 rows keep NULL here: the queries' CIDR blocks are IPv4 and, as in
    // Elasticsearch, an IPv4 block never holds an IPv6 address. Their
    // presence is tracked separately for exists.
    if (ip != nullptr && ip->is_v6()) sqlite3_bind_int64(insert_, col, -1);
  }
  void BindText(int col, std::string_view s) {
    if (!s.empty()) sqlite3_bind_text(insert_, col, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  sqlite3_stmt* insert_;
};

// One random condition in three languages.
struct Condition {
  std::string kql, dsl, sql;
};

class QueryMaker {
 public:
  QueryMaker(uint64_t seed, std::vector<uint32_t> src_ips, std::vector<uint32_t> dst_ips, std::vector<int> ports,
             int64_t t0, int64_t t1)
      : rng_(seed),
        src_ips_(std::move(src_ips)),
        dst_ips_(std::move(dst_ips)),
        ports_(std::move(ports)),
        t0_(t0),
        t1_(t1) {}

  Condition Make(int depth) {
    const int pick = Uniform(0, depth > 0 ? 13 : 9);
    if (pick >= 10) {
      Condition a = Make(depth - 1), b = Make(depth - 1);
      if (pick == 12) {
        return {"not (" + a.kql + ")", R"({"bool":{"must_not":[)" + a.dsl + "]}}", "NOT (" + a.sql + ")"};
      }
      const bool both = pick == 10;
      return {"(" + a.kql + (both ? ") and (" : ") or (") + b.kql + ")",
              fmt::format(R"({{"bool":{{"{}":[{},{}]}}}})", both ? "filter" : "should", a.dsl, b.dsl),
              "(" + a.sql + (both ? ") AND (" : ") OR (") + b.sql + ")"};
    }
    return Leaf(pick);
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  Condition Leaf(int pick) {
    switch (pick) {
      case 0: {
        const char* a = Uniform(0, 1) ? "ACCEPT" : "REJECT";
        return {fmt::format("event.action:{}", a), fmt::format(R"({{"term":{{"event.action":"{}"}}}})", a),
                fmt::format("(action = '{}') IS 1", a)};
      }
      case 1:
      case 2: {
        const bool src = pick == 1;
        const std::vector<uint32_t>& pool = src ? src_ips_ : dst_ips_;
        const uint32_t ip = pool[Uniform(0, static_cast<int>(pool.size()) - 1)];
        static const int kPrefixes[] = {8, 16, 24, 32};
        const int prefix = kPrefixes[Uniform(0, 3)];
        const uint32_t mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
        const uint32_t lo = ip & mask, hi = lo | ~mask;
        const std::string text =
            fmt::format("{}.{}.{}.{}/{}", lo >> 24, (lo >> 16) & 255, (lo >> 8) & 255, lo & 255, prefix);
        const char* field = src ? "source.ip" : "destination.ip";
        std::string kql = fmt::format("{}:{}", field, text);
        // KQL's CIDR needs no quotes; /32 is also written as a bare address.
        if (prefix == 32) kql = fmt::format("{}:{}", field, text.substr(0, text.find('/')));
        return {kql, fmt::format(R"({{"term":{{"{}":"{}"}}}})", field, text),
                fmt::format("({} BETWEEN {} AND {}) IS 1", src ? "src_ip" : "dst_ip", lo, hi)};
      }
      case 3: {
        const bool src = Uniform(0, 1) == 1;
        const int port = ports_[Uniform(0, static_cast<int>(ports_.size()) - 1)];
        const char* field = src ? "source.port" : "destination.port";
        return {fmt::format("{}:{}", field, port), fmt::format(R"({{"term":{{"{}":{}}}}})", field, port),
                fmt::format("({} = {}) IS 1", src ? "src_port" : "dst_port", port)};
      }
      case 4: {
        static const char* kOps[] = {"<", "<=", ">", ">="};
        static const char* kDsl[] = {"lt", "lte", "gt", "gte"};
        const int op = Uniform(0, 3);
        const int port =
            Uniform(0, 4) == 0 ? ports_[Uniform(0, static_cast<int>(ports_.size()) - 1)] : Uniform(0, 65535);
        return {fmt::format("destination.port {} {}", kOps[op], port),
                fmt::format(R"({{"range":{{"destination.port":{{"{}":{}}}}}}})", kDsl[op], port),
                fmt::format("(dst_port {} {}) IS 1", kOps[op], port)};
      }
      case 5: {
        static const int kProtocols[] = {1, 6, 17, 58};
        const int p = kProtocols[Uniform(0, 3)];
        return {fmt::format("network.iana_number:{}", p), fmt::format(R"({{"term":{{"network.iana_number":{}}}}})", p),
                fmt::format("(proto = {}) IS 1", p)};
      }
      case 6: {
        const int64_t n = static_cast<int64_t>(std::pow(10.0, Uniform(1, 6)));
        const bool gt = Uniform(0, 1) == 1;
        // network.bytes is an alias of source.bytes.
        return {fmt::format("network.bytes {} {}", gt ? ">" : "<=", n),
                fmt::format(R"({{"range":{{"network.bytes":{{"{}":{}}}}}}})", gt ? "gt" : "lte", n),
                fmt::format("(bytes {} {}) IS 1", gt ? ">" : "<=", n)};
      }
      case 7: {
        const int64_t at = t0_ + (t1_ - t0_) * Uniform(0, 100) / 100;
        const bool ge = Uniform(0, 1) == 1;
        char iso[32];
        const time_t secs = at / 1000;
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return {fmt::format("@timestamp {} \"{}\"", ge ? ">=" : "<", iso),
                fmt::format(R"({{"range":{{"@timestamp":{{"{}":"{}"}}}}}})", ge ? "gte" : "lt", iso),
                fmt::format("(ts {} {}) IS 1", ge ? ">=" : "<", secs * 1000)};
      }
      case 8: {
        static const char* kFields[][2] = {{"destination.port", "dst_port"},
                                           {"source.bytes", "bytes"},
                                           {"event.action", "action"},
                                           {"destination.ip", "dst_ip"}};
        const int f = Uniform(0, 3);
        return {fmt::format("{}:*", kFields[f][0]), fmt::format(R"({{"exists":{{"field":"{}"}}}})", kFields[f][0]),
                fmt::format("{} IS NOT NULL", kFields[f][1])};
      }
      default: {
        std::set<int> chosen;
        const int n = Uniform(2, 4);
        while (static_cast<int>(chosen.size()) < n)
          chosen.insert(ports_[Uniform(0, static_cast<int>(ports_.size()) - 1)]);
        std::string kql = "destination.port:(", dsl = R"({"terms":{"destination.port":[)", sql = "(dst_port IN (";
        bool first = true;
        for (int p : chosen) {
          kql += fmt::format("{}{}", first ? "" : " or ", p);
          dsl += fmt::format("{}{}", first ? "" : ",", p);
          sql += fmt::format("{}{}", first ? "" : ",", p);
          first = false;
        }
        return {kql + ")", dsl + "]}}", sql + ")) IS 1"};
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<uint32_t> src_ips_, dst_ips_;
  std::vector<int> ports_;
  int64_t t0_, t1_;
};

class DifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("flowdex_differential_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 40000;
    g.files = 4;
    g.seed = 7;
    g.out_dir = (root_ / "logs").string();
    FlowGenResult generated;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&generated).ok());

    ASSERT_TRUE(Store::Open((root_ / "data").string(), &store_).ok());
    IngestOptions o;
    o.batch_rows = 7000;  // several segments per file: answers must merge across them
    IngestProgress progress;
    IngestSummary summary;
    ASSERT_TRUE(IngestFlowFiles(store_.get(), generated.paths, o, &progress, &summary).ok());

    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    Exec(
        "CREATE TABLE flows (ts INTEGER, src_ip INTEGER, dst_ip INTEGER, src_port INTEGER, dst_port INTEGER, "
        "proto INTEGER, packets INTEGER, bytes INTEGER, action TEXT, log_status TEXT, iface TEXT)");
    sqlite3_stmt* insert = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, "INSERT INTO flows VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &insert, nullptr),
              SQLITE_OK);
    Exec("BEGIN");
    SqliteSink sink(insert);
    FlowLogReader reader;
    for (const std::string& path : generated.paths) {
      FlowReadStats stats;
      ASSERT_TRUE(reader.ReadFile(path, &sink, &stats).ok());
    }
    Exec("COMMIT");
    sqlite3_finalize(insert);
    ASSERT_EQ(sink.rows, generated.records);
  }

  void TearDown() override {
    sqlite3_close(db_);
    store_.reset();
    fs::remove_all(root_);
  }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << "\n" << sql;
  }

  // Rows of a query with integer columns.
  std::vector<std::vector<int64_t>> Rows(const std::string& sql) {
    std::vector<std::vector<int64_t>> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db_) << "\n" << sql;
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      std::vector<int64_t> row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) row.push_back(sqlite3_column_int64(st, c));
      out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    return out;
  }

  // The 40 commonest destination ports, for the random terms filters.
  std::vector<int> TopPorts() {
    std::vector<int> out;
    for (const auto& r : Rows("SELECT dst_port FROM flows WHERE dst_port IS NOT NULL GROUP BY dst_port "
                              "ORDER BY COUNT(*) DESC LIMIT 40")) {
      out.push_back(static_cast<int>(r[0]));
    }
    return out;
  }

  std::vector<uint32_t> Sample(const char* column) {
    std::vector<uint32_t> out;
    for (const auto& r : Rows(fmt::format("SELECT DISTINCT {0} FROM flows WHERE {0} >= 0 LIMIT 200", column))) {
      out.push_back(static_cast<uint32_t>(r[0]));
    }
    return out;
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
  sqlite3* db_ = nullptr;
};

// Runs a DSL body, returning the parsed response JSON.
rapidjson::Document RunDsl(const Store& store, const std::string& body) {
  SearchRequest request;
  ParseError error;
  rapidjson::Document doc;
  if (!ParseSearchBody(body, &request, &error)) {
    ADD_FAILURE() << error.reason << "\n" << body;
    return doc;
  }
  SearchResponse response;
  Status s = Search(store, request, &response);
  if (!s.ok()) {
    ADD_FAILURE() << s.ToString() << "\n" << body;
    return doc;
  }
  doc.Parse(SearchResponseJson(request, response, 0).c_str());
  return doc;
}

TEST_F(DifferentialTest, RandomQueriesAgreeWithSqlite) {
  const auto bounds = Rows("SELECT MIN(ts), MAX(ts) FROM flows");
  const std::vector<int> ports = TopPorts();
  ASSERT_FALSE(ports.empty());
  QueryMaker maker(42, Sample("src_ip"), Sample("dst_ip"), ports, bounds[0][0], bounds[0][1]);
  int nonempty = 0;
  for (int i = 0; i < kQueries; ++i) {
    const Condition c = maker.Make(3);
    SCOPED_TRACE(fmt::format("query {}\nKQL: {}\nDSL: {}\nSQL: {}", i, c.kql, c.dsl, c.sql));
    const int64_t want = Rows("SELECT COUNT(*) FROM flows WHERE " + c.sql)[0][0];
    nonempty += want > 0;

    // KQL through the `kql` query, DSL as itself, and KQL written back as
    // plain DSL (what `flowdex search --url` sends): all must count what SQL counts.
    Query parsed;
    ParseError kql_error;
    ASSERT_TRUE(ParseKql(c.kql, &parsed, &kql_error)) << kql_error.reason;
    for (const std::string& query : {R"({"kql":{"query":)" + JsonQuote(c.kql) + "}}", c.dsl, QueryToDsl(parsed)}) {
      std::string body = R"({"size":0,"track_total_hits":true,"query":)" + query;
      const bool with_aggs = i % 4 == 0;
      if (with_aggs) {
        body += R"(,"aggs":{"ports":{"terms":{"field":"destination.port","size":5},)"
                R"("aggs":{"bytes":{"sum":{"field":"network.bytes"}}}},)"
                R"("time":{"date_histogram":{"field":"@timestamp","fixed_interval":"5m","min_doc_count":1},)"
                R"("aggs":{"bytes":{"sum":{"field":"network.bytes"}}}}})";
      }
      body += "}";
      const rapidjson::Document got = RunDsl(*store_, body);
      if (!got.IsObject()) continue;
      ASSERT_EQ(got["hits"]["total"]["value"].GetInt64(), want) << body;
      if (!with_aggs) continue;

      const auto ports_want = Rows("SELECT dst_port, COUNT(*), SUM(bytes) FROM flows WHERE dst_port IS NOT NULL AND (" +
                                   c.sql + ") GROUP BY dst_port ORDER BY COUNT(*) DESC, dst_port ASC LIMIT 5");
      const auto& buckets = got["aggregations"]["ports"]["buckets"];
      ASSERT_EQ(buckets.Size(), ports_want.size());
      for (size_t b = 0; b < ports_want.size(); ++b) {
        EXPECT_EQ(buckets[b]["key"].GetInt64(), ports_want[b][0]);
        EXPECT_EQ(buckets[b]["doc_count"].GetInt64(), ports_want[b][1]);
        EXPECT_EQ(buckets[b]["bytes"]["value"].GetDouble(), static_cast<double>(ports_want[b][2]));
      }
      const auto time_want = Rows("SELECT ts / 300000 * 300000, COUNT(*), SUM(bytes) FROM flows WHERE " + c.sql +
                                  " GROUP BY 1 ORDER BY 1");
      const auto& tb = got["aggregations"]["time"]["buckets"];
      ASSERT_EQ(tb.Size(), time_want.size());
      for (size_t b = 0; b < time_want.size(); ++b) {
        EXPECT_EQ(tb[b]["key"].GetInt64(), time_want[b][0]);
        EXPECT_EQ(tb[b]["doc_count"].GetInt64(), time_want[b][1]);
        EXPECT_EQ(tb[b]["bytes"]["value"].GetDouble(), static_cast<double>(time_want[b][2]));
      }
    }
  }
  // The generator must give the random queries something to find.
  EXPECT_GT(nonempty, kQueries / 4);
}

// Top talkers, their peers and each pair's ports (terms > terms > terms,
// ordered by a sum: collected breadth first, the second pass breadth first
// again) against SQL, under random filters. Ties in the sums may
// order keys differently, so the sums are compared in order and each key's
// own count and sum are looked up.
TEST_F(DifferentialTest, NestedTermsAgreeWithSqlite) {
  const auto bounds = Rows("SELECT MIN(ts), MAX(ts) FROM flows");
  const std::vector<int> ports = TopPorts();
  QueryMaker maker(7, Sample("src_ip"), Sample("dst_ip"), ports, bounds[0][0], bounds[0][1]);
  auto ip_number = [](const rapidjson::Value& key) -> int64_t {
    in_addr a{};
    if (inet_pton(AF_INET, key.GetString(), &a) != 1) return -1;
    return ntohl(a.s_addr);
  };
  int checked = 0, ports_checked = 0;
  for (int i = 0; i < 40; ++i) {
    const Condition c = i == 0 ? Condition{"", R"({"match_all":{}})", "1"} : maker.Make(2);
    SCOPED_TRACE(fmt::format("query {}\nDSL: {}\nSQL: {}", i, c.dsl, c.sql));
    const std::string body =
        R"({"size":0,"query":)" + c.dsl +
        R"(,"aggs":{"t":{"terms":{"field":"source.ip","size":5,"order":{"m":"desc"}},"aggs":{"m":{"sum":{"field":"network.bytes"}},)"
        R"("peer":{"terms":{"field":"destination.ip","size":3,"order":{"m":"desc"}},"aggs":{"m":{"sum":{"field":"network.bytes"}},)"
        R"("port":{"terms":{"field":"destination.port","size":2,"order":{"m":"desc"}},"aggs":{"m":{"sum":{"field":"network.bytes"}}}}}}}}}})";
    const rapidjson::Document got = RunDsl(*store_, body);
    ASSERT_TRUE(got.IsObject());
    const auto& parents = got["aggregations"]["t"]["buckets"];
    const auto want = Rows("SELECT SUM(bytes) FROM flows WHERE src_ip IS NOT NULL AND (" + c.sql +
                           ") GROUP BY src_ip ORDER BY SUM(bytes) DESC LIMIT 5");
    ASSERT_EQ(parents.Size(), want.size());
    for (rapidjson::SizeType p = 0; p < parents.Size(); ++p) {
      const auto& parent = parents[p];
      EXPECT_EQ(parent["m"]["value"].GetDouble(), static_cast<double>(want[p][0]));
      const int64_t src = ip_number(parent["key"]);
      if (src < 0) continue;
      const std::string where = fmt::format("src_ip = {} AND ({})", src, c.sql);
      const auto own = Rows("SELECT COUNT(*), SUM(bytes) FROM flows WHERE " + where);
      EXPECT_EQ(parent["doc_count"].GetInt64(), own[0][0]);
      const auto peers_want = Rows("SELECT SUM(bytes) FROM flows WHERE dst_ip IS NOT NULL AND " + where +
                                   " GROUP BY dst_ip ORDER BY SUM(bytes) DESC LIMIT 3");
      const auto& peers = parent["peer"]["buckets"];
      ASSERT_EQ(peers.Size(), peers_want.size());
      for (rapidjson::SizeType d = 0; d < peers.Size(); ++d) {
        EXPECT_EQ(peers[d]["m"]["value"].GetDouble(), static_cast<double>(peers_want[d][0]));
        const int64_t dst = ip_number(peers[d]["key"]);
        if (dst < 0) continue;
        const auto pair =
            Rows(fmt::format("SELECT COUNT(*), SUM(bytes) FROM flows WHERE dst_ip = {} AND {}", dst, where));
        EXPECT_EQ(peers[d]["doc_count"].GetInt64(), pair[0][0]);
        EXPECT_EQ(peers[d]["m"]["value"].GetDouble(), static_cast<double>(pair[0][1]));
        ++checked;
        // Third level: each pair's top ports (the nested second pass).
        const std::string pair_where = fmt::format("dst_ip = {} AND {}", dst, where);
        const auto ports_want = Rows("SELECT SUM(bytes) FROM flows WHERE dst_port IS NOT NULL AND " + pair_where +
                                     " GROUP BY dst_port ORDER BY SUM(bytes) DESC LIMIT 2");
        const auto& top_ports = peers[d]["port"]["buckets"];
        ASSERT_EQ(top_ports.Size(), ports_want.size());
        for (rapidjson::SizeType q = 0; q < top_ports.Size(); ++q) {
          EXPECT_EQ(top_ports[q]["m"]["value"].GetDouble(), static_cast<double>(ports_want[q][0]));
          const auto one = Rows(fmt::format("SELECT COUNT(*), SUM(bytes) FROM flows WHERE dst_port = {} AND {}",
                                            top_ports[q]["key"].GetInt64(), pair_where));
          EXPECT_EQ(top_ports[q]["doc_count"].GetInt64(), one[0][0]);
          ++ports_checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);  // the filters must leave pairs to check
  EXPECT_GT(ports_checked, 100);
}

}  // namespace
}  // namespace flowdex
