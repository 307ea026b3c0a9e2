// Settings of glibc's malloc for flowdex's allocation pattern.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace flowdex {

// Decoded column blocks are 256-512 KB vectors, allocated and freed by the
// thousand per query. By default glibc serves each from a fresh mmap (or
// trims freed heap back to the kernel), so every block pays page faults and
// zeroing pages again: a third of a warm query's time. This keeps such
// blocks in the heap (mmap from 4 MB) and up to 128 MB of freed heap mapped
// for reuse, in four arenas per core; memory stays bounded by the caches'
// sizes. Call once, first thing in main (before any thread starts).
void TuneAllocator();

// A cold query decodes hundreds of megabytes of blocks into fresh heap,
// one 4 KB page fault at a time (half of the first query's time). glibc
// backs its heap with transparent huge pages (2 MB) when started with the
// tunable glibc.malloc.hugetlb=1, and only then: so when the kernel offers
// them on request (transparent_hugepage "madvise") and GLIBC_TUNABLES is not
// set (the user's own are kept), this sets it and executes the same binary
// again with the same
// arguments (same process id), for the commands that serve and query
// (serve, worker, query, search). Does nothing under sanitizers, when
// FLOWDEX_NO_HUGE_PAGES is set, when started through the dynamic loader
// (the Lambda zip), or when the exec fails. Call first in main.
void RestartWithHugePages(int argc, char** argv);

// Gives the heap's free pages back to the kernel (glibc's malloc_trim)
// every `interval` until destroyed. TuneAllocator keeps freed memory mapped
// for reuse, and a long-running server frees blocks in every part of the
// heap: without this, resident memory creeps up by what the fragments
// add, long after the caches are full (measured: +60 MB in 8 minutes of a
// soak whose live heap was flat). Nothing outside glibc.
class FreeMemoryReleaser {
 public:
  explicit FreeMemoryReleaser(std::chrono::milliseconds interval);
  ~FreeMemoryReleaser();
  FreeMemoryReleaser(const FreeMemoryReleaser&) = delete;
  FreeMemoryReleaser& operator=(const FreeMemoryReleaser&) = delete;

  // Times the pages were given back so far.
  int releases() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int releases_ = 0;
  std::thread thread_;
};

}  // namespace flowdex
