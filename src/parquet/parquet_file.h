// ParquetFile: a flat Parquet file read through a RandomAccessSource: the
// footer first, then only the column chunks asked for, one row group at a
// time (so memory stays at about one row group's worth).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/byte_source.h"
#include "parquet/column_chunk_reader.h"
#include "parquet/parquet_metadata.h"
#include "util/status.h"

namespace flowdex::parquet {

// "PAR1": a Parquet file starts and ends with it.
bool LooksLikeParquet(const uint8_t* head, size_t n);

class ParquetFile {
 public:
  struct Column {
    std::string name;
    PhysicalType type;
    int max_definition_level;  // 0 required, 1 optional
  };

  // Reads and checks the footer of `source` (named `name` in messages).
  // Corruption when it is not a Parquet file or the metadata is damaged;
  // Unsupported for an encrypted footer or a nested schema (the message
  // names the column).
  static Status Open(RandomAccessSource* source, std::string name, std::unique_ptr<ParquetFile>* out);

  const FileMetaData& metadata() const { return metadata_; }
  // The leaf columns, in file order.
  const std::vector<Column>& columns() const { return columns_; }
  int row_groups() const { return static_cast<int>(metadata_.row_groups.size()); }
  int64_t rows_in_group(int g) const { return metadata_.row_groups[static_cast<size_t>(g)].num_rows; }

  // Reads row group `g`'s chunks of `columns` (indexes into columns()) with
  // one read of the span they occupy, and starts (*readers)[i] on each; the
  // bytes stay valid until the next call. Errors name the file, the row
  // group and the column.
  Status OpenRowGroup(int g, const std::vector<int>& columns, std::vector<ColumnChunkReader>* readers);

  // `s`, a reader's error, with the file, row group and column named.
  Status ColumnError(int g, int column, const Status& s) const;

  // Bytes read from the source so far.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  ParquetFile(RandomAccessSource* source, std::string name) : source_(source), name_(std::move(name)) {}
  Status ResolveSchema();

  RandomAccessSource* source_;
  std::string name_;
  FileMetaData metadata_;
  std::vector<Column> columns_;
  uint64_t data_end_ = 0;  // where the footer starts
  uint64_t bytes_read_ = 0;
  // The file's last bytes, read with the footer: small files (most flow-log
  // objects) are then read whole with one request.
  std::vector<uint8_t> tail_;
  uint64_t tail_offset_ = 0;
  std::vector<uint8_t> span_;
  ColumnChunkReader chunk_reader_;
};

}  // namespace flowdex::parquet
