// Aggregations: bucket and metric aggregations over the hits of a search,
// nestable, computed segment by segment and merged (Elasticsearch's `aggs`).
//
// Per segment, each aggregation is a collector (src/query/aggs/*_collector.cc,
// one per kind) fed with (row, parent bucket) pairs block by block; bucket
// collectors key rows by dictionary codes and integer keys (never by building
// documents) and pass (row, own bucket) on to their sub-aggregations. Fields
// are read through the segment's catalog, so derived fields (event.outcome,
// network.transport, source.address, ...) aggregate like stored ones.
// Results are merged across segments (merge.cc) into AggResult trees keyed
// by the values Elasticsearch shows, and written as its JSON
// (aggregation_json.cc).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "query/query.h"
#include "query/sort_values.h"
#include "util/status.h"

struct roaring_bitmap_s;  // CRoaring's roaring_bitmap_t

namespace flowdex {

class InventoryHistory;

struct AggRequest {
  // clang-format off
  enum class Type : uint8_t {
    // bucket aggregations
    kTerms, kDateHistogram, kHistogram, kRange, kDateRange, kIpRange, kFilter, kFilters, kMissing,
    kGeotileGrid, kGeohashGrid, kComposite,
    // metric aggregations
    kSum, kAvg, kMin, kMax, kValueCount, kStats, kExtendedStats, kCardinality, kPercentiles, kTopHits,
  };
  // clang-format on
  std::string name;
  Type type = Type::kTerms;
  std::string meta_json;  // "meta": echoed in the answer as given ("" : none)
  std::string field;
  uint64_t size = 10;          // terms, composite (10); top_hits (3)
  uint64_t min_doc_count = 1;  // terms (1), histograms (0)

  // terms: bucket order, criteria in turn; `by` is _count, _key, or a
  // sub-aggregation ("max_bytes", "stats.avg"). Empty: _count desc, _key asc.
  struct Order {
    std::string by;
    bool descending = true;
  };
  std::vector<Order> order;
  std::optional<QueryValue> missing;         // terms: a bucket for hits without the field
  std::optional<double> missing_number;      // numeric metrics and histogram: what hits without the field count as
  std::string include_regex, exclude_regex;  // terms: RE2, whole key
  std::vector<std::string> include_values, exclude_values;  // terms: exact keys

  // date_histogram and histogram
  int64_t fixed_interval_ms = 0;
  std::string calendar_unit;  // minute hour day week month quarter year (or 1m 1h 1d 1w 1M 1q 1y)
  double interval = 0;        // histogram
  double offset = 0;          // histogram: key offset; date_histogram: ms
  std::string time_zone;      // date_histogram, date_range
  std::string format;         // date_histogram, date_range: key_as_string
  std::optional<double> extended_min, extended_max;  // empty buckets to show
  std::optional<double> hard_min, hard_max;          // buckets to keep
  bool keyed = false;  // buckets as an object keyed by key (ranges, histograms, percentiles)

  // range, date_range (ms), ip_range (16-byte address keys)
  struct Range {
    std::optional<double> from, to;
    std::string key;
    std::string from_text, to_text;              // date_range and ip_range: as given / shown
    std::array<uint8_t, 16> ip_from{}, ip_to{};  // ip_range: [ip_from, ip_to) ; inclusive when ip_to_inclusive
    bool has_ip_from = false, has_ip_to = false, ip_to_inclusive = false;
  };
  std::vector<Range> ranges;

  // filter (one, unnamed) and filters (named, or anonymous when an array)
  std::vector<std::pair<std::string, Query>> filters;
  bool keyed_filters = true;
  std::string other_bucket_key;  // filters: a bucket for hits no filter matches ("" : none)

  uint64_t precision_threshold = 3000;  // cardinality: exact below this
  int precision = 0;                    // geotile_grid: zoom 0-29 (7); geohash_grid: 1-12 characters (5)
  std::vector<double> percents;         // percentiles (default 1 5 25 50 75 95 99)

  // top_hits
  uint64_t from = 0;
  std::vector<SortKey> sort;
  bool fetch_source = true;

  // composite: sources are terms/histogram/date_histogram requests; each
  // keeps its order (order[0]) and missing_bucket.
  std::vector<AggRequest> sources;
  bool missing_bucket = false;
  std::vector<QueryValue> after;  // composite's after key, one per source
  std::vector<bool> after_null;   // ...or null there

  // terms: how sub-aggregations are collected. Breadth first (Elasticsearch's
  // default for fields with more values than `size`): the terms and the
  // sub-aggregations its order needs first, then the other sub-aggregations
  // for the rows of the winning buckets only. The answer is the same either
  // way; kDefault lets the searcher choose (see searcher.cc).
  enum class CollectMode : uint8_t { kDefault, kDepthFirst, kBreadthFirst };
  CollectMode collect_mode = CollectMode::kDefault;

