// RollupMaintainer: keeps the flow index's rollups (rollup/rollup_spec.h)
// in step with its raw segments. One step (RollupOnce) does one of:
//   - rolls up raw segments of one day partition that no rollup holds yet
//     (new data, or data of another rollup version), marking them rolled
//     up in the same atomic change that adds their rollup segments;
//   - merges one rollup's segments of a partition when rounds of new data
//     have left many, re-grouping their rows into one segment.
//   - groups a partition's hourly rollup into its daily twin when the
//     partition has none (it was rolled up before daily rollups existed).
// Every step that adds hourly rows to a partition adds their daily twin's
// in the same change, so a partition's daily rollup, once there, holds
// exactly its hourly one's flows.
// `flowdex ingest` runs steps until none is left; `serve`, `worker` and
// `--watch` run them in the store's background thread (RollupTask).
#pragma once

#include <cstdint>

#include "rollup/rollup_builder.h"
#include "store/store.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

struct RollupOptions {
  int zstd_level = 1;
  // Raw rows rolled up in one step at most (bounds the step's memory).
  uint64_t max_rows_per_step = 50'000'000;
  // Segments of one rollup in one partition before they are merged.
  size_t max_segments_per_partition = 8;
};

// Does one step; *did_work says whether there was one to do. A step that
// lost a race with a merge or retention (Conflict) removes what it wrote
// and reports work done, so that the caller tries again.
Status RollupOnce(Store& store, const RollupOptions& options, CancellationToken cancel, bool* did_work,
                  RollupBuildStats* stats = nullptr);

// Steps until none is left (or cancel).
Status RollupAll(Store& store, const RollupOptions& options, CancellationToken cancel,
                 RollupBuildStats* stats = nullptr);

// RollupOnce as a store background task (errors are logged to stderr once
// per distinct message and retried on the next round).
BackgroundTask RollupTask(RollupOptions options = {});

}  // namespace flowdex
