// libFuzzer target: arbitrary bytes as a _search body (Query DSL, KQL and
// query strings inside it, aggregations, sort, paging). Bodies that parse
// are run against a small store of documents and flows, and their response
// (or execution error) is written as JSON: nothing may crash, and every
// failure has Elasticsearch's error shape.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "api/es_exception.h"
#include "fuzz_store.h"
#include "query/dsl/dsl_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"

namespace {
flowdex::testing::FuzzStore g_fuzz_store("flowdex_search_fuzz_");
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flowdex::Store* g_store = g_fuzz_store.Get();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  flowdex::SearchRequest request;
  flowdex::ParseError error;
  if (!flowdex::ParseSearchBody(body, &request, &error)) {
    if (error.reason.empty()) __builtin_trap();
    const std::string json = flowdex::EsExceptionJson(flowdex::FromParseError(error));
    if (json.empty() || json.front() != '{') __builtin_trap();
    return 0;
  }
  request.timeout_ms = 2000;  // a slow body is not a hang
  flowdex::SearchResponse response;
  const flowdex::Status s = flowdex::Search(*g_store, request, &response);
  const std::string json = s.ok() ? flowdex::SearchResponseJson(request, response, 0)
                                  : flowdex::EsExceptionJson(flowdex::SearchFailure(s, "*"));
  if (json.empty() || json.front() != '{' || json.back() != '}') __builtin_trap();
  return 0;
}
