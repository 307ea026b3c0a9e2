// SegmentBuilder: writes one immutable segment file row by row. Each column
// keeps only the current block (kRowsPerBlock rows) in memory; full blocks are
// encoded, compressed (zstd) and appended to the file at once, so memory stays
// small whatever the segment size.
//
// Usage: AddColumn (any time; earlier rows read as absent), then for each row
// Set* the columns that have values and FinishRow; Finish writes the
// dictionaries, the directory and the footer and fsyncs the file.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flowlog/ip_address.h"
#include "store/segment_format.h"
#include "util/status.h"

typedef struct ZSTD_CCtx_s ZSTD_CCtx;

namespace flowdex {

class SegmentBuilder {
 public:
  struct Options {
    int zstd_level = 1;
    // Name of the timestamp column whose range becomes the segment's time range.
    std::string time_column = "@timestamp";
  };

  // Creates (truncates) the file at `path`.
  static Status Create(const std::string& path, const Options& options, std::unique_ptr<SegmentBuilder>* out);
  ~SegmentBuilder();  // an unfinished builder deletes its file
  SegmentBuilder(const SegmentBuilder&) = delete;
  SegmentBuilder& operator=(const SegmentBuilder&) = delete;

  // Adds a column and returns its id. Rows before it read as absent.
  int AddColumn(std::string_view name, ColumnType type);
  int column_count() const { return static_cast<int>(columns_.size()); }

  // Values of the current row. Integer-like values are stored as given (the
  // caller keeps them within the column type; bool is 0 or 1, kInt64 and
  // kTimestamp are int64 bit patterns, doubles their IEEE bits).
  void SetInteger(int column, uint64_t value);
  void SetIp(int column, const IpAddress& ip);
  void SetKeyword(int column, std::string_view value);  // kKeyword and kText
  void SetBlob(int column, std::string_view bytes);
  // The dictionary code of `value` in keyword column `column` (added when
  // new), and setting the current row's value by such a code: a caller that
  // writes the same values over and over (enrichment facts) interns each once.
  uint32_t KeywordCode(int column, std::string_view value);
  void SetKeywordCode(int column, uint32_t code);
  // Arrays: each Add appends one more value to the current row (the first
  // Add is the same as a Set).
  void AddInteger(int column, uint64_t value);
  void AddIp(int column, const IpAddress& ip);
  void AddKeyword(int column, std::string_view value);
  // Ends the current row; flushes a block to the file when one is full.
  Status FinishRow();

  // Completes the file: the last block, dictionaries, directory, footer, fsync.
  Status Finish(SegmentMeta* meta);

  uint64_t rows() const { return rows_; }
  // Bytes written to the file so far.
  uint64_t file_bytes() const { return offset_; }
  // Memory held by block buffers and dictionaries (approximate).
  size_t memory_usage() const;

 private:
  struct Column;
  SegmentBuilder(int fd, std::string path, Options options);
  Status FlushBlock();
  void AddPostings(Column& c, const uint32_t* rows, const uint64_t* values, const IpAddress* ips, size_t n);
  uint32_t Intern(Column& c, std::string_view value);
  Status WritePostings(Column& c);
  // Compresses `raw` into compressed_.
  Status Compress(std::string_view raw);
  // Appends compressed_ to the file and describes it in *extent.
  Status WriteCompressedBuffer(uint64_t raw_size, Extent* extent);
  Status WriteCompressed(std::string_view raw, Extent* extent);

  int fd_;
  std::string path_;
  Options options_;
  ZSTD_CCtx* cctx_;
  std::vector<std::unique_ptr<Column>> columns_;
  uint32_t row_in_block_ = 0;
  uint64_t rows_ = 0;
  uint64_t blocks_written_ = 0;
  uint64_t offset_ = 0;
  bool finished_ = false;
  int time_column_ = -1;
  std::string scratch_, compressed_;
};

}  // namespace flowdex
