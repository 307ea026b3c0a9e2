#include "parquet/parquet_file.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace flowdex::parquet {

namespace {

constexpr size_t kMagicSize = 4;
constexpr size_t kTrailerSize = 8;  // footer length (4 bytes, little-endian) + "PAR1"
// The first read at the end takes this much, so that one GET usually brings
// the whole footer.
constexpr uint64_t kFooterGuess = 64 << 10;
// A row group's column span is read into memory whole; beyond this the
// file is refused rather than risking the process (AWS writes ~75 MB files).
constexpr uint64_t kMaxSpan = uint64_t{1} << 30;
// Footers of flow-log files are kilobytes; one of many row groups and
// columns a few megabytes.
constexpr uint32_t kMaxFooter = 64u << 20;

}  // namespace

bool LooksLikeParquet(const uint8_t* head, size_t n) { return n >= 4 && std::memcmp(head, "PAR1", 4) == 0; }

Status ParquetFile::Open(RandomAccessSource* source, std::string name, std::unique_ptr<ParquetFile>* out) {
  std::unique_ptr<ParquetFile> f(new ParquetFile(source, std::move(name)));
  const uint64_t size = source->size();
  if (size < kMagicSize + kTrailerSize) {
    return Status::Corruption(fmt::format("{}: too short for a Parquet file ({} bytes)", f->name_, size));
  }
  const uint64_t tail_size = std::min(size, kFooterGuess);
  std::vector<uint8_t>& tail = f->tail_;
  tail.resize(tail_size);
  f->tail_offset_ = size - tail_size;
  Status s = source->ReadAt(f->tail_offset_, tail_size, tail.data());
  if (!s.ok()) return s;
  f->bytes_read_ += tail_size;
  const uint8_t* trailer = tail.data() + tail_size - kTrailerSize;
  if (std::memcmp(trailer + 4, "PARE", 4) == 0) {
    return Status::Unsupported(fmt::format("{}: encrypted Parquet files are not supported", f->name_));
  }
  if (std::memcmp(trailer + 4, "PAR1", 4) != 0) {
    return Status::Corruption(
        fmt::format("{}: no Parquet footer (the file does not end with PAR1; cut short?)", f->name_));
  }
  uint32_t footer_len;
  std::memcpy(&footer_len, trailer, 4);
  if (footer_len == 0 || footer_len > size - kMagicSize - kTrailerSize) {
    return Status::Corruption(fmt::format("{}: the footer length {} does not fit the file", f->name_, footer_len));
  }
  if (footer_len > kMaxFooter) {
    return Status::LimitExceeded(
        fmt::format("{}: the footer is {} bytes; at most {} are read", f->name_, footer_len, kMaxFooter));
  }
  f->data_end_ = size - kTrailerSize - footer_len;
  std::vector<uint8_t> footer;
  const uint8_t* footer_bytes;
  if (footer_len + kTrailerSize <= tail_size) {
    footer_bytes = trailer - footer_len;
  } else {
    footer.resize(footer_len);
    s = source->ReadAt(f->data_end_, footer_len, footer.data());
    if (!s.ok()) return s;
    f->bytes_read_ += footer_len;
    footer_bytes = footer.data();
  }
  s = ReadFileMetaData(footer_bytes, footer_len, &f->metadata_);
  if (!s.ok()) return Status::Corruption(fmt::format("{}: {}", f->name_, s.message()));
  s = f->ResolveSchema();
  if (!s.ok()) return s;
  *out = std::move(f);
  return Status::OK();
}