  std::vector<AggRequest> subs;
};

// Bucket aggregations (terms ... composite) as opposed to metrics.
inline bool IsBucketAggregation(AggRequest::Type type) { return type <= AggRequest::Type::kComposite; }

// A bucket key: integers (also dates, booleans), doubles or strings;
// monostate is a composite key's null (missing_bucket).
using AggKey = std::variant<std::monostate, int64_t, double, std::string>;

struct AggResult;

struct AggBucket {
  uint64_t doc_count = 0;
  std::vector<AggResult> subs;  // one per sub-aggregation, in request order
};

// One top_hits hit.
struct AggHit {
  std::string index, id, source;
  std::vector<SortValue> sort;
  uint64_t segment = 0;  // for index order
  uint32_t row = 0;
};

class CardinalitySketch;

// Composite keys in the order the sources ask for (per source asc/desc).
struct CompositeOrder {
  std::vector<bool> descending;
  bool operator()(const std::vector<AggKey>& a, const std::vector<AggKey>& b) const;
};

struct AggResult {
  // Buckets (bucket aggregations), by key; filters use their names, ranges
  // their index.
  std::map<AggKey, AggBucket> buckets;
  std::map<std::vector<AggKey>, AggBucket, CompositeOrder> composite;
  // Metrics.
  bool dates = false;  // the field holds dates: min, max, avg and stats also answer as strings
  uint64_t count = 0;  // values seen
  double sum = 0, sum_of_squares = 0;
  double min = 0, max = 0;
  std::shared_ptr<CardinalitySketch> cardinality;
  std::vector<double> values;  // percentiles
  std::vector<AggHit> hits;    // top_hits, best first
  uint64_t hits_total = 0;
  // The buckets are keyed by address (terms on an ip field): IPv4 as its
  // number (int64), IPv6 as its 16 bytes (string), so that they sort as
  // Elasticsearch sorts addresses and are formatted only when shown
  // (IpKeyText).
  bool ip_keys = false;
  // terms on a boolean field: keys 0 and 1, shown with key_as_string
  // "false" and "true" as Elasticsearch shows them.
  bool boolean_keys = false;
  // terms on a date field: keys in epoch milliseconds, shown with
  // key_as_string in the field's date format (ISO 8601 UTC).
  bool date_keys = false;
  // Some bucket key cannot be found again by a term query on the field
  // (derived fields, booleans, doubles, dates, the `missing` bucket): the
  // breadth-first plan, which filters by the winning keys, is then not used.
  bool unfilterable_keys = false;
};

class SegmentReader;
class FieldCatalog;
class FilterCache;

// What a segment's collectors need besides the rows.
struct AggContext {
  const SegmentReader* segment = nullptr;
  const FieldCatalog* catalog = nullptr;
  std::string index;                    // the segment's index (top_hits' _index)
  uint64_t ordinal = 0;                 // the segment's place in the search (index order)
  int64_t now_ms = 0;                   // date math's now
  FilterCache* filter_cache = nullptr;  // for filter(s) aggregations' queries (nullptr: none)
  // Rollup segments: the _doc_count column, how many flows each row
  // stands for; bucket doc counts add these. -1: each row is one.
  int doc_count_column = -1;
  // The rows aggregated (set by CollectAggregations): field cursors read
  // the blocks of which it holds few rows in place (FieldCursor::Init).
  const roaring_bitmap_s* rows = nullptr;
  // Names flow rows stored without an owner at query time (may be null).
  std::shared_ptr<const InventoryHistory> inventory;
};

// Adds what the rows of one segment contribute to results[i] for each
// aggs[i]. Errors: a field that cannot be aggregated (text: InvalidArgument),
// more memory than kAggMemoryLimit (ResourceExhausted).
Status CollectAggregations(const std::vector<AggRequest>& aggs, const AggContext& context, const roaring_bitmap_s* rows,
                           std::vector<AggResult>* results);

// Adds `from` (one segment's results, say) into *into, as if both had been
// collected into one.
void MergeAggResult(const AggRequest& agg, AggResult&& from, AggResult* into);

// Orders top_hits' hits by the aggregation's sort (index order on ties) and
// keeps the first from + size.
void TrimTopHits(const AggRequest& agg, std::vector<AggHit>* hits);

// Elasticsearch's search.max_buckets: more buckets than this in a response
// is an error (too_many_buckets_exception), not a giant answer.
inline constexpr uint64_t kMaxBuckets = 65536;

// What one search's aggregations may hold in memory while they run (bucket
// tables, percentile values) before failing with circuit_breaking_exception.
inline constexpr uint64_t kAggMemoryLimit = 1ULL << 30;

// The text of a bucket key of an AggResult with ip_keys.
std::string IpKeyText(const AggKey& key);

// Re-keys an AggResult with ip_keys by text.
void IpKeysToText(AggResult* result);

// The keys of the buckets a terms aggregation shows, best first: its order
// (ties by key), size, min_doc_count and include/exclude, as the response
// writes them.
std::vector<AggKey> TermsWinners(const AggRequest& agg, const AggResult& result);

// Counts the buckets the response would hold (histograms with their empty
// buckets) and fails when they exceed kMaxBuckets.
Status CheckBucketLimit(const AggRequest& agg, const AggResult& result);

// The aggregation's part of the response ("<name>": {...}).
void WriteAggregationJson(const AggRequest& agg, const AggResult& result, std::string* json);

}  // namespace flowdex
