#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cerrno>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "store/block_cache.h"
#include "store/filter_cache.h"
#include "store/segment_builder.h"
#include "store/segment_merger.h"
#include "store/segment_reader.h"
#include "store/source_log.h"
#include "util/file_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<const StoreVersion> MakeVersion(const Manifest& m) {
  auto v = std::make_shared<StoreVersion>();
  v->generation = m.generation;
  v->segments = m.segments;
  std::sort(v->segments.begin(), v->segments.end(), [](const SegmentRef& a, const SegmentRef& b) {
    if (a.index != b.index) return a.index < b.index;
    if (a.min_time != b.min_time) return a.min_time < b.min_time;
    return a.id < b.id;
  });
  v->rollups = m.rollups;
  std::sort(v->rollups.begin(), v->rollups.end(), [](const SegmentRef& a, const SegmentRef& b) {
    return std::tie(a.index, a.partition, a.rollup, a.id) < std::tie(b.index, b.partition, b.rollup, b.id);
  });
  std::set<std::string> names;
  for (const SegmentRef& r : m.segments) names.insert(r.index);
  for (const auto& [index, mapping] : m.mappings) names.insert(index);
  v->indices.assign(names.begin(), names.end());
  v->aliases = m.aliases;
  return v;
}

}  // namespace

uint64_t StoreVersion::Rows(std::string_view index) const {
  uint64_t n = 0;
  for (const SegmentRef& s : segments) {
    if (index.empty() || s.index == index) n += s.live_rows();
  }
  return n;
}

uint64_t StoreVersion::Bytes(std::string_view index) const {
  uint64_t n = 0;
  for (const auto* refs : {&segments, &rollups}) {
    for (const SegmentRef& s : *refs) {
      if (index.empty() || s.index == index) n += s.bytes;
    }
  }
  return n;
}

Status FinishSegment(SegmentBuilder* builder, SegmentRef* ref) {
  SegmentMeta meta;
  Status s = builder->Finish(&meta);
  if (!s.ok()) return s;
  ref->rows = meta.rows;
  ref->bytes = builder->file_bytes();
  ref->min_time = meta.min_time;
  ref->max_time = meta.max_time;
  return Status::OK();
}

bool ParsePartitionDay(std::string_view name, int64_t* start_ms) {
  int64_t t = 0;
  if (name.size() != 10 || !ParseTimeArg(name, 0, &t).ok()) return false;
  *start_ms = t * 1000;
  return true;
}

Status ValidateIndexName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidName(fmt::format("Invalid index name [{}], {}", name, why));
  };
  if (name.empty()) return bad("must not be empty");
  if (name.size() > 255) return bad("index name is too long");
  if (name == "." || name == "..") return bad("must not be '.' or '..'");
  if (name[0] == '-' || name[0] == '_' || name[0] == '+') return bad("must not start with '_', '-', or '+'");
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return bad("must be lowercase");
    if (std::string_view("\\/*?\"<>|, #:").find(c) != std::string_view::npos || static_cast<unsigned char>(c) < 0x20) {
      return bad("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, #, :]");
    }
  }
  return Status::OK();
}

Status Store::Open(const std::string& dir, std::unique_ptr<Store>* out) { return Open(dir, StoreOptions{}, out); }

Store::Store(std::string dir, int lock_fd, StoreOptions options)
    : dir_(std::move(dir)), lock_fd_(lock_fd), options_(options) {
  if (options_.block_cache_bytes > 0) block_cache_ = std::make_unique<BlockCache>(options_.block_cache_bytes);
  filter_cache_ = std::make_unique<FilterCache>(options_.filter_cache_bytes);
}

