// RollupBuilder: groups the rows of some segments of one index and day
// partition by hour (or day) and by each rollup's dimensions (rollup/rollup_spec.h),
// and writes one rollup segment per rollup. Inputs are raw segments (each
// row one flow) or rollup segments (each row `_doc_count` flows), so the
// same code rolls up new data and merges rollups.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rollup/rollup_spec.h"
#include "store/store.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

class SegmentReader;

struct RollupBuildStats {
  uint64_t input_rows = 0;    // rows read
  uint64_t output_rows = 0;   // groups written, over every rollup
  uint64_t output_bytes = 0;  // their segments' size
};

// Writes, for each of `specs`, a segment of `index` and `partition` (named
// by store->NewSegment, fsynced, not committed) holding the groups of every
// row of `inputs`, and appends its ref (rollup name, kRollupVersion, rows,
// bytes, time range) to *out; a rollup with no rows writes none. A spec
// listed with its finer twin (the same dimensions, a resolution that divides
// its own: a daily and an hourly rollup) is grouped from the twin's groups
// instead of reading `inputs` again. On error or cancellation the files
// written are removed and *out is unchanged.
// Errors: the store's and the segments' own; Unsupported when a dimension
// holds arrays (raw flow columns never do).
Status BuildRollups(Store* store, const std::string& index, const std::string& partition,
                    const std::vector<std::shared_ptr<SegmentReader>>& inputs,
                    const std::vector<const RollupSpec*>& specs, int zstd_level, CancellationToken cancel,
                    std::vector<SegmentRef>* out, RollupBuildStats* stats = nullptr);

}  // namespace flowdex
