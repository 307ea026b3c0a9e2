#include "util/allocator_tuning.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace flowdex {

void TuneAllocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  // Four arenas per core, not glibc's eight per core: a block decoded by one
  // thread and evicted from the cache by another is freed into the first
  // one's arena, so with many arenas each keeps its own free memory
  // (measured: a soak of serve with 2 clients and --watch held 2.4 GB after
  // 3 minutes with the default, 1.2 GB with 2 arenas; FreeMemoryReleaser now
  // gives that back). Not fewer: a search's thread and the pool worker
  // beside it then share an arena and wait on its lock at every malloc
  // (measured: top-10 sources by bytes at 100M flows, 203 ms with 2 arenas,
  // 36 ms with 8).
  const unsigned cores = std::thread::hardware_concurrency();
  mallopt(M_ARENA_MAX, static_cast<int>(4 * (cores < 2 ? 2 : cores)));
#endif
}

namespace {

constexpr bool kSanitized =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

}  // namespace

void RestartWithHugePages(int argc, char** argv) {
#if defined(__GLIBC__)
  if (kSanitized || std::getenv("FLOWDEX_NO_HUGE_PAGES") != nullptr) return;
  // Only the commands that decode much data and keep it (serving, queries).
  const std::string command = argc > 1 ? argv[1] : "";
  if (command != "serve" && command != "query" && command != "search" && command != "worker") return;
  // Started through the dynamic loader (the Lambda zip's bootstrap runs
  // ld-linux explicitly): /proc/self/exe is the loader, not flowdex.
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  const char* base = std::strrchr(exe, '/');
  if (std::strncmp(base != nullptr ? base + 1 : exe, "ld-", 3) == 0) return;
  // Tunables of the user's own are left alone: glibc 2.36 reads only the
  // first of several (measured: "a=1:glibc.malloc.hugetlb=1" has no huge
  // pages), so adding ours would drop theirs.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && *tunables != '\0') return;
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(mode, line) || line.find("[madvise]") == std::string::npos) return;
  if (::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Still here: the exec failed; run as we are (the variable stays set, so
  // a child would not try again either).
#else
  (void)argc;
  (void)argv;
#endif
}

FreeMemoryReleaser::FreeMemoryReleaser(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
#if defined(__GLIBC__)
      malloc_trim(0);
#endif
      lock.lock();
      ++releases_;
    }
  });
}

FreeMemoryReleaser::~FreeMemoryReleaser() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int FreeMemoryReleaser::releases() const {
  std::lock_guard<std::mutex> lock(mu_);
  return releases_;
}

}  // namespace flowdex
