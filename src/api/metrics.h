// Metrics: the counters flowdex serve exposes at /metrics, in Prometheus's
// text exposition format (version 0.0.4).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace flowdex {

class Store;

class Metrics {
 public:
  // One HTTP request answered: `endpoint` is the route's name ("_search",
  // "_bulk", ...), `seconds` its time in the handler.
  void CountRequest(std::string_view endpoint, int status, double seconds);

  std::atomic<uint64_t> bulk_items{0};         // _bulk items answered
  std::atomic<uint64_t> bulk_item_errors{0};   // ...with an error
  std::atomic<uint64_t> documents_indexed{0};  // committed by _bulk and the document APIs
  std::atomic<uint64_t> searches{0};           // _search, _count and each _msearch item
  std::atomic<uint64_t> search_errors{0};
  std::atomic<uint64_t> rejected{0};     // answered 429 for overload
  std::atomic<uint64_t> watch_files{0};  // files ingested by --watch
  std::atomic<uint64_t> watch_records{0};
  std::atomic<uint64_t> watch_bad_lines{0};
  std::atomic<uint64_t> watch_failures{0};  // files that could not be read
  std::atomic<int64_t> connections_open{0};

  // More exposition text appended by Render (the SQS pipeline's counters).
  // Set before serving.
  std::function<std::string()> extra;

  // The exposition text, with the store's gauges (documents, bytes and
  // segments per index) when `store` is given.
  std::string Render(const Store* store) const;

 private:
  struct Timing {
    uint64_t count = 0;
    double seconds = 0;
    // Cumulative buckets of the request-duration histogram.
    uint64_t buckets[8] = {};
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (endpoint, status) -> count
  std::map<std::string, Timing> timings_;                     // endpoint -> durations
};

}  // namespace flowdex
