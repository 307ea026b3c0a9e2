// SegmentReader: reads a segment file written by SegmentBuilder. Opening
// checks the footer and the directory's checksum; every block read checks
// its own checksum. Damage is reported as Corruption naming the file, the
// column, the block and the offset, never returned as data.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/segment_format.h"
#include "util/status.h"

typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace flowdex {

class SegmentReader {
 public:
  static Status Open(const std::string& path, std::unique_ptr<SegmentReader>* out);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const std::string& path() const { return path_; }
  const SegmentMeta& meta() const { return meta_; }
  uint64_t rows() const { return meta_.rows; }
  size_t block_count() const { return (meta_.rows + kRowsPerBlock - 1) / kRowsPerBlock; }
  // The column's index, or -1.
  int FindColumn(std::string_view name) const;

  // Decodes block `block` of column `column`. Thread-safe.
  Status ReadBlock(int column, size_t block, ColumnBlock* out) const;

  // The dictionary of a keyword column (loaded once, then cached). Thread-safe.
  Status Dictionary(int column, const std::vector<std::string>** out) const;

 private:
  SegmentReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Status ReadExtent(const Extent& e, std::string_view what, std::string* out) const;

  int fd_;
  std::string path_;
  SegmentMeta meta_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<std::vector<std::string>>> dictionaries_;
};

}  // namespace flowdex
