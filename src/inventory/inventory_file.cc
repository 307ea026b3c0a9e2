#include "inventory/inventory_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "inventory/inventory_sync.h"
#include "util/file_util.h"

namespace flowdex {

namespace {

// The file's identity ("" when it does not exist).
std::string Signature(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  return fmt::format("{}:{}:{}:{}", st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

// Holds an exclusive flock on PATH.lock while alive.
class FileLock {
 public:
  Status Acquire(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IoError(fmt::format("{}: {}", path, std::strerror(errno)));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::IoError(fmt::format("lock {}: {}", path, std::strerror(errno)));
    }
    return Status::OK();
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  int fd_ = -1;
};

}  // namespace

Status InventoryFile::Load(std::shared_ptr<const InventoryHistory>* out) const {
  std::string text;
  Status s = ReadWholeFile(path_, &text);
  if (!s.ok()) {
    struct stat st;
    return ::stat(path_.c_str(), &st) != 0 && errno == ENOENT ? Status::NotFound(path_) : s;
  }
  auto history = std::make_shared<InventoryHistory>();
  s = InventoryHistory::Parse(text, history.get());
  if (!s.ok()) return s.WithContext(path_);
  *out = std::move(history);
  return Status::OK();
}

std::shared_ptr<const InventoryHistory> InventoryFile::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (current_ && now < next_check_) return current_;
  next_check_ = now + recheck_;
  std::string signature = Signature(path_);
  if (current_ && signature == signature_) return current_;
  std::shared_ptr<const InventoryHistory> loaded;
  Status s = signature.empty() ? Status::NotFound(path_) : Load(&loaded);
  if (s.IsNotFound()) {
    loaded = std::make_shared<InventoryHistory>();  // no inventory yet: nothing is named
  } else if (!s.ok()) {
    last_error_ = s.ToString();
    if (!current_) current_ = std::make_shared<InventoryHistory>();
    return current_;
  }
  signature_ = std::move(signature);
  last_error_.clear();
  current_ = std::move(loaded);
  return current_;
}

std::string InventoryFile::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

Status InventoryFile::Sync(const std::vector<AwsConfig>& accounts, const std::vector<std::string>& regions,
                           int64_t now_ms, InventorySyncReport* report, int page_size) {
  *report = InventorySyncReport{};
  std::vector<ObservedAddress> observed;
  for (const AwsConfig& account : accounts) {
    for (const std::string& region : regions) {
      RegionInventory inv;
      Status s = ReadRegionInventory(account, region, page_size, &inv);
      if (!s.ok()) return s;
      report->interfaces += inv.interfaces.size();
      ObserveRegion(inv, &observed);
    }
  }
  report->addresses = observed.size();
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::IoError(fmt::format("{}: {}", parent.string(), ec.message()));
  FileLock lock;
  Status s = lock.Acquire(path_ + ".lock");
  if (!s.ok()) return s;
  std::shared_ptr<const InventoryHistory> loaded;
  s = Load(&loaded);
  InventoryHistory history;
  if (s.ok()) {
    history = *loaded;
  } else if (!s.IsNotFound()) {
    return s;  // never overwrite a history that cannot be read
  }
  // Syncs must move forward: a clock that stepped back joins the last one.
  if (!history.syncs().empty()) now_ms = std::max(now_ms, history.syncs().back().time_ms + 1);
  history.Apply(observed, regions, now_ms, &report->changes);
  report->time_ms = now_ms;
  report->history_addresses = history.addresses();
  report->history_ranges = history.ranges();
  return WriteFileAtomically(path_, history.Serialize());
}

}  // namespace flowdex