Status Store::Open(const std::string& dir, const StoreOptions& options, std::unique_ptr<Store>* out) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  const std::string abs = fs::absolute(dir).lexically_normal().string();
  const std::string lock_path = abs + "/LOCK";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + lock_path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Conflict(abs + " is in use by another flowdex process (" + lock_path + " is locked)");
  }
  std::unique_ptr<Store> store(new Store(abs, fd, options));
  Status s = store->Load();
  if (s.ok()) s = store->RemoveOrphans();
  if (!s.ok()) return s;
  if (options.background_work) store->background_ = std::thread([p = store.get()] { p->BackgroundLoop(); });
  *out = std::move(store);
  return Status::OK();
}

Store::~Store() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.Cancel();
  }
  wake_.notify_all();
  if (background_.joinable()) background_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_.reset();
    versions_.clear();
    PurgeObsoleteFiles();
  }
  ::close(lock_fd_);
}

void Store::BackgroundLoop() {
  MergePolicy policy;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_.cancelled()) {
    lock.unlock();
    if (options_.retention_ms > 0) {
      size_t dropped = 0;
      const int64_t now =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      ApplyRetention(now, options_.retention_ms, &dropped, options_.rollup_retention_ms);
    }
    if (options_.max_disk_bytes > 0) {
      size_t dropped = 0;
      ApplySizeLimit(options_.max_disk_bytes, &dropped);
    }
    bool merged = true;
    while (merged) {
      {
        std::lock_guard<std::mutex> check(mu_);
        if (stopping_.cancelled()) break;
      }
      if (!MergeOnce(policy, &merged).ok()) break;
      // The other tasks (rollups) after each merge, so that neither starves.
      for (const BackgroundTask& task : options_.background_tasks) {
        if (stopping_.cancelled()) break;
        bool did = false;
        if (task(*this, stopping_.token(), &did).ok() && did) merged = true;
      }
    }
    lock.lock();
    if (stopping_.cancelled()) break;
    wake_.wait_for(lock, std::chrono::seconds(60));
  }
}

Status Store::Load() {
  std::string current;
  Status s = ReadWholeFile(dir_ + "/CURRENT", &current);
  if (s.IsNotFound()) {
    manifest_ = Manifest{};
  } else if (!s.ok()) {
    return s;
  } else {
    while (!current.empty() && current.back() == '\n') current.pop_back();
    if (current.rfind("MANIFEST-", 0) != 0 || current.find('/') != std::string::npos) {
      return Status::Corruption(dir_ + "/CURRENT: does not name a manifest");
    }
    std::string text;
    s = ReadWholeFile(dir_ + "/" + current, &text);
    if (!s.ok()) return s.IsNotFound() ? Status::Corruption(dir_ + "/CURRENT names a missing " + current) : s;
    s = Manifest::Parse(text, dir_ + "/" + current, &manifest_);
    if (!s.ok()) return s;
  }
  // An older format is rewritten in the current one at once, so that an
  // older flowdex refuses the store before it may hold what it cannot read.
  // The source log: the manifest's, or a new one holding what a format 1
  // manifest listed (written and synced before a new manifest names it, so
  // a crash meanwhile leaves the old store as it was).
  opened_format_ = manifest_.format;
  const bool new_source_log = manifest_.sources_file.empty() || !manifest_.legacy_sources.empty();
  if (new_source_log || manifest_.format < kManifestFormat) {
    Manifest next = manifest_;
    next.generation = manifest_.generation + 1;
    next.format = kManifestFormat;
    if (new_source_log) {
      next.sources_file = fmt::format("SOURCES-{:06}", next.generation);
      s = SourceLog::Write(dir_ + "/" + next.sources_file, manifest_.legacy_sources, &next.sources_length);
      if (!s.ok()) return s;
      next.legacy_sources.clear();
      moved_sources_ = true;
    }
    s = Install(std::move(next));
    if (!s.ok()) return s;
  }
  s = SourceLog::Open(dir_ + "/" + manifest_.sources_file, manifest_.sources_length, &sources_);
  if (!s.ok()) return s;
  current_ = MakeVersion(manifest_);
  return Status::OK();
}

