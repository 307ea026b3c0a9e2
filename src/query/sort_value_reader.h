// SortValueReader: one column's sort values, read from a segment.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/sort_values.h"
#include "store/segment_reader.h"
#include "util/status.h"

namespace flowdex {

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
