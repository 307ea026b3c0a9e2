// Merging segments: rewrites several segments of one partition as one, so
// the many small segments that frequent commits leave behind do not slow
// queries down. Rows are copied in order (inputs by time, then row order);
// keyword codes are remapped through the output's dictionary.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "store/segment_builder.h"
#include "store/segment_reader.h"
#include "store/store.h"
#include "util/cancellation.h"

namespace flowdex {

// Writes the rows of `inputs`, in order, into a new segment file at `path`.
// Fills *meta with the result. The output is complete and fsynced on OK.
// When `cancel` is cancelled the merge stops with a Cancelled status and the
// output file is removed.
Status MergeSegments(const std::vector<std::shared_ptr<SegmentReader>>& inputs, const std::string& path, int zstd_level,
                     SegmentMeta* meta, uint64_t* file_bytes, CancellationToken cancel = {});

// Only small segments are merged: those that frequent small commits leave
// (a watched folder, an SQS queue). Segments from a bulk ingest are already
// large and are never rewritten.
struct MergePolicy {
  uint64_t small_rows = 1'000'000;  // segments below this are merge candidates
  size_t min_inputs = 4;            // merge when a partition has this many small segments
  size_t max_inputs = 16;
  uint64_t max_output_rows = 4'000'000;
};

// The segments of one index and partition worth merging now, oldest first;
// empty when none.
std::vector<SegmentRef> PickMerge(const StoreVersion& version, const MergePolicy& policy);

}  // namespace flowdex