Status Store::RemoveOrphans() {
  std::set<std::string> live;
  for (const SegmentRef& r : manifest_.segments) live.insert(fs::path(SegmentPath(r)).lexically_normal().string());
  for (const SegmentRef& r : manifest_.rollups) live.insert(fs::path(SegmentPath(r)).lexically_normal().string());
  const std::string current_name = fmt::format("MANIFEST-{:06}", manifest_.generation);
  std::error_code ec;
  // Old manifests and temporary files at the top.
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if ((name.rfind("MANIFEST-", 0) == 0 && name != current_name) || name.ends_with(".tmp") ||
        (name.rfind("SOURCES-", 0) == 0 && name != manifest_.sources_file)) {
      fs::remove(e.path(), ec);
    }
  }
  const fs::path indices = fs::path(dir_) / "indices";
  if (!fs::exists(indices)) return Status::OK();
  for (auto it = fs::recursive_directory_iterator(indices, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string p = it->path().lexically_normal().string();
    if (!live.count(p)) fs::remove(it->path(), ec);
  }
  if (ec) return Status::IoError(indices.string() + ": " + ec.message());
  // Partition folders left empty by retention (removed here, when no writer
  // can be about to create a file in one).
  for (const auto& index_dir : fs::directory_iterator(indices, ec)) {
    for (const auto& day : fs::directory_iterator(index_dir.path(), ec)) {
      if (day.is_directory() && fs::is_empty(day.path(), ec)) fs::remove(day.path(), ec);
    }
  }
  return Status::OK();
}

Status Store::NewSegment(const std::string& index, const std::string& partition, SegmentRef* ref, std::string* path) {
  Status s = ValidateIndexName(index);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ref->id = manifest_.next_segment_id++;
  }
  ref->index = index;
  ref->partition = partition;
  *path = SegmentPath(*ref);
  std::error_code ec;
  fs::create_directories(fs::path(*path).parent_path(), ec);
  if (ec) return Status::IoError("create " + fs::path(*path).parent_path().string() + ": " + ec.message());
  return Status::OK();
}

Status Store::Commit(const CommitBatch& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  std::unordered_set<std::string_view> in_batch;
  for (const SourceRecord& src : batch.sources) {
    if (!in_batch.insert(src.key).second || sources_->Find(src.key, nullptr)) {
      return Status::AlreadyExists("source already ingested: " + src.key);
    }
  }
  for (const auto& [index, json] : batch.mappings) next.mappings[index] = json;
  for (const auto& [segment, row] : batch.deletes) {
    const uint64_t id = segment;  // (clang 14 cannot capture a structured binding)
    auto it = std::find_if(next.segments.begin(), next.segments.end(), [&](const SegmentRef& r) { return r.id == id; });
    if (it == next.segments.end()) return Status::NotFound(fmt::format("segment {} is no longer live", id));
    if (row >= it->rows) return Status::InvalidArgument(fmt::format("segment {} has no row {}", id, row));
    auto at = std::lower_bound(it->deleted.begin(), it->deleted.end(), row);
    if (at == it->deleted.end() || *at != row) it->deleted.insert(at, row);
  }
  // New segment directories must be durable before the manifest names them.
  std::set<std::string> dirs;
  for (const SegmentRef& r : batch.segments) {
    next.segments.push_back(r);
    dirs.insert(fs::path(SegmentPath(r)).parent_path().string());
  }
  for (const SegmentRef& r : batch.rollups) {
    next.rollups.push_back(r);
    dirs.insert(fs::path(SegmentPath(r)).parent_path().string());
  }
  for (const std::string& d : dirs) {
    Status s = SyncDirectory(d);
    if (s.ok()) s = SyncDirectory(fs::path(d).parent_path().string());
    if (s.ok()) s = SyncDirectory(fs::path(d).parent_path().parent_path().string());
    if (!s.ok()) return s;
  }
  // The sources go to the log first (synced); the manifest then commits
  // them by naming the log's new length.
  if (!batch.sources.empty()) {
    Status s = sources_->Append(batch.sources, &next.sources_length);
    if (!s.ok()) return s;
  }
  Status s = Install(std::move(next));
  if (s.ok()) {
    sources_->Committed(manifest_.sources_length);
    wake_.notify_all();
  }
  return s;
}

