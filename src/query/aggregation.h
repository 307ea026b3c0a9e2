// Aggregations: bucket and metric aggregations over the hits of a search,
// nestable, computed segment by segment and merged (Elasticsearch's `aggs`).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "query/query.h"
#include "util/status.h"

namespace flowdex {

struct AggRequest {
  enum class Type : uint8_t {
    kTerms, kDateHistogram, kHistogram, kRange, kFilter, kFilters,
    kSum, kAvg, kMin, kMax, kValueCount, kStats, kCardinality,
  };
  std::string name;
  Type type = Type::kTerms;
  std::string field;
  uint64_t size = 10;                 // terms
  uint64_t min_doc_count = 1;         // terms (1), histograms (0)
  bool order_by_key = false;          // terms: _key instead of _count
  bool order_descending = true;       // terms: _count desc (default), or _key asc
  int64_t fixed_interval_ms = 0;      // date_histogram fixed_interval
  std::string calendar_unit;          // date_histogram calendar_interval: minute hour day week month quarter year
  double interval = 0;                // histogram
  struct Range {
    std::optional<double> from, to;
    std::string key;
  };
  std::vector<Range> ranges;          // range
  std::vector<std::pair<std::string, Query>> filters;  // filter (one, unnamed) / filters (named)
  bool keyed_filters = true;          // filters given as an object (true) or an array
  std::vector<AggRequest> subs;
};

// A bucket key: integers (also dates, booleans), doubles or strings.
using AggKey = std::variant<int64_t, double, std::string>;

struct AggResult;

struct AggBucket {
  uint64_t doc_count = 0;
  std::vector<AggResult> subs;  // one per sub-aggregation, in request order
};

struct AggResult {
  // Buckets (bucket aggregations), by key; filters use their names.
  std::map<AggKey, AggBucket> buckets;
  // Metrics.
  uint64_t count = 0;  // values seen
  double sum = 0;
  double min = 0, max = 0;
  std::set<std::string> distinct;  // cardinality (exact for now)
};

class SegmentReader;
class FieldCatalog;
struct roaring_bitmap_s;

// Adds what the rows of one segment contribute to *result (for `agg`).
// Errors: a field that cannot be aggregated (text), a bad interval.
Status CollectAggregation(const AggRequest& agg, const SegmentReader& segment, const FieldCatalog& catalog,
                          const roaring_bitmap_s* rows, AggResult* result);

// Elasticsearch's search.max_buckets: more buckets than this in a response
// is an error (too_many_buckets_exception), not a giant answer.
inline constexpr uint64_t kMaxBuckets = 65536;

// Counts the buckets the response would hold (histograms with their empty
// buckets) and fails when they exceed kMaxBuckets.
Status CheckBucketLimit(const AggRequest& agg, const AggResult& result);

// The aggregation's part of the response ("<name>": {...}).
void WriteAggregationJson(const AggRequest& agg, const AggResult& result, std::string* json);

}  // namespace flowdex
