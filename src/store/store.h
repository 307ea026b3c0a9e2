// Store: a data directory of indices made of immutable segments, with
// atomic, durable commits (LevelDB's CURRENT + MANIFEST scheme).
//
//   DIR/LOCK                      held (flock) by the one process writing
//   DIR/CURRENT                   names the live manifest
//   DIR/MANIFEST-<generation>     segments (store/manifest.h)
//   DIR/SOURCES-<n>               every source ingested (store/source_log.h)
//   DIR/indices/<index>/<YYYY-MM-DD>/<id>.seg   segment files (raw and rollup)
//
// Writers build segment files under names from NewSegment, then Commit them
// together with the sources they came from. A commit is durable when it
// returns: segment files were fsynced by their builder, the new manifest is
// fsynced and renamed into place. Segment files no commit names (left by a
// crash or an abandoned batch) are deleted when the store is opened.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/manifest.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

class BlockCache;
class FilterCache;
class SourceLog;
class Store;

class SegmentReader;

struct MergePolicy;

// An immutable view of the store at one commit; readers keep it as long as
// they need a consistent picture, whatever commits happen meanwhile.
struct StoreVersion {
  uint64_t generation = 0;
  std::vector<SegmentRef> segments;  // by index, then by time (min_time), then id
  std::vector<SegmentRef> rollups;   // rollup segments, by index, partition, rollup, then id
  // Every index: those with segments, and those created (or mapped) without any yet.
  std::vector<std::string> indices;                         // sorted
  std::map<std::string, std::vector<std::string>> aliases;  // alias -> indices
  // Live (not deleted) rows of the raw segments of `index` ("" for all
  // indices), and the bytes of its segments, rollups included.
  uint64_t Rows(std::string_view index = "") const;
  uint64_t Bytes(std::string_view index = "") const;
};

struct CommitBatch {
  std::vector<SegmentRef> segments;  // files already written and fsynced
  std::vector<SegmentRef> rollups;   // rollup segments of `segments` (likewise written)
  std::vector<SourceRecord> sources;
  std::map<std::string, std::string> mappings;  // index -> its new mapping (JSON)
  // Rows of live segments to delete (segment id, row), in the same commit as
  // the segments added: an update replaces a document atomically.
  std::vector<std::pair<uint64_t, uint32_t>> deletes;
};

// One change of Store::UpdateAliases, as in POST /_aliases.
struct AliasAction {
  bool add = true;  // false: remove
  std::string alias;
  std::string index;
};

// A change of the rollups, made atomically (Store::ReplaceRollups).
struct RollupChange {
  // Raw segments whose rows the added rollups now hold: they are marked
  // with `version` (Conflict when one is no longer live).
  std::vector<uint64_t> raw_ids;
  uint32_t version = 0;
  std::vector<uint64_t> removed;  // rollup segments replaced (merged) or dropped
  // Rollup segments the added ones were built from and that stay (a daily
  // rollup grouped from hourly ones): Conflict when one is no longer live.
  std::vector<uint64_t> kept;
  std::vector<SegmentRef> added;
};

// Work the store's background thread does besides merging raw segments and
// retention (rollups register theirs: rollup/rollup_maintainer.h). Sets
// *did_work when it changed something, so that it is called again at once.
using BackgroundTask = std::function<Status(Store& store, CancellationToken cancel, bool* did_work)>;

struct StoreOptions {
  // Merge small segments, apply retention and run `background_tasks` in a
  // background thread.
  bool background_work = false;
  std::vector<BackgroundTask> background_tasks;
  // Drop whole day partitions that ended more than this long ago (0: keep all).
  int64_t retention_ms = 0;
  // The same for rollup segments (0: as long as raw segments are kept).
  int64_t rollup_retention_ms = 0;
  // Drop whole day partitions, oldest first, while the segments take more
  // than this many bytes (0: no limit; ApplySizeLimit).
  uint64_t max_disk_bytes = 0;
  int zstd_level = 1;
  // Decoded column blocks kept for later queries (0: none). The caches'
  // defaults fit a small VM (flowdex serve --block-cache/--filter-cache).
  uint64_t block_cache_bytes = uint64_t{256} << 20;
  // The rows of queries' leaves per segment, kept for later queries (0: none).
  uint64_t filter_cache_bytes = uint64_t{128} << 20;
};