Status Store::CreateIndex(const std::string& index, const std::string& mapping, const std::string& settings) {
  Status s = ValidateIndexName(index);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  const bool exists =
      manifest_.mappings.count(index) || std::any_of(manifest_.segments.begin(), manifest_.segments.end(),
                                                     [&](const SegmentRef& r) { return r.index == index; });
  if (exists) {
    return Status::AlreadyExists(fmt::format("index [{}] already exists", index));
  }
  if (manifest_.aliases.count(index)) {
    return Status::InvalidName(
        fmt::format("Invalid index name [{}], an alias with the same name already exists", index));
  }
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  next.mappings[index] = mapping.empty() ? "{}" : mapping;
  if (!settings.empty()) next.api_objects[IndexSettingsKey(index)] = settings;
  return Install(std::move(next));
}

Status Store::DeleteIndex(const std::string& index) {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  const size_t before = next.segments.size() + next.mappings.size();
  std::erase_if(next.segments, [&](const SegmentRef& r) { return r.index == index; });
  std::erase_if(next.rollups, [&](const SegmentRef& r) { return r.index == index; });
  next.mappings.erase(index);
  if (before == next.segments.size() + next.mappings.size()) {
    return Status::NotFound(fmt::format("no such index [{}]", index));
  }
  next.api_objects.erase(IndexSettingsKey(index));
  // The index's sources go: a new log with the others (rare: rewriting it
  // costs one pass over it).
  std::vector<SourceRecord> kept;
  bool dropped = false;
  Status s = sources_->ForEach([&](const SourceRecord& r) {
    if (r.index == index) {
      dropped = true;
    } else {
      kept.push_back(r);
    }
  });
  if (!s.ok()) return s;
  std::unique_ptr<SourceLog> log;
  if (dropped) {
    next.sources_file = fmt::format("SOURCES-{:06}", next.generation);
    s = SourceLog::Write(dir_ + "/" + next.sources_file, kept, &next.sources_length);
    if (s.ok()) s = SourceLog::Open(dir_ + "/" + next.sources_file, next.sources_length, &log);
    if (!s.ok()) return s;
  }
  for (auto it = next.aliases.begin(); it != next.aliases.end();) {
    std::erase(it->second, index);
    it = it->second.empty() ? next.aliases.erase(it) : std::next(it);
  }
  const std::string old_log = sources_->path();
  s = Install(std::move(next));
  if (s.ok() && log) {
    sources_ = std::move(log);
    ::unlink(old_log.c_str());
  }
  return s;
}

Status Store::UpdateAliases(const std::vector<AliasAction>& actions) {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  auto index_exists = [&](const std::string& index) {
    return next.mappings.count(index) || std::any_of(next.segments.begin(), next.segments.end(),
                                                     [&](const SegmentRef& r) { return r.index == index; });
  };
  for (const AliasAction& a : actions) {
    if (a.add) {
      if (!index_exists(a.index)) return Status::NotFound(fmt::format("no such index [{}]", a.index));
      if (index_exists(a.alias)) {
        return Status::InvalidName(fmt::format(
            "Invalid alias name [{}]: an index or data stream exists with the same name as the alias", a.alias));
      }
      Status s = ValidateIndexName(a.alias);
      if (!s.ok()) return s;
      std::vector<std::string>& indices = next.aliases[a.alias];
      if (std::find(indices.begin(), indices.end(), a.index) == indices.end()) indices.push_back(a.index);
    } else {
      auto it = next.aliases.find(a.alias);
      if (it == next.aliases.end() || std::find(it->second.begin(), it->second.end(), a.index) == it->second.end()) {
        return Status::NotFound(fmt::format("aliases [{}] missing", a.alias));
      }
      std::erase(it->second, a.index);
      if (it->second.empty()) next.aliases.erase(it);
    }
  }
  return Install(std::move(next));
}

