#include "store/store.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "store/segment_reader.h"
#include "util/file_util.h"

namespace flowdex {

namespace fs = std::filesystem;

uint64_t StoreVersion::Rows(std::string_view index) const {
  uint64_t n = 0;
  for (const SegmentRef& s : segments) {
    if (index.empty() || s.index == index) n += s.rows;
  }
  return n;
}

uint64_t StoreVersion::Bytes(std::string_view index) const {
  uint64_t n = 0;
  for (const SegmentRef& s : segments) {
    if (index.empty() || s.index == index) n += s.bytes;
  }
  return n;
}

Status ValidateIndexName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("invalid index name [{}], {}", name, why));
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

Status Store::Open(const std::string& dir, std::unique_ptr<Store>* out) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  const std::string abs = fs::absolute(dir).lexically_normal().string();
  const std::string lock_path = abs + "/LOCK";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + lock_path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::IoError(abs + " is in use by another flowdex process (" + lock_path + " is locked)");
  }
  std::unique_ptr<Store> store(new Store(abs, fd));
  Status s = store->Load();
  if (s.ok()) s = store->RemoveOrphans();
  if (!s.ok()) return s;
  *out = std::move(store);
  return Status::OK();
}

Store::~Store() { ::close(lock_fd_); }

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
  auto v = std::make_shared<StoreVersion>();
  v->generation = manifest_.generation;
  v->segments = manifest_.segments;
  current_ = v;
  return Status::OK();
}

Status Store::RemoveOrphans() {
  std::set<std::string> live;
  for (const SegmentRef& r : manifest_.segments) live.insert(fs::path(SegmentPath(r)).lexically_normal().string());
  const std::string current_name = fmt::format("MANIFEST-{:06}", manifest_.generation);
  std::error_code ec;
  // Old manifests and temporary files at the top.
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if ((name.rfind("MANIFEST-", 0) == 0 && name != current_name) || name.ends_with(".tmp")) {
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
  for (const SourceRecord& src : batch.sources) {
    if (next.sources.count(src.key)) return Status::InvalidArgument("source already ingested: " + src.key);
    next.sources.emplace(src.key, src);
  }
  // New segment directories must be durable before the manifest names them.
  std::set<std::string> dirs;
  for (const SegmentRef& r : batch.segments) {
    next.segments.push_back(r);
    dirs.insert(fs::path(SegmentPath(r)).parent_path().string());
  }
  for (const std::string& d : dirs) {
    Status s = SyncDirectory(d);
    if (s.ok()) s = SyncDirectory(fs::path(d).parent_path().string());
    if (s.ok()) s = SyncDirectory(fs::path(d).parent_path().parent_path().string());
    if (!s.ok()) return s;
  }
  const std::string name = fmt::format("MANIFEST-{:06}", next.generation);
  Status s = WriteFileAtomically(dir_ + "/" + name, next.Serialize());
  if (s.ok()) s = WriteFileAtomically(dir_ + "/CURRENT", name + "\n");
  if (!s.ok()) return s;
  ::unlink(fmt::format("{}/MANIFEST-{:06}", dir_, manifest_.generation).c_str());
  manifest_ = std::move(next);
  auto v = std::make_shared<StoreVersion>();
  v->generation = manifest_.generation;
  v->segments = manifest_.segments;
  current_ = v;
  return Status::OK();
}

bool Store::HasSource(const std::string& key, SourceRecord* record) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = manifest_.sources.find(key);
  if (it == manifest_.sources.end()) return false;
  if (record) *record = it->second;
  return true;
}

std::vector<SourceRecord> Store::Sources() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SourceRecord> out;
  for (const auto& [key, src] : manifest_.sources) out.push_back(src);
  return out;
}

std::shared_ptr<const StoreVersion> Store::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Status Store::OpenSegment(const SegmentRef& ref, std::shared_ptr<SegmentReader>* out) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, weak] : readers_) {
      if (id == ref.id) {
        if (auto r = weak.lock()) {
          *out = r;
          return Status::OK();
        }
      }
    }
  }
  std::unique_ptr<SegmentReader> reader;
  Status s = SegmentReader::Open(SegmentPath(ref), &reader);
  if (!s.ok()) return s;
  std::shared_ptr<SegmentReader> shared(std::move(reader));
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(readers_, [](const auto& e) { return e.second.expired(); });
  readers_.emplace_back(ref.id, shared);
  *out = shared;
  return Status::OK();
}

}  // namespace flowdex
