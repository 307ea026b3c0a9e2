// RollupPlan: whether a search can read rollup segments (rollup/
// rollup_spec.h) instead of raw flows, and how. A search qualifies when it
// wants no hits and every part of it gives the same answer on a rollup
// row as on each of the flows it sums:
//   - the query names only the rollup's dimensions, plus @timestamp in
//     ranges that every hit must meet (the time picker's filter);
//   - aggregations bucket and filter by dimensions (terms, histogram,
//     range, ip_range, missing, filter(s), composite), by @timestamp only in
//     date_histograms whose buckets are whole UTC hours, and measure sums
//     of bytes and packets, or min, max and cardinality of dimensions.
// Whole rollup hours inside the query's time range come from the rollups;
// the partial hours at its edges from raw rows. When every date_histogram's
// buckets are whole UTC days, the day partitions wholly inside the range
// are read from the daily twin of the rollup instead of its hourly rows. Each day partition is read
// from rollups only when every raw segment there is either rolled up at
// this version without deleted rows, or not rolled up at all (then it is
// read raw, whole): so the answer is the same either way.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "query/plan/predicate.h"
#include "query/search_request.h"
#include "rollup/rollup_spec.h"
#include "schema/field_catalog.h"
#include "store/store.h"

namespace flowdex {

struct RollupPlan {
  const RollupSpec* spec = nullptr;  // nullptr: raw rows only
  // Rollup buckets in [inner_lo, inner_hi) come from the rollups (ms; the
  // whole hours inside the query's time range).
  int64_t inner_lo = INT64_MIN, inner_hi = INT64_MAX;
  // The query's own time bounds (inclusive): [lo, inner_lo) and
  // [inner_hi, hi] are the edge hours, read from raw rows.
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  // Day partitions of the flow index answered by rollups.
  std::set<std::string> partitions;
  // Those of them answered by `daily` (spec's daily twin) instead of spec's
  // hourly segments: their whole day is inside the range and they have it.
  const RollupSpec* daily = nullptr;
  std::set<std::string> daily_partitions;
  // The query for rollup segments (`query` within the inner hours) and for
  // rolled-up raw segments (`query` outside them: the edge hours).
  Predicate inner, edge;

  // Whether a rolled-up raw segment with rows in [min_time, max_time] has
  // rows in the edge hours (otherwise the rollups hold all it would give).
  bool TouchesEdges(int64_t min_time, int64_t max_time) const {
    return (inner_lo != INT64_MIN && min_time < inner_lo && max_time >= lo) ||
           (inner_hi != INT64_MAX && max_time >= inner_hi && min_time <= hi);
  }
};

// Plans `request` on the flow index of `version`, whose query lowered
// against the flow schema is `predicate`. Leaves plan->spec null when the
// request does not qualify or no rollup covers it.
void PlanRollups(const SearchRequest& request, const Predicate& predicate, const StoreVersion& version, int64_t now_ms,
                 RollupPlan* plan);

// The columns `p` reads (into *columns) and whether it qualifies (see
// above; @timestamp only in ranges of its required clauses).
bool RollupPredicateColumns(const Predicate& p, std::set<std::string>* columns);

// The same for aggregations: dimensions read (*dims) and summed columns
// (*sums); false when some aggregation does not qualify. *whole_days (when
// given) is cleared when some date_histogram's buckets are not whole days.
bool RollupAggColumns(const std::vector<AggRequest>& aggs, const FieldCatalog& catalog, int64_t now_ms,
                      std::set<std::string>* dims, std::set<std::string>* sums, bool* whole_days = nullptr);

}  // namespace flowdex
