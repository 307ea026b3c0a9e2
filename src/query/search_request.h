// A search as the engine takes it (what `_search`, `_count`, `flowdex query`
// and the UI's requests become) and what it answers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/aggs/aggregation.h"
#include "query/query.h"
#include "query/sort_values.h"
#include "util/cancellation.h"

namespace flowdex {

struct StoreVersion;

class InventoryHistory;

// Elasticsearch's index.max_result_window.
inline constexpr uint64_t kMaxResultWindow = 10000;

struct SearchRequest {
  std::vector<std::string> indices = {"*"};  // names, comma-free patterns with *, "_all"
  Query query;
  uint64_t from = 0;
  uint64_t size = 10;
  std::vector<SortKey> sort;            // empty: _score, i.e. index order
  int64_t track_total_hits = 10000;     // count exactly up to this; -1: always exactly
  bool track_total_hits_given = false;  // set by the request (not the default)
  bool fetch_source = true;
  bool version = false, seq_no_primary_term = false;  // hits carry _version / _seq_no and _primary_term
  // The store version to read (a scroll's or a point in time's, kept from
  // its first page: merges and writes since do not move its hits); null:
  // the current one.
  std::shared_ptr<const StoreVersion> store_version;
  // _source filtering: dotted paths with * (empty includes: everything).
  std::vector<std::string> source_includes, source_excludes;
  std::vector<std::string> fields;  // "fields" and "docvalue_fields": values per field, from _source
  // search_after: the sort values of the last hit of the previous page
  // (search_after_null[i]: that value was null, i.e. missing).
  std::vector<QueryValue> search_after;
  std::vector<bool> search_after_null;
  int64_t timeout_ms = -1;       // stop collecting after this (partial results, timed_out: true)
  uint64_t terminate_after = 0;  // stop after this many hits per segment (0: never)
  int64_t now_ms = 0;            // date math's now (0: set by the parser to the clock)
  CancellationToken cancel;      // the caller's: stops a running search
  std::vector<AggRequest> aggs;  // over every hit, whatever size says
  bool total_as_int = false;     // rest_total_hits_as_int: hits.total as a number
  // Answer from rollups where the answer is the same (query/plan/rollup_plan.h).
  bool use_rollups = true;
  // The AWS inventory's history: flow rows stored without an owner for an
  // address are named from it at query time (hits, filters, terms), as
  // rows ingested with it are (null: stored names only).
  std::shared_ptr<const InventoryHistory> inventory;
};

struct SearchHit {
  std::string index;
  uint64_t segment_id = 0;  // where the hit is stored (for _bulk's updates and deletes)
  uint32_t row = 0;
  std::string id;
  std::string source;  // JSON
  std::string fields;  // JSON object of the requested fields' values (when asked)
  std::vector<SortValue> sort;
};

struct SearchResponse {
  uint64_t total = 0;
  bool total_is_exact = true;  // false: "relation": "gte"
  std::vector<SearchHit> hits;
  uint64_t segments_searched = 0;
  uint64_t segments_skipped = 0;  // by time range
  bool timed_out = false;
  bool terminated_early = false;  // terminate_after stopped it
  std::vector<AggResult> aggs;    // one per request.aggs
  std::string rollup;  // the rollups that answered in part ("sources", "sources_1d+sources"; "": raw rows only)
  uint64_t rollup_segments = 0;  // rollup segments read
};

}  // namespace flowdex
