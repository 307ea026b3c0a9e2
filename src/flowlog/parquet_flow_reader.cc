#include "flowlog/parquet_flow_reader.h"

#include <memory>

#include <fmt/format.h>

#include "flowlog/line_parser.h"
#include "parquet/parquet_file.h"

namespace flowdex {

namespace {

// Rows decoded column by column before they are parsed row by row.
constexpr int64_t kBatchRows = 4096;

// A text value fits a flow-log line when it has no space, tab or control
// character and is valid UTF-8 (what the text reader's tokenizer accepts).
bool FitsLine(std::string_view v) {
  bool ascii = true;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == 0x7f) return false;
    ascii &= c < 0x80;
  }
  size_t column = 0;
  return ascii || IsCleanText(v, &column);
}

}  // namespace

std::string_view ParquetFlowReader::RenderLine() {
  line_.clear();
  for (size_t c = 0; c < tokens_.size(); ++c) {
    if (c > 0) line_.push_back(' ');
    line_.append(tokens_[c]);
  }
  return line_;
}

Status ParquetFlowReader::Read(RandomAccessSource* source, std::string_view name, FlowRecordSink* sink,
                               FlowReadStats* stats) {
  using parquet::ParquetFile;
  using parquet::PhysicalType;
  std::unique_ptr<ParquetFile> file;
  Status s = ParquetFile::Open(source, std::string(name), &file);
  if (!s.ok()) return s;

  // The columns that are flow-log fields, in file order.
  std::vector<int> wanted;
  std::vector<FlowField> fields;
  bool seen[kFlowFieldCount] = {};
  for (size_t i = 0; i < file->columns().size(); ++i) {
    const ParquetFile::Column& c = file->columns()[i];
    std::optional<FlowField> f = FindFlowField(c.name);
    if (!f) continue;
    if (seen[static_cast<int>(*f)]) {
      return Status::InvalidArgument(fmt::format("{}: field '{}' has two columns", name, FlowFieldToken(*f)));
    }
    if (c.type != PhysicalType::kInt32 && c.type != PhysicalType::kInt64 && c.type != PhysicalType::kByteArray) {
      return Status::Unsupported(fmt::format("{}: column '{}' is {}; flow-log columns are INT32, INT64 or strings",
                                             name, c.name, parquet::PhysicalTypeName(c.type)));
    }
    seen[static_cast<int>(*f)] = true;
    wanted.push_back(static_cast<int>(i));
    fields.push_back(*f);
  }
  if (fields.empty()) {
    std::string names;
    for (const ParquetFile::Column& c : file->columns()) names += (names.empty() ? "" : ", ") + c.name;
    return Status::InvalidArgument(fmt::format("{}: no column is a VPC flow-log field (columns: {})", name, names));
  }
  const FlowFormat format(fields, "Parquet columns");
  const size_t ncols = fields.size();
  tokens_.resize(ncols);
  std::vector<parquet::ColumnChunkReader> columns;
  std::vector<parquet::TokenBatch> batches(ncols);
  std::vector<uint8_t> unfit;  // per row of a batch: the first unfit column + 1, or 0

  if (options_.enricher != nullptr) options_.enricher->BeginStream();
  FlowReadStats local;
  LineContext ctx;
  ctx.source = name;
  uint64_t row_index = 0;
  for (int g = 0; g < file->row_groups() && s.ok(); ++g) {
    s = file->OpenRowGroup(g, wanted, &columns);
    if (!s.ok()) break;
    for (parquet::ColumnChunkReader& c : columns) c.set_token_check(&FitsLine);
    if (options_.on_progress) options_.on_progress(file->bytes_read());
    const int64_t rows = file->rows_in_group(g);
    for (int64_t first = 0; first < rows && s.ok(); first += kBatchRows) {
      if (options_.cancel.cancelled()) {
        s = Status::Cancelled(fmt::format("{}: stopped", name));
        break;
      }
      // Column by column (tight loops, one page at a time), then row by row.
      const size_t n = static_cast<size_t>(std::min<int64_t>(kBatchRows, rows - first));
      unfit.assign(n, 0);
      for (size_t c = 0; c < ncols && s.ok(); ++c) {
        Status v = columns[c].ReadTokens(n, &batches[c]);
        if (!v.ok()) s = file->ColumnError(g, wanted[c], v);
        for (uint32_t r : batches[c].unfit_rows) {
          if (unfit[r] == 0) unfit[r] = static_cast<uint8_t>(c + 1);  // at most kMaxLineTokens columns
        }
      }
      if (!s.ok()) break;
      for (size_t r = 0; r < n; ++r, ++row_index) {
        size_t line_size = ncols - 1;
        for (size_t c = 0; c < ncols; ++c) {
          tokens_[c] = batches[c].tokens[r];
          line_size += tokens_[c].size();
        }
        local.bytes_decoded += line_size + 1;
        ctx.line_number = row_index + 1;
        ctx.offset = row_index;
        ctx.line = options_.line_text ? RenderLine() : std::string_view();
        Status row = unfit[r] == 0 ? ParseFlowTokens(tokens_.data(), ncols, format, &record_)
                                   : Status::InvalidArgument(fmt::format(
                                         "column '{}' holds a value with a space, a control character or invalid UTF-8",
                                         file->columns()[static_cast<size_t>(wanted[unfit[r] - 1])].name));
        if (!row.ok()) {
          if (!options_.line_text) ctx.line = RenderLine();
          ++local.bad_lines;
          sink->OnBadLine(ctx, row);
          continue;
        }
        ++local.records;
        if (options_.enricher != nullptr) options_.enricher->Enrich(&record_);
        sink->OnRecord(record_, ctx);
      }
    }
    for (size_t c = 0; c < ncols && s.ok(); ++c) {
      Status f = columns[c].Finish();
      if (!f.ok()) s = file->ColumnError(g, wanted[c], f);
    }
  }
  local.bytes_read = file->bytes_read();
  stats->Add(local);
  return s;
}

}  // namespace flowdex
