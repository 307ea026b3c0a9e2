#include "api/metrics.h"

#include <fmt/format.h>

#include "store/store.h"
#include "util/prometheus_text.h"

namespace flowdex {

namespace {

constexpr double kBucketBounds[8] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

}  // namespace

void Metrics::CountRequest(std::string_view endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(endpoint), status}];
  Timing& t = timings_[std::string(endpoint)];
  ++t.count;
  t.seconds += seconds;
  for (int i = 0; i < 8; ++i) {
    if (seconds <= kBucketBounds[i]) ++t.buckets[i];
  }
}

std::string Metrics::Render(const Store* store) const {
  std::string out;
  auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    AppendPrometheusCounter(&out, name, help, value);
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    out += "# HELP flowdex_http_requests_total HTTP requests answered, by endpoint and status.\n";
    out += "# TYPE flowdex_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      out += fmt::format("flowdex_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
    }
    out += "# HELP flowdex_http_request_duration_seconds Time spent answering requests, by endpoint.\n";
    out += "# TYPE flowdex_http_request_duration_seconds histogram\n";
    for (const auto& [endpoint, t] : timings_) {
      for (int i = 0; i < 8; ++i) {
        out += fmt::format("flowdex_http_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"{}\"}} {}\n", endpoint,
                           kBucketBounds[i], t.buckets[i]);
      }
      out += fmt::format("flowdex_http_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {}\n", endpoint,
                         t.count);
      out += fmt::format("flowdex_http_request_duration_seconds_sum{{endpoint=\"{}\"}} {}\n", endpoint, t.seconds);
      out += fmt::format("flowdex_http_request_duration_seconds_count{{endpoint=\"{}\"}} {}\n", endpoint, t.count);
    }
  }
  counter("flowdex_bulk_items_total", "Items of _bulk requests answered.", bulk_items);
  counter("flowdex_bulk_item_errors_total", "Items of _bulk requests answered with an error.", bulk_item_errors);
  counter("flowdex_documents_indexed_total", "Documents committed through the API.", documents_indexed);
  counter("flowdex_searches_total", "Searches run (_search, _count, each _msearch item).", searches);
  counter("flowdex_search_errors_total", "Searches that failed.", search_errors);
  counter("flowdex_rejected_total", "Requests answered 429 because the server was busy.", rejected);
  counter("flowdex_watch_files_total", "Files ingested from watched folders.", watch_files);
  counter("flowdex_watch_records_total", "Flow records ingested from watched folders.", watch_records);
  counter("flowdex_watch_bad_lines_total", "Malformed lines skipped in watched files.", watch_bad_lines);
  counter("flowdex_watch_failures_total", "Watched files that could not be ingested.", watch_failures);
  out += fmt::format(
      "# HELP flowdex_http_connections Open HTTP connections.\n# TYPE flowdex_http_connections "
      "gauge\nflowdex_http_connections {}\n",
      connections_open.load());
  if (store) {
    const auto version = store->Current();
    out += "# HELP flowdex_index_documents Live documents per index.\n# TYPE flowdex_index_documents gauge\n";
    for (const std::string& index : version->indices) {
      out += fmt::format("flowdex_index_documents{{index=\"{}\"}} {}\n", index, version->Rows(index));
    }
    out += "# HELP flowdex_index_bytes Bytes on disk per index.\n# TYPE flowdex_index_bytes gauge\n";
    for (const std::string& index : version->indices) {
      out += fmt::format("flowdex_index_bytes{{index=\"{}\"}} {}\n", index, version->Bytes(index));
    }
    out += fmt::format("# HELP flowdex_segments Live segments.\n# TYPE flowdex_segments gauge\nflowdex_segments {}\n",
                       version->segments.size());
  }
  if (extra) out += extra();
  return out;
}

}  // namespace flowdex
