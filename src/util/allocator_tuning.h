// Settings of glibc's malloc for flowdex's allocation pattern.
#pragma once

namespace flowdex {

// Decoded column blocks are 256-512 KB vectors, allocated and freed by the
// thousand per query. By default glibc serves each from a fresh mmap (or
// trims freed heap back to the kernel), so every block pays page faults and
// zeroing pages again: a third of a warm query's time. This keeps such
// blocks in the heap (mmap from 4 MB) and up to 128 MB of freed heap mapped
// for reuse; memory stays bounded by the caches' sizes. Call once, first
// thing in main.
void TuneAllocator();

}  // namespace flowdex
