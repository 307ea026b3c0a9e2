// Sort keys and sort values: what a hit is ordered by (the search's "sort",
// top_hits' "sort") and how one column's values are read for it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "store/segment_reader.h"
#include "util/status.h"

namespace flowdex {

struct SortKey {
  std::string field;  // a field, "_doc" (index order) or "_score"
  bool descending = false;
  bool missing_first = false;  // Elasticsearch puts missing values last, both ways
};

// A sort value of a hit: what the response's "sort" array shows.
struct SortValue {
  enum class Kind : uint8_t { kMissing, kInteger, kDouble, kString } kind = Kind::kMissing;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;  // integer columns wider than int64 keep their bits here
  double number = 0;
  std::string text;
  bool is_ip = false;  // text is an address: order by ip_key
  std::array<uint8_t, 16> ip_key{};
};

// <0, 0, >0 as a sorts before, with, after b (values of one field; kinds
// compare by kind first).
int CompareSortValues(const SortValue& a, const SortValue& b);

// Reads one column's sort values row by row, decoding each block once
// (rows in increasing order read each block once; any order works).
class SortValueReader {
 public:
  // column < 0: the field is not in this segment (every value missing).
  // Arrays give their smallest value, or their largest when descending.
  SortValueReader(const SegmentReader* seg, int column, bool descending);
  Status Get(uint32_t row, SortValue* out);

 private:
  const SegmentReader* seg_;
  int column_;
  bool descending_;
  const std::vector<std::string>* dict_ = nullptr;
  Status dict_status_;
  std::shared_ptr<const ColumnBlock> block_;
  size_t loaded_ = SIZE_MAX;
};

}  // namespace flowdex