Status ParquetFile::ResolveSchema() {
  const std::vector<SchemaElement>& schema = metadata_.schema;
  const SchemaElement& root = schema[0];
  if (root.has_type || static_cast<size_t>(root.num_children) != schema.size() - 1) {
    // A child with children of its own makes the counts disagree: find it.
    for (size_t i = 1; i < schema.size(); ++i) {
      if (schema[i].num_children > 0 || !schema[i].has_type) {
        return Status::Unsupported(fmt::format(
            "{}: column '{}' is nested (a group); flow-log files have flat columns only", name_, schema[i].name));
      }
    }
    return Status::Corruption(fmt::format("{}: the schema's root claims {} columns, the file lists {}", name_,
                                          root.num_children, schema.size() - 1));
  }
  for (size_t i = 1; i < schema.size(); ++i) {
    const SchemaElement& e = schema[i];
    if (e.num_children > 0 || !e.has_type) {
      return Status::Unsupported(
          fmt::format("{}: column '{}' is nested (a group); flow-log files have flat columns only", name_, e.name));
    }
    if (e.repetition == Repetition::kRepeated) {
      return Status::Unsupported(
          fmt::format("{}: column '{}' is repeated (a list); flow-log files have flat columns only", name_, e.name));
    }
    columns_.push_back(Column{e.name, e.type, e.repetition == Repetition::kOptional ? 1 : 0});
  }
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    const RowGroup& rg = metadata_.row_groups[g];
    if (rg.columns.size() != columns_.size()) {
      return Status::Corruption(fmt::format("{}: row group {} has {} column chunks for {} columns", name_, g,
                                            rg.columns.size(), columns_.size()));
    }
    if (rg.num_rows < 0) return Status::Corruption(fmt::format("{}: row group {} has a negative row count", name_, g));
  }
  return Status::OK();
}

Status ParquetFile::ColumnError(int g, int column, const Status& s) const {
  const std::string msg = fmt::format("{}: column '{}' of row group {}: {}", name_,
                                      columns_[static_cast<size_t>(column)].name, g, s.message());
  return s.IsUnsupported() ? Status::Unsupported(msg) : Status::Corruption(msg);
}

Status ParquetFile::OpenRowGroup(int g, const std::vector<int>& columns, std::vector<ColumnChunkReader>* readers) {
  const RowGroup& rg = metadata_.row_groups[static_cast<size_t>(g)];
  if (readers->size() != columns.size()) *readers = std::vector<ColumnChunkReader>(columns.size());
  if (columns.empty()) return Status::OK();
  // The span the chunks occupy; they are contiguous in every writer we know,
  // so one read fetches them all.
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int c : columns) {
    const ColumnChunk& chunk = rg.columns[static_cast<size_t>(c)];
    const std::string& col = columns_[static_cast<size_t>(c)].name;
    if (chunk.external) {
      return Status::Unsupported(fmt::format("{}: column '{}' of row group {} lives in another file", name_, col, g));
    }
    if (chunk.type != columns_[static_cast<size_t>(c)].type) {
      return Status::Corruption(fmt::format("{}: column '{}' of row group {} is {}, the schema says {}", name_, col, g,
                                            PhysicalTypeName(chunk.type),
                                            PhysicalTypeName(columns_[static_cast<size_t>(c)].type)));
    }
    const int64_t start = chunk.start();
    if (start < static_cast<int64_t>(kMagicSize) || chunk.total_compressed_size < 0 ||
        static_cast<uint64_t>(start) > data_end_ ||
        static_cast<uint64_t>(chunk.total_compressed_size) > data_end_ - static_cast<uint64_t>(start)) {
      return Status::Corruption(
          fmt::format("{}: column '{}' of row group {} points outside the file's data", name_, col, g));
    }
    lo = std::min(lo, static_cast<uint64_t>(start));
    hi = std::max(hi, static_cast<uint64_t>(start + chunk.total_compressed_size));
  }
  if (hi - lo > kMaxSpan) {
    return Status::LimitExceeded(
        fmt::format("{}: row group {} spans {} bytes; at most {} are read at once", name_, g, hi - lo, kMaxSpan));
  }
  span_.resize(hi - lo);
  // What the footer's read already brought is not read again.
  const uint64_t read_end = std::max(lo, std::min(hi, tail_offset_));
  if (read_end > lo) {
    Status s = source_->ReadAt(lo, read_end - lo, span_.data());
    if (!s.ok()) return s;
    bytes_read_ += read_end - lo;
  }
  if (hi > read_end)
    std::memcpy(span_.data() + (read_end - lo), tail_.data() + (read_end - tail_offset_), hi - read_end);
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnChunk& chunk = rg.columns[static_cast<size_t>(columns[i])];
    const uint64_t at = static_cast<uint64_t>(chunk.start()) - lo;
    Status s = (*readers)[i].Open(span_.data() + at, static_cast<size_t>(chunk.total_compressed_size), chunk,
                                  columns_[static_cast<size_t>(columns[i])].max_definition_level);
    if (!s.ok()) return ColumnError(g, columns[i], s);
  }
  return Status::OK();
}

}  // namespace flowdex::parquet
