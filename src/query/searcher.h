// Searcher: runs a search request over the committed segments of the indices
// it names, and returns the total and the requested page of hits with their
// _source, as Elasticsearch's _search does (without scoring yet: every hit
// scores 1.0, so the default order is index order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/aggregation.h"
#include "query/query.h"
#include "store/store.h"

namespace flowdex {

struct SortKey {
  std::string field;  // a field, "_doc" (index order) or "_score"
  bool descending = false;
  bool missing_first = false;  // Elasticsearch puts missing values last, both ways
};

struct SearchRequest {
  std::vector<std::string> indices = {"*"};  // names, comma-free patterns with *, "_all"
  Query query;
  uint64_t from = 0;
  uint64_t size = 10;
  std::vector<SortKey> sort;          // empty: _score, i.e. index order
  int64_t track_total_hits = 10000;   // count exactly up to this; -1: always exactly
  bool fetch_source = true;
  std::vector<AggRequest> aggs;       // over every hit, whatever size says
};

// A sort value of a hit: what the response's "sort" array shows.
struct SortValue {
  enum class Kind : uint8_t { kMissing, kInteger, kDouble, kString } kind = Kind::kMissing;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;  // integer columns wider than int64 keep their bits here
  double number = 0;
  std::string text;
};

struct SearchHit {
  std::string index;
  std::string id;
  std::string source;  // JSON
  std::vector<SortValue> sort;
};

struct SearchResponse {
  uint64_t total = 0;
  bool total_is_exact = true;  // false: "relation": "gte"
  std::vector<SearchHit> hits;
  uint64_t segments_searched = 0;
  uint64_t segments_skipped = 0;  // by time range
  std::vector<AggResult> aggs;    // one per request.aggs
};

// Index names of `version` that `patterns` select ("*" and "_all": every one).
std::vector<std::string> ResolveIndices(const StoreVersion& version, const std::vector<std::string>& patterns);

Status Search(const Store& store, const SearchRequest& request, SearchResponse* response);

}  // namespace flowdex
