// libFuzzer target: arbitrary bytes as a _search body (Query DSL, KQL and
// query strings inside it, aggregations, sort, paging). Bodies that parse
// are run against a small store of documents and flows, and their response
// (or execution error) is written as JSON: nothing may crash, and every
// failure has Elasticsearch's error shape.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "gen/flow_generator.h"
#include "ingest/document_writer.h"
#include "ingest/flow_ingester.h"
#include "query/dsl_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"

namespace {

namespace fs = std::filesystem;

std::unique_ptr<flowdex::Store> g_store;

// The store's directory, removed when the fuzzer exits.
struct TempRoot {
  fs::path path = fs::temp_directory_path() / ("flowdex_search_fuzz_" + std::to_string(::getpid()));
  ~TempRoot() {
    g_store.reset();
    std::error_code ec;
    fs::remove_all(path, ec);
  }
} g_root;

void BuildStore() {
  const fs::path& root = g_root.path;
  fs::remove_all(root);
  flowdex::FlowGenOptions g;
  g.records = 2000;
  g.files = 2;
  g.threads = 1;
  g.out_dir = (root / "logs").string();
  flowdex::FlowGenResult generated;
  if (!flowdex::FlowGenerator(g).WriteAll(&generated).ok()) __builtin_trap();
  if (!flowdex::Store::Open((root / "data").string(), &g_store).ok()) __builtin_trap();
  flowdex::IngestOptions o;
  flowdex::IngestProgress progress;
  flowdex::IngestSummary summary;
  if (!flowdex::IngestFlowFiles(g_store.get(), generated.paths, o, &progress, &summary).ok()) __builtin_trap();
  flowdex::DocumentWriter::Options d;
  d.index = "app";
  flowdex::DocumentWriter w(g_store.get(), d, {});
  flowdex::MappingError err;
  const char* docs[] = {R"({"n":1,"msg":"hello world","ip":"10.0.0.1","at":"2026-11-27T10:00:00Z","tags":["a","b"]})",
                        R"({"n":2.5,"msg":"ssh login","ip":"2001:db8::1","ok":true,"geo":{"c":"NL"}})",
                        R"({"n":-3,"host":"web-1"})"};
  int id = 0;
  for (const char* doc : docs) w.Add(doc, std::to_string(id++), &err);
  flowdex::CommitBatch batch;
  if (!w.Finish(&batch).ok() || !g_store->Commit(batch).ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_store) BuildStore();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  flowdex::SearchRequest request;
  flowdex::SearchError error;
  if (!flowdex::ParseSearchBody(body, &request, &error)) {
    if (error.type.empty() || error.reason.empty()) __builtin_trap();
    const std::string json = flowdex::SearchErrorJson(error);
    if (json.empty() || json.front() != '{') __builtin_trap();
    return 0;
  }
  request.timeout_ms = 2000;  // a slow body is not a hang
  flowdex::SearchResponse response;
  const flowdex::Status s = flowdex::Search(*g_store, request, &response);
  const std::string json = s.ok() ? flowdex::SearchResponseJson(request, response, 0)
                                  : flowdex::SearchErrorJson(flowdex::SearchErrorFromStatus(s, "*"));
  if (json.empty() || json.front() != '{' || json.back() != '}') __builtin_trap();
  return 0;
}
