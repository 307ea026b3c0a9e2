// Small POSIX file helpers with errors as Status values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace flowdex {

// Writes all of `data` to `fd` (retrying short writes and EINTR).
Status WriteFully(int fd, std::string_view data, const std::string& path_for_errors);

// Reads exactly n bytes at `offset` into *out.
Status ReadAt(int fd, uint64_t offset, size_t n, std::string* out, const std::string& path_for_errors);

// fsync of a directory, so a rename or create inside it is durable.
Status SyncDirectory(const std::string& dir);

// Replaces `path` with `contents` atomically and durably: write a temporary
// file, fsync it, rename it over `path`, fsync the directory. After a crash
// the file holds either the old or the new contents, never a mix.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Reads a whole (small) file.
Status ReadWholeFile(const std::string& path, std::string* out);

}  // namespace flowdex