Status Store::PutApiObject(const std::string& key, const std::string& json) {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  if (json.empty()) {
    if (next.api_objects.erase(key) == 0) return Status::NotFound(key);
  } else {
    next.api_objects[key] = json;
  }
  return Install(std::move(next));
}

std::map<std::string, std::string> Store::ApiObjects(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (auto it = manifest_.api_objects.lower_bound(prefix);
       it != manifest_.api_objects.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.insert(*it);
  }
  return out;
}

Status Store::Install(Manifest next) {
  const std::string name = fmt::format("MANIFEST-{:06}", next.generation);
  Status s = WriteFileAtomically(dir_ + "/" + name, next.Serialize());
  if (s.ok()) s = WriteFileAtomically(dir_ + "/CURRENT", name + "\n");
  if (!s.ok()) return s;
  ::unlink(fmt::format("{}/MANIFEST-{:06}", dir_, manifest_.generation).c_str());
  // Files of segments that left the manifest wait for older snapshots to go.
  std::set<uint64_t> still;
  for (const SegmentRef& r : next.segments) still.insert(r.id);
  for (const SegmentRef& r : next.rollups) still.insert(r.id);
  for (const auto* list : {&manifest_.segments, &manifest_.rollups}) {
    for (const SegmentRef& r : *list) {
      if (!still.count(r.id)) obsolete_.emplace_back(next.generation, SegmentPath(r));
    }
  }
  manifest_ = std::move(next);
  current_ = MakeVersion(manifest_);
  PurgeObsoleteFiles();
  return Status::OK();
}

void Store::PurgeObsoleteFiles() {
  if (obsolete_.empty()) return;
  uint64_t oldest = UINT64_MAX;
  std::erase_if(versions_, [](const auto& w) { return w.expired(); });
  for (const auto& w : versions_) {
    if (auto v = w.lock()) oldest = std::min(oldest, v->generation);
  }
  if (current_) oldest = std::min(oldest, current_->generation);
  // A file removed by generation G is needed by versions older than G.
  std::erase_if(obsolete_, [&](const auto& entry) {
    if (entry.first > oldest) return false;
    ::unlink(entry.second.c_str());
    return true;
  });
}

Status Store::ReplaceSegments(const std::vector<uint64_t>& removed, const std::vector<SegmentRef>& added) {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  for (uint64_t id : removed) {
    auto it = std::find_if(next.segments.begin(), next.segments.end(), [&](const SegmentRef& r) { return r.id == id; });
    if (it == next.segments.end()) {
      return Status::Conflict(fmt::format("segment {} is no longer live", id));
    }
    // Merges only take segments without deletions; one that gained some
    // while the merge ran would lose them.
    if (!it->deleted.empty()) return Status::Conflict(fmt::format("segment {} changed during the merge", id));
    // A merge's output carries its inputs' rollup version as they were read:
    // an input rolled up meanwhile would have its rows counted twice.
    for (const SegmentRef& a : added) {
      if (a.rollup_version != it->rollup_version) {
        return Status::Conflict(fmt::format("segment {} was rolled up during the merge", id));
      }
    }
    next.segments.erase(it);
  }
  std::set<std::string> dirs;
  for (const SegmentRef& r : added) {
    next.segments.push_back(r);
    dirs.insert(fs::path(SegmentPath(r)).parent_path().string());
  }
  for (const std::string& d : dirs) {
    Status s = SyncDirectory(d);
    if (!s.ok()) return s;
  }
  return Install(std::move(next));
}

