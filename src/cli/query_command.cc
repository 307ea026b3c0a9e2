#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "query/dsl_parser.h"
#include "query/response_writer.h"
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
  SearchError error;
  if (!ParseSearchBody(body, &request, &error)) {
    fmt::print("{}\n", SearchErrorJson(error));
    return 1;
  }
  request.indices.clear();
  std::string_view patterns = options.index;
  while (!patterns.empty()) {
    const size_t comma = patterns.find(',');
    request.indices.emplace_back(patterns.substr(0, comma));
    patterns = comma == std::string_view::npos ? std::string_view() : patterns.substr(comma + 1);
  }
  std::unique_ptr<Store> store;
  Status s = Store::Open(options.data_dir, &store);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex query: {}\n", s.message());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  SearchResponse response;
  s = Search(*store, request, &response);
  const int64_t took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    std::string names;
    for (const std::string& i : request.indices) names += (names.empty() ? "" : ",") + i;
    fmt::print("{}\n", SearchErrorJson(SearchErrorFromStatus(s, names)));
    return 1;
  }
  fmt::print("{}\n", SearchResponseJson(request, response, took));
  return 0;
}

}  // namespace flowdex
