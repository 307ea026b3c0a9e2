// Checking a whole data directory (`flowdex check`): every block of every
// live segment is read, checksummed and decoded, and the rows stored for each
// source are counted against the manifest's record of that source, so a
// source is present exactly once or the check fails; rollups must count
// every raw row they stand for.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/store.h"

namespace flowdex {

// Where the bytes of one column go, summed over segments.
struct ColumnUsage {
  std::string type;
  uint64_t data_bytes = 0, dictionary_bytes = 0, postings_bytes = 0, postings_entries = 0;
};

struct StoreCheckReport {
  std::map<std::string, ColumnUsage> columns;
  uint64_t segments = 0;
  uint64_t rows = 0;
  uint64_t blocks = 0;
  uint64_t bytes = 0;
  uint64_t rollup_segments = 0, rollup_rows = 0, rollup_bytes = 0;  // read like the others
  std::map<std::string, uint64_t> rows_per_source;
  std::vector<std::string> problems;  // empty when the store is sound
};

// `source_column` is the keyword column naming each row's source;
// `doc_count_column` the column of rollup rows counting the rows they sum:
// in each partition, each rollup's rows must count exactly the live rows of
// the raw segments marked as rolled up by its version (partitions with
// deleted rows aside: their rollups are not read).
void CheckStore(const Store& store, std::string_view source_column, std::string_view doc_count_column,
                StoreCheckReport* report);

}  // namespace flowdex
