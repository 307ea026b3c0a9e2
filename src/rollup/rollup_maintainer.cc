#include "rollup/rollup_maintainer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "schema/flow_index.h"
#include "store/segment_reader.h"

namespace flowdex {

namespace {

void RemoveFiles(const Store& store, const std::vector<SegmentRef>& refs) {
  for (const SegmentRef& r : refs) ::unlink((store.dir() + "/" + r.RelativePath()).c_str());
}

// Builds `specs` from the segments `inputs` of one partition into
// change->added and commits the change; a lost race (Conflict) removes the
// added files and still counts as work, so that the next step sees the new
// state.
Status BuildAndApply(Store& store, const std::string& index, const std::string& partition,
                     const std::vector<SegmentRef>& inputs, const std::vector<const RollupSpec*>& specs,
                     const RollupOptions& options, CancellationToken cancel, RollupChange* change, bool* did_work,
                     RollupBuildStats* stats) {
  std::vector<std::shared_ptr<SegmentReader>> readers;
  for (const SegmentRef& r : inputs) {
    std::shared_ptr<SegmentReader> reader;
    Status s = store.OpenSegment(r, &reader);
    if (!s.ok()) return s;
    readers.push_back(std::move(reader));
  }
  change->version = kRollupVersion;
  Status s = BuildRollups(&store, index, partition, readers, specs, options.zstd_level, cancel, &change->added, stats);
  if (!s.ok()) return s;
  s = store.ReplaceRollups(*change);
  if (!s.ok()) RemoveFiles(store, change->added);
  if (s.code() == Status::Code::kConflict) s = Status::OK();
  *did_work = true;
  return s;
}

// Whether every column of `ref` that some spec groups by has the type the
// spec declares. Segments of documents indexed into the flow index through
// the API may not (their integers are int64): they stay raw, answered from
// raw rows, instead of failing their partition's rollups and every newer
// one's behind it. A segment that cannot be opened counts as rollable, so
// that the build reports its error.
bool Rollable(const Store& store, const SegmentRef& ref, const std::vector<const RollupSpec*>& specs) {
  std::shared_ptr<SegmentReader> seg;
  if (!store.OpenSegment(ref, &seg).ok()) return true;
  for (const RollupSpec* spec : specs) {
    for (size_t d = 0; d < spec->dims.size(); ++d) {
      const int c = seg->FindColumn(spec->dims[d]);
      if (c >= 0 && seg->meta().columns[c].type != spec->dim_types[d]) return false;
    }
  }
  return true;
}

// Whether rows in `refs` span enough hours for daily rollups.
bool SpanForDaily(const std::vector<SegmentRef>& refs) {
  if (refs.empty()) return false;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const SegmentRef& r : refs) {
    lo = std::min(lo, r.min_time);
    hi = std::max(hi, r.max_time);
  }
  return RollupBucket(hi) - RollupBucket(lo) >= (kDailyRollupMinHours - 1) * kRollupHourMs;
}

}  // namespace

