// SegmentMatcher: runs a lowered predicate (src/query/plan) over one segment
// and returns the rows that match, as a bitmap of row numbers.
//
// Leaves read as little as they can (src/query/exec/leaf_matchers.h): exact
// values through the page postings, other leaves skip the blocks whose
// min/max cannot match, the rest is decoded and tested value by value. A
// bool runs its cheapest required clause first and each later one only on
// the rows still in question. Leaves with a cache key, and bools whose
// every clause has one, are kept in the filter cache on their second use,
// as Elasticsearch's query cache keeps filters, compound ones included: a
// dashboard's whole filter (three leaves matching most rows, together a
// few) then costs one small bitmap per segment.
#pragma once

#include <roaring/roaring.h>

#include <cstdint>
#include <string>

#include "query/plan/predicate.h"
#include "store/bitmap.h"
#include "store/segment_reader.h"

namespace flowdex {

class FilterCache;

// The filter cache's key for `p`: a leaf's cache_key, a bool's built from
// its clauses' keys; "" when some part has none (never cached).
std::string FilterCacheKey(const Predicate& p);

class SegmentMatcher {
 public:
  // `cache` keeps leaves' rows between searches (nullptr: none).
  SegmentMatcher(const SegmentReader* segment, FilterCache* cache);

  Status Match(const Predicate& predicate, Bitmap* rows);
  // The rows of `within` that match (only those are looked at).
  Status MatchWithin(const Predicate& predicate, const roaring_bitmap_t* within, Bitmap* rows);

  // Blocks decoded so far (for tests and profiles: postings and min/max
  // pruning keep this low).
  uint64_t blocks_read() const { return blocks_read_; }

 private:
  Status MatchBool(const BoolPredicate& b, Bitmap* rows);
  Status MatchLeaf(const Predicate& leaf, Bitmap* rows);
  Bitmap AllRowsBitmap() const;

  const SegmentReader* segment_;
  FilterCache* cache_;
  uint64_t blocks_read_ = 0;
  // While a bool's later clauses run: the rows still in question (nullptr:
  // all); leaves may leave other rows out of their answer, since it is
  // intersected with these.
  const roaring_bitmap_t* restrict_rows_ = nullptr;
  // Set by a leaf whose answer is known to lie within restrict_rows_ (so
  // the bool need not intersect it again).
  bool within_restriction_ = false;
  // While a clause that will be cached runs (its parts are not cached).
  bool caching_ = false;
};

}  // namespace flowdex
