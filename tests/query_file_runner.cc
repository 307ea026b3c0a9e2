// Runs the data-driven query tests in tests/query/*.test (in the spirit of
// DuckDB's sqllogictest): each file loads documents into indices and states
// queries with their expected hits, totals or errors. The format:
//
//   # a comment
//   index NAME [MAPPING-JSON]      create an index (optionally with a mapping)
//   doc NAME ID JSON               index a document (committed before the next query)
//   flows [NAME]                   then flow-log lines up to a blank line (the first may be a
//                                  header line, as in AWS's files): ingested as one file into
//                                  NAME (default logs-aws.vpcflow-default); `hits` names them
//                                  #1, #2, ... (data lines, in order)
//   search NAME[,NAME...] [ORDERED]  then the _search body on the next line(s) up to ----
//   kql NAME                       then a KQL query on the next line, then ----
//   q NAME                         then a Lucene query string (as for q=) on the next line, then ----
//   ----
//   hits ID ID ...                 the ids of the hits (in order with ORDERED, else as a set)
//   total N                        hits.total.value, exactly
//   agg NAME JSON                  the aggregation NAME renders as JSON (compared as JSON values)
//                                  (JSON expectations may run over several lines, to a blank one)
//   error TYPE: REASON             the request fails with this error (first line of the reason;
//                                  for failures while it runs, the root cause)
//   sources [JSON, ...]            each hit's _source, in order (null when not fetched)
//   fields [JSON, ...]             each hit's "fields" object, in order
//   sort [[V, ...], ...]           each hit's sort values, in order
//
// Cases are separated by blank lines. Each case reports its file and line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <rapidjson/document.h>

#include "api/es_exception.h"
#include "ingest/document_writer.h"
#include "ingest/flow_ingester.h"
#include "query/dsl/dsl_parser.h"
#include "query/lang/kql_parser.h"
#include "query/lang/query_string_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"
#include "schema/document_id.h"

