#include "ingest/folder_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "io/path_walker.h"

namespace flowdex {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kDirEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct FolderWatcher::State {
  int fd = -1;
  std::map<int, std::string> watches;  // watch descriptor -> folder
  // Files seen without a close or rename event: (size, mtime) and when that was first seen.
  struct Settling {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t since_ms = 0;
  };
  std::map<std::string, Settling> settling;
  std::set<std::string> ready;  // to ingest now
};

FolderWatcher::FolderWatcher(Store* store, FolderWatcherOptions options, Reporter reporter)
    : store_(store), options_(std::move(options)), reporter_(std::move(reporter)), state_(std::make_unique<State>()) {}

FolderWatcher::~FolderWatcher() {
  Stop();
  if (state_->fd >= 0) ::close(state_->fd);
}

Status FolderWatcher::Start() {
  state_->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (state_->fd < 0) return Status::FromErrno("inotify_init1", errno);
  // Watches every folder below `root` and notes the files already there.
  std::function<Status(const std::string&)> watch = [&](const std::string& root) -> Status {
    const int wd = inotify_add_watch(state_->fd, root.c_str(), kDirEvents);
    if (wd < 0) return Status::FromErrno("watch " + root, errno);
    state_->watches[wd] = root;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      if (entry.is_directory(ec)) {
        Status s = watch(entry.path().string());
        if (!s.ok()) return s;
      } else if (entry.is_regular_file(ec) && IsFlowLogFileName(entry.path().filename().string())) {
        state_->settling.emplace(entry.path().string(), State::Settling{});
      }
    }
    return Status::OK();
  };
  for (const std::string& dir : options_.dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Status::NotFound("--watch " + dir + ": not a folder");
    Status s = watch(fs::absolute(dir).lexically_normal().string());
    if (!s.ok()) return s;
  }
  thread_ = std::thread([this] { Loop(); });
  return Status::OK();
}

void FolderWatcher::Stop() {
  stop_.Cancel();
  if (thread_.joinable()) thread_.join();
}

void FolderWatcher::Loop() {
  alignas(struct inotify_event) char buf[64 * 1024];
  while (!stop_.cancelled()) {
    pollfd p{state_->fd, POLLIN, 0};
    ::poll(&p, 1, 200);
    while (true) {
      const ssize_t n = ::read(state_->fd, buf, sizeof(buf));
      if (n <= 0) break;
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const struct inotify_event*>(buf + at);
        at += static_cast<ssize_t>(sizeof(struct inotify_event) + e->len);
        auto dir = state_->watches.find(e->wd);
        if (dir == state_->watches.end() || e->len == 0) continue;
        const std::string name(e->name);
        const std::string path = dir->second + "/" + name;
        if (e->mask & IN_ISDIR) {
          if (e->mask & (IN_CREATE | IN_MOVED_TO)) {
            // A new folder: watch it, and take what was written before the watch began.
            const int wd = inotify_add_watch(state_->fd, path.c_str(), kDirEvents);
            if (wd >= 0) state_->watches[wd] = path;
            std::error_code ec;
            for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
              if (entry.is_directory(ec)) {
                const int sub = inotify_add_watch(state_->fd, entry.path().c_str(), kDirEvents);
                if (sub >= 0) state_->watches[sub] = entry.path().string();
              } else if (entry.is_regular_file(ec) && IsFlowLogFileName(entry.path().filename().string())) {
                state_->settling.emplace(entry.path().string(), State::Settling{});
              }
            }
          }
          continue;
        }
        if (!IsFlowLogFileName(name)) continue;
        if (e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
          state_->settling.erase(path);
          state_->ready.insert(path);
        }
      }
    }
    // Files without an event settle: unchanged for settle_ms means complete.
    const int64_t now = NowMs();
    for (auto it = state_->settling.begin(); it != state_->settling.end();) {
      struct stat st;
      if (::stat(it->first.c_str(), &st) != 0) {
        it = state_->settling.erase(it);
        continue;
      }
      const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
      if (it->second.since_ms == 0 || it->second.size != static_cast<uint64_t>(st.st_size) ||
          it->second.mtime_ns != mtime) {
        it->second = State::Settling{static_cast<uint64_t>(st.st_size), mtime, now};
        ++it;
      } else if (now - it->second.since_ms >= options_.settle_ms) {
        state_->ready.insert(it->first);
        it = state_->settling.erase(it);
      } else {
        ++it;
      }
    }
    while (!state_->ready.empty() && !stop_.cancelled()) {
      const std::string path = *state_->ready.begin();
      state_->ready.erase(state_->ready.begin());
      Ingest(path);
    }
  }
}

void FolderWatcher::Ingest(const std::string& path) {
  WatchedFileReport report;
  report.path = path;
  if (store_->HasSource(SourceKeyForPath(path))) {
    if (reporter_) reporter_(report);  // already there: exactly once
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  IngestOptions o = options_.ingest;
  o.workers = 1;
  o.cancel = stop_.token();
  IngestProgress progress;
  IngestSummary summary;
  Status s = IngestFlowFiles(store_, {path}, o, &progress, &summary);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.records = summary.records;
  report.bad_lines = summary.bad_lines;
  report.ingested = s.ok() && summary.files == 1;
  report.failed = !s.ok() || summary.files_failed > 0;
  if (!s.ok())
    report.error = std::string(s.message());
  else if (!summary.errors.empty())
    report.error = summary.errors[0];
  if (reporter_) reporter_(report);
}

}  // namespace flowdex