Status RollupOnce(Store& store, const RollupOptions& options, CancellationToken cancel, bool* did_work,
                  RollupBuildStats* stats) {
  *did_work = false;
  const auto version = store.Current();
  const std::string index(kFlowIndex);
  std::vector<const RollupSpec*> specs;
  for (const RollupSpec& r : FlowRollups()) specs.push_back(&r);

  std::map<std::pair<std::string, std::string>, std::vector<SegmentRef>> parts;  // (partition, rollup)
  for (const SegmentRef& r : version->rollups) {
    if (r.index == index && r.rollup_version == kRollupVersion) parts[{r.partition, r.rollup}].push_back(r);
  }

  // 1. Daily rollups missing beside hourly ones (partitions rolled up before
  // daily rollups existed, or whose rows spanned too few hours until now):
  // grouped from the hourly segments. First, so that new rows rolled up
  // into such a partition never leave a daily rollup that holds only them.
  std::set<std::pair<std::string, std::string>> present;  // (partition, rollup)
  for (const auto& [key, refs] : parts) present.insert(key);
  for (const auto& [key, refs] : parts) {
    const RollupSpec* spec = FindRollup(key.second);
    const RollupSpec* daily = spec == nullptr ? nullptr : DailyTwin(*spec);
    if (daily == nullptr || present.count({key.first, std::string(daily->name)}) || !SpanForDaily(refs)) continue;
    RollupChange change;
    for (const SegmentRef& r : refs) change.kept.push_back(r.id);
    return BuildAndApply(store, index, key.first, refs, {daily}, options, cancel, &change, did_work, stats);
  }

  // 2. Raw segments no rollup of this version holds, oldest partition first.
  std::map<std::string, std::vector<SegmentRef>> pending;
  for (const SegmentRef& r : version->segments) {
    // Segments with deleted rows stay raw: their partition is answered from raw rows.
    if (r.index == index && r.rollup_version != kRollupVersion && r.deleted.empty() && Rollable(store, r, specs)) {
      pending[r.partition].push_back(r);
    }
  }
  if (!pending.empty()) {
    const auto& [partition, all] = *pending.begin();
    std::vector<SegmentRef> chosen;
    uint64_t rows = 0;
    for (const SegmentRef& r : all) {
      if (!chosen.empty() && rows + r.rows > options.max_rows_per_step) break;
      chosen.push_back(r);
      rows += r.rows;
    }
    // Daily twins beside the hourly rollups where the partition has them,
    // or has no rollups yet and these rows span enough hours.
    std::vector<const RollupSpec*> build;
    for (const RollupSpec* spec : specs) {
      if (spec->resolution_ms != kRollupHourMs) continue;
      build.push_back(spec);
      const RollupSpec* daily = DailyTwin(*spec);
      if (daily != nullptr && (present.count({partition, std::string(daily->name)}) ||
                               (!present.count({partition, std::string(spec->name)}) && SpanForDaily(chosen)))) {
        build.push_back(daily);
      }
    }
    RollupChange change;
    for (const SegmentRef& r : chosen) change.raw_ids.push_back(r.id);
    // Rollups of another version in this partition go (their raw segments
    // are among the pending ones).
    for (const SegmentRef& r : version->rollups) {
      if (r.index == index && r.partition == partition && r.rollup_version != kRollupVersion) {
        change.removed.push_back(r.id);
      }
    }
    return BuildAndApply(store, index, partition, chosen, build, options, cancel, &change, did_work, stats);
  }

  // 3. A rollup with too many segments in one partition: merged into one
  // (each resolution on its own: they hold the same rows either way).
  for (const auto& [key, refs] : parts) {
    if (refs.size() <= options.max_segments_per_partition) continue;
    const RollupSpec* spec = FindRollup(key.second);
    if (spec == nullptr) continue;
    RollupChange change;
    for (const SegmentRef& r : refs) change.removed.push_back(r.id);
    return BuildAndApply(store, index, key.first, refs, {spec}, options, cancel, &change, did_work, stats);
  }

  return Status::OK();
}

Status RollupAll(Store& store, const RollupOptions& options, CancellationToken cancel, RollupBuildStats* stats) {
  bool did_work = true;
  while (did_work && !cancel.cancelled()) {
    Status s = RollupOnce(store, options, cancel, &did_work, stats);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

BackgroundTask RollupTask(RollupOptions options) {
  auto last_error = std::make_shared<std::string>();
  auto mu = std::make_shared<std::mutex>();
  return [options, last_error, mu](Store& store, CancellationToken cancel, bool* did_work) {
    Status s = RollupOnce(store, options, cancel, did_work);
    if (!s.ok() && !s.IsCancelled()) {
      std::lock_guard<std::mutex> lock(*mu);
      if (s.ToString() != *last_error) {
        *last_error = s.ToString();
        std::fprintf(stderr, "flowdex: rollups: %s\n", last_error->c_str());
      }
    }
    return s;
  };
}

}  // namespace flowdex