#ifndef FLOWDEX_QUERY_TEST_DIR
#error "FLOWDEX_QUERY_TEST_DIR must name tests/query"
#endif

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class QueryFileTest : public ::testing::TestWithParam<std::string> {};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST_P(QueryFileTest, Cases) {
  const std::string path = GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(Trim(l));

  const fs::path dir = fs::temp_directory_path() /
                       ("flowdex_query_file_" + std::to_string(::getpid()) + "_" + fs::path(path).stem().string());
  fs::remove_all(dir);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir.string(), &store).ok());
  std::map<std::string, IndexMapping> mappings;
  std::map<std::string, std::unique_ptr<DocumentWriter>> writers;
  auto flush = [&] {
    for (auto& [name, w] : writers) {
      CommitBatch batch;
      ASSERT_TRUE(w->Finish(&batch).ok());
      ASSERT_TRUE(store->Commit(batch).ok());
      mappings[name] = w->mapping();
    }
    writers.clear();
  };
  // Flow records loaded by `flows`: their ids, by #N.
  std::map<std::string, std::string> flow_ids;  // id -> "#N"
  int flow_files = 0;
  int cases = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(i + 1);
    const std::vector<std::string> words = Words(line);
    if (words[0] == "index") {
      ASSERT_GE(words.size(), 2u) << where;
      IndexMapping m;
      MappingError err;
      const size_t brace = line.find('{');
      if (brace != std::string::npos) {
        ASSERT_TRUE(IndexMapping::FromJson(line.substr(brace), &m, &err)) << where << ": " << err.reason;
      }
      mappings[words[1]] = m;
      continue;
    }
    if (words[0] == "doc") {
      ASSERT_GE(words.size(), 4u) << where;
      auto& w = writers[words[1]];
      if (!w) {
        DocumentWriter::Options o;
        o.index = words[1];
        w = std::make_unique<DocumentWriter>(store.get(), o, mappings[words[1]]);
      }
      MappingError err;
      const std::string json = line.substr(line.find('{'));
      ASSERT_TRUE(w->Add(json, words[2], &err)) << where << ": " << err.type << ": " << err.reason;
      continue;
    }
    if (words[0] == "flows") {
      flush();
      IngestOptions o;
      if (words.size() > 1) o.index = words[1];
      const fs::path flow_dir = fs::path(dir.string() + "-flows");
      fs::create_directories(flow_dir);
      const fs::path file = flow_dir / ("flows-" + std::to_string(++flow_files) + ".log");
      std::ofstream out(file);
      std::vector<uint64_t> offsets;  // of the data lines
      uint64_t offset = 0;
      size_t j = i + 1;
      for (; j < lines.size() && !lines[j].empty(); ++j) {
        const bool header = j == i + 1 && !lines[j].empty() && !std::isdigit(static_cast<unsigned char>(lines[j][0]));
        if (!header) offsets.push_back(offset);
        out << lines[j] << "\n";
        offset += lines[j].size() + 1;
      }
      out.close();
      IngestProgress progress;
      IngestSummary summary;
      ASSERT_TRUE(IngestFlowFiles(store.get(), {file.string()}, o, &progress, &summary).ok()) << where;
      ASSERT_EQ(summary.bad_lines, 0u) << where << ": a line did not parse";
      for (size_t n = 0; n < offsets.size(); ++n) {
        flow_ids[DocumentIdFor(SourceKeyForPath(file.string()), offsets[n])] = "#" + std::to_string(n + 1);
      }
      i = j;
      continue;
    }
    ASSERT_TRUE(words[0] == "search" || words[0] == "kql" || words[0] == "q")
        << where << ": unknown directive " << words[0];
    flush();
    // The request runs to the ---- line; the expectation follows it.
    std::string body;
    size_t j = i + 1;
    for (; j < lines.size() && lines[j] != "----"; ++j) body += lines[j] + "\n";
    ASSERT_LT(j + 1, lines.size()) << where << ": no ---- and expectation";
    std::vector<std::string> expect = Words(lines[j + 1]);
    std::string expect_line = lines[j + 1];
    i = j + 1;
    // A JSON expectation runs on while it does not parse, up to a blank line.
    const size_t json_at = expect_line.find_first_of("{[");
    if (json_at != std::string::npos && expect[0] != "error") {
      rapidjson::Document probe;
      while (probe.Parse(expect_line.substr(json_at).c_str()).HasParseError() && i + 1 < lines.size() &&
             !lines[i + 1].empty()) {
        expect_line += "\n" + lines[++i];
      }
    }
    ++cases;
    SCOPED_TRACE(where);

    SearchRequest request;
    ParseError parse_error;
    EsException error;
    bool parsed;
    if (words[0] == "kql") {
      parsed = ParseKql(Trim(body.substr(0, body.size() - 1)), &request.query, &parse_error);
      request.size = 10000;
      request.track_total_hits = -1;
    } else if (words[0] == "q") {
      parsed = ParseQueryString(Trim(body.substr(0, body.size() - 1)), {}, &request.query, &parse_error);
      request.size = 10000;
      request.track_total_hits = -1;
    } else {
      parsed = ParseSearchBody(body, &request, &parse_error);
    }
    if (!parsed) error = FromParseError(parse_error);
    request.indices.clear();
    std::stringstream names(words[1]);
    for (std::string n; std::getline(names, n, ',');) request.indices.push_back(n);
    SearchResponse response;
    if (parsed) {
      Status s = Search(*store, request, &response);
      if (!s.ok()) {
        parsed = false;
        error = SearchFailure(s, words[1]);
        // Compared by the root cause, which says what went wrong.
        if (error.cause) error = EsException(*error.cause);
      }
    }
    if (expect[0] == "error") {
      EXPECT_FALSE(parsed) << "expected an error";
      // Multi-line reasons (KQL's caret) are compared by their first line.
      EXPECT_EQ(error.type + ": " + error.reason.substr(0, error.reason.find('\n')), expect_line.substr(6));
      continue;
    }
    ASSERT_TRUE(parsed) << error.type << ": " << error.reason;
    if (expect[0] == "total") {
      ASSERT_EQ(expect.size(), 2u);
      EXPECT_EQ(response.total, std::stoull(expect[1]));
    } else if (expect[0] == "hits") {
      std::vector<std::string> want(expect.begin() + 1, expect.end()), got;
      for (const SearchHit& h : response.hits) {
        auto named = flow_ids.find(h.id);
        got.push_back(named != flow_ids.end() ? named->second : h.id);
      }
      const bool ordered = words.size() > 2 && words[2] == "ORDERED";
      if (!ordered) {
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
      }
      EXPECT_EQ(got, want);
    } else if (expect[0] == "agg") {
      ASSERT_GE(expect.size(), 3u);
      size_t index = request.aggs.size();
      for (size_t a = 0; a < request.aggs.size(); ++a) {
        if (request.aggs[a].name == expect[1]) index = a;
      }
      ASSERT_LT(index, request.aggs.size()) << "no aggregation " << expect[1];
      std::string got;
      WriteAggregationJson(request.aggs[index], response.aggs[index], &got);
      rapidjson::Document want_doc, got_doc;
      want_doc.Parse(expect_line.substr(expect_line.find('{')).c_str());
      got_doc.Parse(got.c_str());
      ASSERT_FALSE(want_doc.HasParseError()) << "bad expected JSON";
      EXPECT_TRUE(want_doc == got_doc) << "got " << got;
    } else if (expect[0] == "sources" || expect[0] == "fields" || expect[0] == "sort") {
      // A JSON array with each hit's _source, fields object or sort values, in order.
      std::string got = "[";
      for (size_t h = 0; h < response.hits.size(); ++h) {
        const SearchHit& hit = response.hits[h];
        if (h) got += ",";
        if (expect[0] == "sources") {
          got += hit.source.empty() ? "null" : hit.source;
        } else if (expect[0] == "fields") {
          got += hit.fields.empty() ? "null" : hit.fields;
        } else {
          got += "[";
          for (size_t k = 0; k < hit.sort.size(); ++k) {
            const SortValue& v = hit.sort[k];
            if (k) got += ",";
            got += v.kind == SortValue::Kind::kMissing   ? "null"
                   : v.kind == SortValue::Kind::kInteger ? std::to_string(v.integer)
                   : v.kind == SortValue::Kind::kDouble  ? std::to_string(v.number)
                                                         : "\"" + v.text + "\"";
          }
          got += "]";
        }
      }
      got += "]";
      rapidjson::Document want_doc, got_doc;
      want_doc.Parse(expect_line.substr(expect_line.find('[')).c_str());
      got_doc.Parse(got.c_str());
      ASSERT_FALSE(want_doc.HasParseError()) << "bad expected JSON";
      EXPECT_TRUE(want_doc == got_doc) << "got " << got;
    } else {
      ADD_FAILURE() << "unknown expectation " << expect[0];
    }
  }
  RecordProperty("cases", cases);
  EXPECT_GT(cases, 0);
  store.reset();
  fs::remove_all(dir);
  fs::remove_all(dir.string() + "-flows");
}

std::vector<std::string> TestFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(FLOWDEX_QUERY_TEST_DIR)) {
    if (e.path().extension() == ".test") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Files, QueryFileTest, ::testing::ValuesIn(TestFiles()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = fs::path(param_info.param).stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace flowdex
