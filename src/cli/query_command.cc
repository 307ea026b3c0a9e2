#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "api/es_exception.h"
#include "cli/commands.h"
#include "cli/pipeline_setup.h"
#include "inventory/inventory_file.h"
#include "query/dsl/dsl_parser.h"
#include "query/response_writer.h"
#include "query/searcher.h"
#include "store/block_cache.h"
#include "store/store.h"
#include "util/file_util.h"

namespace flowdex {

int RunQueryCommand(const QueryCommandOptions& options) {
  std::string body = options.body;
  if (!body.empty() && body[0] == '@') {
    Status s = ReadWholeFile(body.substr(1), &body);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex query: {}\n", s.message());
      return 2;
    }
  }
  SearchRequest request;
  ParseError error;
  if (!ParseSearchBody(body, &request, &error)) {
    fmt::print("{}\n", EsExceptionJson(FromParseError(error)));
    return 1;
  }
  request.indices.clear();
  std::string_view patterns = options.index;
  while (!patterns.empty()) {
    const size_t comma = patterns.find(',');
    request.indices.emplace_back(patterns.substr(0, comma));
    patterns = comma == std::string_view::npos ? std::string_view() : patterns.substr(comma + 1);
  }
  request.use_rollups = !options.no_rollups;
  std::unique_ptr<Store> store;
  StoreOptions store_options;
  if (options.no_cache) {
    store_options.block_cache_bytes = 0;
    store_options.filter_cache_bytes = 0;
  }
  Status s = Store::Open(options.data_dir, store_options, &store);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex query: {}\n", s.message());
    return 1;
  }
  // The data folder's inventory names flows stored without owners.
  InventoryFile inventory(options.inventory.empty() ? DefaultInventoryPath(options.data_dir) : options.inventory);
  request.inventory = inventory.Current();
  // --repeat N: run it N more times, warm, and report the latencies on
  // stderr (for benchmarks: the time inside the process, without start-up).
  std::vector<double> latencies_ms;
  SearchResponse response;
  int64_t took = 0;
  for (int run = 0; run <= options.repeat; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    s = Search(*store, request, &response);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    took = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    if (!s.ok()) break;
    if (run > 0) latencies_ms.push_back(std::chrono::duration<double, std::milli>(elapsed).count());
  }
  if (!latencies_ms.empty()) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const BlockCache* cache = store->block_cache();
    fmt::print(stderr,
               "{{\"runs\":{},\"median_ms\":{:.2f},\"min_ms\":{:.2f},\"max_ms\":{:.2f},\"block_cache_hits\":{},"
               "\"block_cache_misses\":{},\"block_cache_bytes\":{},\"rollup\":\"{}\",\"rollup_segments\":{},"
               "\"segments_searched\":{}}}\n",
               latencies_ms.size(), latencies_ms[latencies_ms.size() / 2], latencies_ms.front(), latencies_ms.back(),
               cache ? cache->hits() : 0, cache ? cache->misses() : 0, cache ? cache->bytes() : 0, response.rollup,
               response.rollup_segments, response.segments_searched);
  }
  if (!s.ok()) {
    std::string names;
    for (const std::string& i : request.indices) names += (names.empty() ? "" : ",") + i;
    fmt::print("{}\n", EsExceptionJson(SearchFailure(s, names)));
    return 1;
  }
  fmt::print("{}\n", SearchResponseJson(request, response, took));
  return 0;
}

}  // namespace flowdex