Status Store::ReplaceRollups(const RollupChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  Manifest next = manifest_;
  next.generation = manifest_.generation + 1;
  for (uint64_t id : change.raw_ids) {
    auto it = std::find_if(next.segments.begin(), next.segments.end(), [&](const SegmentRef& r) { return r.id == id; });
    if (it == next.segments.end()) return Status::Conflict(fmt::format("segment {} is no longer live", id));
    // Rows deleted since the rollup was built would still be counted there.
    if (!it->deleted.empty()) return Status::Conflict(fmt::format("segment {} changed while rolled up", id));
    it->rollup_version = change.version;
  }
  for (uint64_t id : change.removed) {
    auto it = std::find_if(next.rollups.begin(), next.rollups.end(), [&](const SegmentRef& r) { return r.id == id; });
    if (it == next.rollups.end()) return Status::Conflict(fmt::format("rollup segment {} is no longer live", id));
    next.rollups.erase(it);
  }
  for (uint64_t id : change.kept) {
    if (std::none_of(next.rollups.begin(), next.rollups.end(), [&](const SegmentRef& r) { return r.id == id; })) {
      return Status::Conflict(fmt::format("rollup segment {} is no longer live", id));
    }
  }
  std::set<std::string> dirs;
  for (const SegmentRef& r : change.added) {
    next.rollups.push_back(r);
    dirs.insert(fs::path(SegmentPath(r)).parent_path().string());
  }
  for (const std::string& d : dirs) {
    Status s = SyncDirectory(d);
    if (!s.ok()) return s;
  }
  return Install(std::move(next));
}

Status Store::MergeOnce(const MergePolicy& policy, bool* merged) {
  *merged = false;
  std::lock_guard<std::mutex> one_at_a_time(merge_mu_);
  const auto version = Current();
  const std::vector<SegmentRef> inputs = PickMerge(*version, policy);
  if (inputs.empty()) return Status::OK();
  std::vector<std::shared_ptr<SegmentReader>> readers;
  std::vector<uint64_t> ids;
  for (const SegmentRef& r : inputs) {
    std::shared_ptr<SegmentReader> reader;
    Status s = OpenSegment(r, &reader);
    if (!s.ok()) return s;
    readers.push_back(std::move(reader));
    ids.push_back(r.id);
  }
  SegmentRef out;
  std::string path;
  Status s = NewSegment(inputs[0].index, inputs[0].partition, &out, &path);
  if (!s.ok()) return s;
  SegmentMeta meta;
  s = MergeSegments(readers, path, options_.zstd_level, &meta, &out.bytes, stopping_.token());
  if (s.ok()) {
    out.rows = meta.rows;
    out.min_time = meta.min_time;
    out.max_time = meta.max_time;
    out.rollup_version = inputs[0].rollup_version;  // PickMerge takes segments of one version
    s = ReplaceSegments(ids, {out});
  }
  if (!s.ok()) {
    ::unlink(path.c_str());
    return s;
  }
  *merged = true;
  return Status::OK();
}

Status Store::ApplyRetention(int64_t now_ms, int64_t retention_ms, size_t* dropped, int64_t rollup_retention_ms) {
  *dropped = 0;
  if (retention_ms <= 0 && rollup_retention_ms <= 0) return Status::OK();
  std::lock_guard<std::mutex> one_at_a_time(merge_mu_);
  // Whole day partitions that ended before the cutoff.
  auto expired = [](const std::vector<SegmentRef>& refs, int64_t cutoff) {
    std::vector<uint64_t> ids;
    for (const SegmentRef& r : refs) {
      int64_t start = 0;
      if (!ParsePartitionDay(r.partition, &start)) continue;
      if (start + 86400000 <= cutoff) ids.push_back(r.id);
    }
    return ids;
  };
  const auto version = Current();
  if (retention_ms > 0) {
    const std::vector<uint64_t> ids = expired(version->segments, now_ms - retention_ms);
    if (!ids.empty()) {
      Status s = ReplaceSegments(ids, {});
      if (!s.ok()) return s;
      *dropped += ids.size();
    }
  }
  const int64_t rollups_for = rollup_retention_ms > 0 ? rollup_retention_ms : retention_ms;
  if (rollups_for > 0) {
    RollupChange change;
    change.removed = expired(version->rollups, now_ms - rollups_for);
    if (!change.removed.empty()) {
      Status s = ReplaceRollups(change);
      if (!s.ok()) return s;
      *dropped += change.removed.size();
    }
  }
  return Status::OK();
}