class Store {
 public:
  // Opens the data directory at `dir`, creating it if needed. Fails with
  // Conflict if another process holds it, Corruption if the manifest is
  // damaged.
  static Status Open(const std::string& dir, std::unique_ptr<Store>* out);
  static Status Open(const std::string& dir, const StoreOptions& options, std::unique_ptr<Store>* out);
  // Stops background work (an unfinished merge is abandoned, never half
  // committed) and releases the directory.
  ~Store();

  const std::string& dir() const { return dir_; }

  // Reserves a segment id for `index` and `partition`, creates its folder,
  // and returns the file's absolute path in *path.
  Status NewSegment(const std::string& index, const std::string& partition, SegmentRef* ref, std::string* path);

  // Makes the batch part of the store, atomically and durably. A source
  // already present is AlreadyExists (the caller checks HasSource first); a
  // delete of a segment that is no longer live is NotFound (look the rows
  // up again).
  Status Commit(const CommitBatch& batch);

  // Creates an empty index with `mapping` (a JSON "mappings" object, "" for
  // none) and, when given, its `settings` (a JSON object kept as the API
  // object IndexSettingsKey(index) in the same commit, gone with the index).
  // Errors: AlreadyExists (an index of that name), InvalidName (a name
  // against the rules, or an alias's).
  Status CreateIndex(const std::string& index, const std::string& mapping, const std::string& settings = "");

  // Removes an index: its segments, mapping, sources (so that ingesting them
  // again loads them again) and its place in aliases. NotFound if it has none.
  Status DeleteIndex(const std::string& index);

  // Applies alias changes atomically. Adding names an existing index
  // (NotFound otherwise); an alias may not share a name with an index or
  // break the naming rules (InvalidName); removing one that is not there is
  // NotFound.
  Status UpdateAliases(const std::vector<AliasAction>& actions);

  // Atomically removes the segments with ids `removed` and adds `added`
  // (merges, retention). Fails with Conflict, changing nothing, if a removed
  // segment is no longer live, or has another rollup_version than the added
  // ones (rolled up while a merge ran). Removed files are deleted once no
  // snapshot needs them.
  Status ReplaceSegments(const std::vector<uint64_t>& removed, const std::vector<SegmentRef>& added);

  // Applies `change` atomically: marks raw segments as rolled up, removes
  // and adds rollup segments. Conflict, changing nothing, when a raw or
  // removed segment is no longer live (a merge or retention took it).
  Status ReplaceRollups(const RollupChange& change);

  // Merges one group of small segments if the policy finds one; *merged
  // says whether it did.
  Status MergeOnce(const MergePolicy& policy, bool* merged);

  // Drops the partitions that ended before now_ms - retention_ms (raw
  // segments) and now_ms - rollup_retention_ms (rollups; 0: as raw ones);
  // *dropped counts the segments removed.
  Status ApplyRetention(int64_t now_ms, int64_t retention_ms, size_t* dropped, int64_t rollup_retention_ms = 0);

  // Drops whole day partitions (of every index; raw and rollup segments),
  // oldest first, until the segments take at most max_bytes; the newest day
  // is always kept. *dropped counts the segments removed.
  Status ApplySizeLimit(uint64_t max_bytes, size_t* dropped);
  // Segments ApplySizeLimit dropped since the store was opened (by any caller).
  uint64_t size_limit_dropped() const { return size_limit_dropped_.load(); }

  // Stores (json non-empty) or removes (json empty) an API object
  // (Manifest::api_objects); removing one that is not there is NotFound.
  // `json` must be a JSON object.
  Status PutApiObject(const std::string& key, const std::string& json);
  // Every API object whose key starts with `prefix`.
  std::map<std::string, std::string> ApiObjects(const std::string& prefix) const;

