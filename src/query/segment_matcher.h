// SegmentMatcher: runs a query tree over one segment and returns the rows
// that match, as a bitmap of row numbers within the segment.
//
// Leaves read as little as they can: a term on a column with page postings
// reads only the pages that hold the value; other leaves skip the blocks whose
// min/max cannot match; the remaining blocks are decoded and tested row by
// row (any value of an array matches). Fields the index does not have match
// nothing, as in Elasticsearch; a value that cannot be read for its field's
// type (a word for a port) is an InvalidArgument error.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "query/field_catalog.h"
#include "query/query.h"
#include "store/bitmap.h"
#include "store/segment_reader.h"

namespace flowdex {

class SegmentMatcher {
 public:
  SegmentMatcher(const SegmentReader* segment, const FieldCatalog* catalog);

  Status Match(const Query& query, Bitmap* rows);
  // The rows of `within` that match (only those are looked at).
  Status MatchWithin(const Query& query, const roaring_bitmap_t* within, Bitmap* rows);

  // The instant "now" names in date math (ms since the epoch); one per
  // request, so that every segment sees the same now.
  void set_now(int64_t now_ms) { now_ms_ = now_ms; }

  // Blocks decoded so far (for tests and profiles: postings and min/max
  // pruning keep this low).
  uint64_t blocks_read() const { return blocks_read_; }

 private:
  struct Leaf;
  Status MatchBool(const Query& query, Bitmap* rows);
  Status MatchLeaf(const Query& query, Bitmap* rows);
  Status MatchColumn(const Query& query, int column, const ResolvedField& field, Bitmap* rows);
  Bitmap AllRows() const;
  // Pages a term clause's postings name (0: none here; UINT64_MAX: unknown).
  uint64_t EstimatePages(const Query& q) const;

  const SegmentReader* segment_;
  const FieldCatalog* catalog_;
  uint64_t blocks_read_ = 0;
  int64_t now_ms_ = 0;
  // While a bool's later clauses run: the rows still in question (nullptr:
  // all); leaves may leave other rows out of their answer, since it is
  // intersected with these.
  const roaring_bitmap_t* restrict_rows_ = nullptr;
  // Set by a leaf whose answer is known to lie within restrict_rows_ (so
  // the bool need not intersect it again).
  bool within_restriction_ = false;
  // Filter-cache keys of the leaves seen, by leaf ("" : not cacheable).
  std::unordered_map<const Query*, std::string> cache_keys_;
};

}  // namespace flowdex