Status Store::ApplySizeLimit(uint64_t max_bytes, size_t* dropped) {
  *dropped = 0;
  if (max_bytes == 0) return Status::OK();
  std::lock_guard<std::mutex> one_at_a_time(merge_mu_);
  const auto version = Current();
  // Bytes per day partition ("YYYY-MM-DD" sorts by time), over every index.
  std::map<std::string, uint64_t> days;
  uint64_t total = 0;
  for (const auto* refs : {&version->segments, &version->rollups}) {
    for (const SegmentRef& r : *refs) {
      total += r.bytes;
      int64_t start = 0;
      if (ParsePartitionDay(r.partition, &start)) days[r.partition] += r.bytes;
    }
  }
  std::set<std::string> drop;
  for (auto it = days.begin(); total > max_bytes && it != days.end() && std::next(it) != days.end(); ++it) {
    drop.insert(it->first);
    total -= it->second;
  }
  if (drop.empty()) return Status::OK();
  std::vector<uint64_t> raw;
  RollupChange rollups;
  for (const SegmentRef& r : version->segments) {
    if (drop.count(r.partition)) raw.push_back(r.id);
  }
  for (const SegmentRef& r : version->rollups) {
    if (drop.count(r.partition)) rollups.removed.push_back(r.id);
  }
  if (!raw.empty()) {
    Status s = ReplaceSegments(raw, {});
    if (!s.ok()) return s;
  }
  if (!rollups.removed.empty()) {
    Status s = ReplaceRollups(rollups);
    if (!s.ok()) return s;
  }
  *dropped = raw.size() + rollups.removed.size();
  size_limit_dropped_ += *dropped;
  return Status::OK();
}

bool Store::HasSource(const std::string& key, SourceRecord* record) const {
  std::lock_guard<std::mutex> lock(mu_);
  return sources_->Find(key, record);
}

std::string Store::Mapping(const std::string& index) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = manifest_.mappings.find(index);
  return it == manifest_.mappings.end() ? std::string() : it->second;
}

std::vector<SourceRecord> Store::Sources() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SourceRecord> out;
  sources_->ForEach([&](const SourceRecord& r) { out.push_back(r); });
  return out;
}

uint64_t Store::SourceCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sources_->count();
}

std::shared_ptr<const StoreVersion> Store::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (versions_.empty() || versions_.back().lock() != current_) versions_.push_back(current_);
  return current_;
}

Status Store::OpenSegment(const SegmentRef& ref, std::shared_ptr<SegmentReader>* out) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, reader] : readers_) {
      if (id == ref.id) {
        *out = reader;
        return Status::OK();
      }
    }
  }
  std::unique_ptr<SegmentReader> reader;
  Status s = SegmentReader::Open(SegmentPath(ref), &reader);
  if (!s.ok()) return s;
  reader->set_block_cache(block_cache_.get());
  std::shared_ptr<SegmentReader> shared(std::move(reader));
  const auto live = Current();
  std::lock_guard<std::mutex> lock(mu_);
  // Readers of segments no longer in the store are let go (a search still
  // using one keeps it alive through its own reference).
  auto is_live = [&](uint64_t id) {
    for (const auto* refs : {&live->segments, &live->rollups}) {
      if (std::any_of(refs->begin(), refs->end(), [&](const SegmentRef& r) { return r.id == id; })) return true;
    }
    return false;
  };
  std::erase_if(readers_, [&](const auto& e) { return !is_live(e.first); });
  for (auto& [id, existing] : readers_) {
    if (id == ref.id) {
      *out = existing;  // opened meanwhile by another thread
      return Status::OK();
    }
  }
  readers_.emplace_back(ref.id, shared);
  *out = shared;
  return Status::OK();
}

}  // namespace flowdex
