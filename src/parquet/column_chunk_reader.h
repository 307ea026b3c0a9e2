// ColumnChunkReader: the values of one column chunk of a flat Parquet column
// (no repetition) as text tokens, a batch of rows at a time, one page decoded
// at a time: memory stays at about a page (plus the chunk's dictionary)
// whatever the row group's size. Handles dictionary and data pages (v1 and
// v2), definition levels of optional columns, and PLAIN, dictionary and
// delta encodings of INT32, INT64 and BYTE_ARRAY columns.
//
// Tokens are what a text line would hold: integers in decimal, strings as
// they are, "-" for a null or an empty string. A dictionary's entries are
// rendered once per chunk, so most tokens cost a table look-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/page_decompressor.h"
#include "parquet/parquet_metadata.h"
#include "util/status.h"

namespace flowdex::parquet {

// One batch of a column's rows as tokens.
struct TokenBatch {
  std::vector<std::string_view> tokens;  // one per row
  std::vector<uint32_t> unfit_rows;      // rows whose string has a space, a control character or bad UTF-8
  std::string arena;                     // the text of integers rendered for this batch
};

class ColumnChunkReader {
 public:
  ColumnChunkReader() = default;
  ColumnChunkReader(const ColumnChunkReader&) = delete;
  ColumnChunkReader& operator=(const ColumnChunkReader&) = delete;

  // Strings that fail `check` (called once per dictionary entry and per
  // plain value) are listed in TokenBatch::unfit_rows. None by default.
  using TokenCheck = bool (*)(std::string_view);
  void set_token_check(TokenCheck check) { check_ = check; }

  // Starts on the chunk's pages in data[0..size) (its bytes from
  // ColumnChunk::start(), which must stay valid while the reader is used)
  // for a column with `max_definition_level` 0 (required) or 1 (optional).
  // Unsupported for a type other than INT32, INT64 and BYTE_ARRAY.
  Status Open(const uint8_t* data, size_t size, const ColumnChunk& meta, int max_definition_level);

  // Replaces *out with the next `rows` rows. The views stay valid until the
  // next call. Corruption for damaged pages or when the chunk has fewer
  // rows; Unsupported for an unknown encoding or codec.
  Status ReadTokens(size_t rows, TokenBatch* out);

  // After the row group's last row: Corruption when the chunk holds more
  // values than were read.
  Status Finish() const;

 private:
  enum class PageKind { kIndices, kInts, kStrings };

  Status LoadPage();
  Status ReadDictionary(const PageHeader& h, const uint8_t* page);
  Status ReadDataPage(const PageHeader& h, const uint8_t* page);
  // Decodes `count` values in `encoding` from values[0..size) into the page state.
  Status DecodeValues(Encoding encoding, const uint8_t* values, size_t size, size_t count);
  // Decompresses a page's bytes into a new buffer in *buffers.
  Status Inflate(Codec codec, const uint8_t* in, size_t in_size, size_t out_size,
                 std::vector<std::unique_ptr<std::string>>* buffers, const uint8_t** result);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  ColumnChunk meta_;
  int max_def_ = 0;
  int64_t seen_ = 0;  // values of the pages loaded so far (nulls included)

  // The current data page.
  PageKind kind_ = PageKind::kInts;
  size_t page_rows_ = 0;
  size_t row_ = 0;                // next row of the page
  size_t value_ = 0;              // next value of the page
  std::vector<uint8_t> defined_;  // per row when the column is optional
  std::vector<uint32_t> indices_;
  std::vector<int64_t> ints_;
  std::vector<std::string_view> strings_;
  // Page bytes the current batch may still view, and those of earlier
  // pages of the batch (freed when the next batch starts).
  std::vector<std::unique_ptr<std::string>> page_buffers_;
  std::vector<std::unique_ptr<std::string>> retired_buffers_;

  // The dictionary, rendered as tokens.
  bool has_dictionary_ = false;
  std::vector<std::string_view> dict_tokens_;
  std::vector<uint8_t> dict_fits_;
  std::vector<std::unique_ptr<std::string>> dict_buffers_;

  TokenCheck check_ = nullptr;
  PageDecompressor decompressor_;
};

}  // namespace flowdex::parquet