  // True, filling *record, when the source was committed before.
  bool HasSource(const std::string& key, SourceRecord* record = nullptr) const;

  // The committed mapping of `index` (JSON "mappings" object), or "" when it has none.
  std::string Mapping(const std::string& index) const;

  // Every committed source, in commit order.
  std::vector<SourceRecord> Sources() const;
  // How many sources are committed.
  uint64_t SourceCount() const;
  // The manifest format the store had when opened (kManifestFormat, or
  // older when opening converted it in place).
  int opened_format() const { return opened_format_; }
  // Whether opening moved a format 1 manifest's sources into a source log.
  bool moved_sources() const { return moved_sources_; }

  // The cache of decoded blocks (nullptr when block_cache_bytes is 0).
  const BlockCache* block_cache() const { return block_cache_.get(); }

  // The current version (a snapshot).
  std::shared_ptr<const StoreVersion> Current() const;

  // Opens (or returns the cached reader of) a committed segment.
  Status OpenSegment(const SegmentRef& ref, std::shared_ptr<SegmentReader>* out) const;

  // The cache of leaves' matching rows per segment (src/store/filter_cache.h).
  FilterCache* filter_cache() const { return filter_cache_.get(); }

  // Absolute path of a segment file.
  std::string SegmentPath(const SegmentRef& ref) const { return dir_ + "/" + ref.RelativePath(); }

 private:
  Store(std::string dir, int lock_fd, StoreOptions options);
  Status Load();
  Status RemoveOrphans();
  // Installs `m` as the committed manifest (mu_ held).
  Status Install(Manifest m);
  // Deletes removed segment files no live snapshot refers to (mu_ held).
  void PurgeObsoleteFiles();
  void BackgroundLoop();

  const std::string dir_;
  int lock_fd_;
  mutable std::mutex mu_;
  Manifest manifest_;                            // guarded by mu_
  std::shared_ptr<const StoreVersion> current_;  // guarded by mu_
  std::unique_ptr<SourceLog> sources_;           // guarded by mu_
  int opened_format_ = kManifestFormat;
  bool moved_sources_ = false;
  std::atomic<uint64_t> size_limit_dropped_{0};
  // Readers of the segments in use, kept open (with their dictionaries and
  // postings loaded) while their segment is in the current version.
  mutable std::vector<std::pair<uint64_t, std::shared_ptr<SegmentReader>>> readers_;  // guarded by mu_
  std::unique_ptr<BlockCache> block_cache_;
  std::unique_ptr<FilterCache> filter_cache_;
  // Every version handed out that may still be alive, and the files removed
  // by commits, with the generation that removed them (guarded by mu_).
  mutable std::vector<std::weak_ptr<const StoreVersion>> versions_;
  std::vector<std::pair<uint64_t, std::string>> obsolete_;

  StoreOptions options_;
  std::mutex merge_mu_;  // one merge at a time
  std::condition_variable wake_;
  CancellationSource stopping_;  // stops background work
  std::thread background_;
};

class SegmentBuilder;

// Completes `builder`'s file and records its rows, size and time range in
// *ref (whose id, index and partition came from Store::NewSegment).
Status FinishSegment(SegmentBuilder* builder, SegmentRef* ref);

// The start (ms) of a "YYYY-MM-DD" partition; false for other names.
bool ParsePartitionDay(std::string_view name, int64_t* start_ms);

// Checks an index name against Elasticsearch's rules (lowercase, no
// \ / * ? " < > | , # : or space, not starting with - _ +, not . or ..,
// at most 255 bytes); InvalidName with Elasticsearch's reason otherwise.
Status ValidateIndexName(std::string_view name);

// The API object key of an index's settings (Store::CreateIndex).
inline std::string IndexSettingsKey(std::string_view index) { return "/_flowdex/index_settings/" + std::string(index); }

}  // namespace flowdex
