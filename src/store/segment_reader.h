// SegmentReader: reads a segment file written by SegmentBuilder. Opening
// checks the footer and the directory's checksum; every block read checks
// its own checksum. Damage is reported as Corruption naming the file, the
// column, the block and the offset, never returned as data.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/bitmap.h"
#include "store/segment_format.h"
#include "util/status.h"

typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace flowdex {

class BlockCache;

class SegmentReader {
 public:
  static Status Open(const std::string& path, std::unique_ptr<SegmentReader>* out);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const std::string& path() const { return path_; }
  // Unique among the readers of this process (cache keys).
  uint64_t id() const { return id_; }
  const SegmentMeta& meta() const { return meta_; }
  uint64_t rows() const { return meta_.rows; }
  size_t block_count() const { return (meta_.rows + kRowsPerBlock - 1) / kRowsPerBlock; }
  // The column's index, or -1.
  int FindColumn(std::string_view name) const;

  // Decodes block `block` of column `column`. Thread-safe.
  Status ReadBlock(int column, size_t block, ColumnBlock* out) const;
  // The same block, shared: from the block cache when the reader has one and
  // the block is there, else decoded (and then cached). Thread-safe.
  Status ReadBlockShared(int column, size_t block, std::shared_ptr<const ColumnBlock>* out) const;

  // The decoded block when the block cache holds it, else nullptr (counted
  // neither as a hit nor as a miss). Thread-safe.
  std::shared_ptr<const ColumnBlock> CachedBlock(int column, size_t block) const;
  // Tests block `block` of `column` against `filter` from its encoded bytes
  // (FilterColumnBlock: bits for the block's rows), neither decoding nor
  // caching it. Unsupported when the block must be decoded. Thread-safe.
  Status FilterBlock(int column, size_t block, const ValueFilter& filter, uint64_t* bits) const;

  // Reads only the rows `sel` (n, increasing, relative to the block) of
  // block `block` of `column` (GatherColumnBlock), neither decoding the
  // rest nor caching it. Unsupported when the block must be decoded.
  // Thread-safe.
  Status GatherBlock(int column, size_t block, const uint32_t* sel, size_t n, ColumnBlock* out) const;

  // Whether decoding a block would push others out of the block cache (or
  // there is none): then reading a few rows in place beats caching.
  bool BlockCacheFull() const;

  // Decoded blocks go to `cache` (owned by the caller, which outlives the
  // reader). Set before the reader is shared.
  void set_block_cache(BlockCache* cache) { cache_ = cache; }

  // The dictionary of a keyword column (loaded once, then cached). Thread-safe.
  Status Dictionary(int column, const std::vector<std::string>** out) const;
  // The code of `value` in a keyword column's dictionary, or -1.
  Status FindKeyword(int column, std::string_view value, int64_t* code) const;

  // True when the column has page postings.
  bool HasPostings(int column) const { return meta_.columns[column].postings_entries > 0; }
  // The pages (kRowsPerPage rows each, numbered from the segment's start) on
  // which the column holds `value` (a keyword code or an integer), or the
  // address `ip`; empty when none. Thread-safe.
  Status PagePostings(int column, uint64_t value, Bitmap* pages) const;
  Status PagePostings(int column, const IpAddress& ip, Bitmap* pages) const;
  // For a text column: the pages holding `token` (as ForEachToken gives it).
  Status TokenPostings(int column, std::string_view token, Bitmap* pages) const;
  // Reads and checks every postings bitmap of the column (for `flowdex check`).
  Status VerifyPostings(int column) const;

 private:
  SegmentReader(int fd, std::string path);
  // Reads an extent's compressed bytes and checks their checksum and size.
  Status ReadCompressed(const Extent& e, std::string_view what, std::string* compressed) const;
  Status ReadExtent(const Extent& e, std::string_view what, std::string* out) const;
  struct PostingsIndex;
  Status LoadPostings(int column, const PostingsIndex** out) const;
  Status Lookup(int column, std::string_view key, Bitmap* pages) const;

  int fd_;
  std::string path_;
  const uint64_t id_;  // process-unique: the block cache's key
  BlockCache* cache_ = nullptr;
  SegmentMeta meta_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<std::vector<std::string>>> dictionaries_;
  mutable std::vector<std::unique_ptr<std::unordered_map<std::string_view, uint32_t>>> keyword_codes_;
  mutable std::vector<std::unique_ptr<PostingsIndex>> postings_;
};

}  // namespace flowdex
