// Settings of glibc's malloc for flowdex's allocation pattern.
#pragma once

namespace flowdex {

// Decoded column blocks are 256-512 KB vectors, allocated and freed by the
// thousand per query. By default glibc serves each from a fresh mmap (or
// trims freed heap back to the kernel), so every block pays page faults and
// zeroing pages again: a third of a warm query's time. This keeps such
// blocks in the heap (mmap from 4 MB) and up to 128 MB of freed heap mapped
// for reuse, in one arena per core; memory stays bounded by the caches'
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

}  // namespace flowdex
