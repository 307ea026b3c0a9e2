#include "parquet/column_chunk_reader.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "parquet/parquet_encoding.h"

namespace flowdex::parquet {

namespace {

// Bounds that keep a damaged or hostile header from asking for gigabytes.
// Writers keep pages near 1 MB and 20,000 rows (parquet-mr), or 1 MB (Arrow).
constexpr size_t kMaxPageBytes = size_t{256} << 20;
constexpr int32_t kMaxPageValues = 1 << 22;
constexpr size_t kMaxIntText = 20;  // "-9223372036854775808"

const std::string_view kNull = "-";

// The most a codec can expand its input: an upper bound on a real page's
// uncompressed size (deflate 1032:1, snappy about 22:1; zstd only the cap).
bool PlausibleSize(Codec codec, size_t in_size, size_t out_size) {
  if (out_size > kMaxPageBytes) return false;
  switch (codec) {
    case Codec::kUncompressed: return out_size == in_size;
    case Codec::kGzip: return out_size <= in_size * 1032 + 1024;
    case Codec::kSnappy: return out_size <= in_size * 22 + 64;
    default: return true;
  }
}

}  // namespace

Status ColumnChunkReader::Inflate(Codec codec, const uint8_t* in, size_t in_size, size_t out_size,
                                  std::vector<std::unique_ptr<std::string>>* buffers, const uint8_t** result) {
  if (!PlausibleSize(codec, in_size, out_size)) {
    return Status::Corruption(
        fmt::format("a {} page of {} bytes claims {} bytes uncompressed", CodecName(codec), in_size, out_size));
  }
  std::string& buf = *buffers->emplace_back(std::make_unique<std::string>());
  buf.resize(out_size);
  Status s = decompressor_.Decompress(codec, in, in_size, reinterpret_cast<uint8_t*>(buf.data()), out_size);
  *result = reinterpret_cast<const uint8_t*>(buf.data());
  return s;
}

Status ColumnChunkReader::DecodeValues(Encoding encoding, const uint8_t* values, size_t size, size_t count) {
  const PhysicalType type = meta_.type;
  const bool strings = type == PhysicalType::kByteArray;
  switch (encoding) {
    case Encoding::kPlain: {
      if (strings) {
        kind_ = PageKind::kStrings;
        return DecodePlainByteArrays(values, size, count, &strings_);
      }
      kind_ = PageKind::kInts;
      const size_t width = type == PhysicalType::kInt32 ? 4 : 8;
      if (count > size / width) return Status::Corruption("PLAIN values end early");
      ints_.resize(count);
      for (size_t i = 0; i < count; ++i) {
        if (width == 4) {
          int32_t v;
          std::memcpy(&v, values + 4 * i, 4);
          ints_[i] = v;
        } else {
          std::memcpy(&ints_[i], values + 8 * i, 8);
        }
      }
      return Status::OK();
    }
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      if (!has_dictionary_) return Status::Corruption("a dictionary-encoded page comes without a dictionary page");
      kind_ = PageKind::kIndices;
      if (count == 0) return Status::OK();
      if (size < 1) return Status::Corruption("dictionary indices are missing");
      indices_.resize(count);
      RleBitPackedDecoder decoder(values + 1, size - 1, values[0]);
      Status s = decoder.Get(indices_.data(), count);
      if (!s.ok()) return Status::Corruption(fmt::format("dictionary indices: {}", s.message()));
      const uint32_t dict_size = static_cast<uint32_t>(dict_tokens_.size());
      uint32_t max = 0;
      for (uint32_t idx : indices_) max = std::max(max, idx);
      if (max >= dict_size) {
        return Status::Corruption(
            fmt::format("dictionary index {} is beyond the dictionary's {} values", max, dict_size));
      }
      return Status::OK();
    }
    case Encoding::kDeltaBinaryPacked: {
      if (strings) break;
      kind_ = PageKind::kInts;
      size_t used = 0;
      Status s = DecodeDeltaBinaryPacked(values, size, &ints_, &used);
      if (!s.ok()) return s;
      if (ints_.size() < count) return Status::Corruption("a DELTA_BINARY_PACKED page holds too few values");
      ints_.resize(count);
      if (type == PhysicalType::kInt32) {
        for (int64_t& v : ints_) v = static_cast<int32_t>(v);
      }
      return Status::OK();
    }
    case Encoding::kDeltaLengthByteArray:
    case Encoding::kDeltaByteArray: {
      if (!strings) break;
      kind_ = PageKind::kStrings;
      Status s = encoding == Encoding::kDeltaLengthByteArray
                     ? DecodeDeltaLengthByteArrays(values, size, &strings_)
                     : DecodeDeltaByteArrays(
                           values, size, page_buffers_.emplace_back(std::make_unique<std::string>()).get(), &strings_);
      if (!s.ok()) return s;
      if (strings_.size() < count) return Status::Corruption("a delta page holds too few values");
      strings_.resize(count);
      return Status::OK();
    }
    default: break;
  }
  return Status::Unsupported(
      fmt::format("encoding {} is not supported for {} values", EncodingName(encoding), PhysicalTypeName(type)));
}

Status ColumnChunkReader::ReadDictionary(const PageHeader& h, const uint8_t* page) {
  if (h.dictionary.encoding != Encoding::kPlain && h.dictionary.encoding != Encoding::kPlainDictionary) {
    return Status::Unsupported(
        fmt::format("dictionary encoding {} is not supported", EncodingName(h.dictionary.encoding)));
  }
  if (h.dictionary.num_values < 0) return Status::Corruption("a dictionary page has a negative size");
  has_dictionary_ = false;
  dict_tokens_.clear();
  dict_fits_.clear();
  // A second dictionary (which the format does not allow) must not pull the
  // bytes from under tokens of the batch being built.
  for (auto& b : dict_buffers_) retired_buffers_.push_back(std::move(b));
  dict_buffers_.clear();
  const uint8_t* bytes = nullptr;
  const size_t size = static_cast<size_t>(h.uncompressed_page_size);
  Status s = Inflate(meta_.codec, page, static_cast<size_t>(h.compressed_page_size), size, &dict_buffers_, &bytes);
  if (!s.ok()) return s;
  const size_t count = static_cast<size_t>(h.dictionary.num_values);
  if (meta_.type == PhysicalType::kByteArray) {
    s = DecodePlainByteArrays(bytes, size, count, &dict_tokens_);
    if (!s.ok()) return s;
    dict_fits_.resize(count, 1);
    for (size_t i = 0; i < count; ++i) {
      if (dict_tokens_[i].empty()) {
        dict_tokens_[i] = kNull;
      } else if (check_ != nullptr) {
        dict_fits_[i] = check_(dict_tokens_[i]);
      }
    }
  } else {
    // Integers are rendered once here; every row then views its entry.
    const size_t width = meta_.type == PhysicalType::kInt32 ? 4 : 8;
    if (count > size / width) return Status::Corruption("a dictionary page's values end early");
    std::string& text = *dict_buffers_.emplace_back(std::make_unique<std::string>());
    text.resize(count * kMaxIntText);
    char* out = text.data();
    std::vector<uint32_t> ends(count);
    for (size_t i = 0; i < count; ++i) {
      int64_t v;
      if (width == 4) {
        int32_t v32;
        std::memcpy(&v32, bytes + 4 * i, 4);
        v = v32;
      } else {
        std::memcpy(&v, bytes + 8 * i, 8);
      }
      out = std::to_chars(out, text.data() + text.size(), v).ptr;
      ends[i] = static_cast<uint32_t>(out - text.data());
    }
    dict_tokens_.resize(count);
    uint32_t begin = 0;
    for (size_t i = 0; i < count; ++i) {
      dict_tokens_[i] = std::string_view(text.data() + begin, ends[i] - begin);
      begin = ends[i];
    }
    dict_fits_.assign(count, 1);
  }
  has_dictionary_ = true;
  return Status::OK();
}

Status ColumnChunkReader::ReadDataPage(const PageHeader& h, const uint8_t* page) {
  const bool v2 = h.type == PageType::kDataPageV2;
  const int32_t n = v2 ? h.data_v2.num_values : h.data.num_values;
  if (n < 0 || n > kMaxPageValues) return Status::Corruption(fmt::format("a data page claims {} values", n));
  if (n > meta_.num_values - seen_) {
    return Status::Corruption(fmt::format("the pages hold more values than the chunk's {}", meta_.num_values));
  }
  const size_t count = static_cast<size_t>(n);
  const uint8_t* levels = nullptr;
  size_t levels_size = 0;
  const uint8_t* values = nullptr;
  size_t values_size = 0;
  if (v2) {
    const DataPageHeaderV2& d = h.data_v2;
    if (d.repetition_levels_byte_length < 0 || d.definition_levels_byte_length < 0 ||
        static_cast<int64_t>(d.repetition_levels_byte_length) + d.definition_levels_byte_length >
            std::min(h.compressed_page_size, h.uncompressed_page_size)) {
      return Status::Corruption("a v2 data page's level lengths exceed the page");
    }
    if (d.repetition_levels_byte_length > 0) return Status::Unsupported("repeated (nested) columns are not supported");
    const size_t skip = static_cast<size_t>(d.definition_levels_byte_length);
    levels = page;
    levels_size = skip;
    // Levels are never compressed in v2 pages; the values may be.
    Status s = Inflate(d.is_compressed ? meta_.codec : Codec::kUncompressed, page + skip,
                       static_cast<size_t>(h.compressed_page_size) - skip,
                       static_cast<size_t>(h.uncompressed_page_size) - skip, &page_buffers_, &values);
    if (!s.ok()) return s;
    values_size = static_cast<size_t>(h.uncompressed_page_size) - skip;
  } else {
    const uint8_t* bytes = nullptr;
    const size_t size = static_cast<size_t>(h.uncompressed_page_size);
    Status s = Inflate(meta_.codec, page, static_cast<size_t>(h.compressed_page_size), size, &page_buffers_, &bytes);
    if (!s.ok()) return s;
    size_t pos = 0;
    if (max_def_ > 0) {
      // v1 pages prefix the definition levels with their length.
      if (size < 4) return Status::Corruption("a data page ends before its definition levels");
      uint32_t len;
      std::memcpy(&len, bytes, 4);
      if (len > size - 4) return Status::Corruption("a data page's definition levels run past the page");
      levels = bytes + 4;
      levels_size = len;
      pos = 4 + len;
    }
    values = bytes + pos;
    values_size = size - pos;
  }
  size_t defined = count;
  if (max_def_ > 0) {
    std::vector<uint32_t> level_values(count);
    RleBitPackedDecoder dec(levels, levels_size, 1);
    Status s = dec.Get(level_values.data(), count);
    if (!s.ok()) return Status::Corruption(fmt::format("definition levels: {}", s.message()));
    defined = 0;
    defined_.resize(count);
    for (size_t i = 0; i < count; ++i) {
      if (level_values[i] > 1) return Status::Corruption(fmt::format("definition level {} is over 1", level_values[i]));
      defined_[i] = static_cast<uint8_t>(level_values[i]);
      defined += level_values[i];
    }
  }
  const Encoding encoding = v2 ? h.data_v2.encoding : h.data.encoding;
  Status s = DecodeValues(encoding, values, values_size, defined);
  if (!s.ok()) return s;
  const size_t decoded = kind_ == PageKind::kIndices ? (defined == 0 ? 0 : indices_.size())
                         : kind_ == PageKind::kInts  ? ints_.size()
                                                     : strings_.size();
  if (decoded != defined) return Status::Corruption("a data page holds too few values");
  page_rows_ = count;
  seen_ += n;
  return Status::OK();
}

Status ColumnChunkReader::LoadPage() {
  // The finished page's bytes may still be viewed by the batch being built.
  for (auto& b : page_buffers_) retired_buffers_.push_back(std::move(b));
  page_buffers_.clear();
  page_rows_ = row_ = value_ = 0;
  defined_.clear();
  indices_.clear();
  ints_.clear();
  strings_.clear();
  for (;;) {
    if (seen_ >= meta_.num_values) {
      return Status::Corruption(
          fmt::format("the chunk ends after its {} values, before the row group's last row", meta_.num_values));
    }
    if (pos_ >= size_) {
      return Status::Corruption(
          fmt::format("the column chunk ends after {} of its {} values", seen_, meta_.num_values));
    }
    PageHeader h;
    size_t header_size = 0;
    Status s = ReadPageHeader(data_ + pos_, size_ - pos_, &h, &header_size);
    if (!s.ok()) return s;
    pos_ += header_size;
    if (static_cast<size_t>(h.compressed_page_size) > size_ - pos_) {
      return Status::Corruption("a page runs past the end of its column chunk");
    }
    const uint8_t* page = data_ + pos_;
    pos_ += static_cast<size_t>(h.compressed_page_size);
    switch (h.type) {
      case PageType::kDictionaryPage:
        s = ReadDictionary(h, page);
        if (!s.ok()) return s;
        break;
      case PageType::kDataPage:
      case PageType::kDataPageV2: return ReadDataPage(h, page);
      case PageType::kIndexPage: break;
    }
  }
}

Status ColumnChunkReader::Open(const uint8_t* data, size_t size, const ColumnChunk& meta, int max_definition_level) {
  if (meta.type != PhysicalType::kInt32 && meta.type != PhysicalType::kInt64 && meta.type != PhysicalType::kByteArray) {
    return Status::Unsupported(fmt::format("physical type {} is not supported", PhysicalTypeName(meta.type)));
  }
  if (max_definition_level < 0 || max_definition_level > 1)
    return Status::Unsupported("nested columns are not supported");
  if (meta.num_values < 0) return Status::Corruption("the chunk has a negative value count");
  data_ = data;
  size_ = size;
  pos_ = 0;
  meta_ = meta;
  max_def_ = max_definition_level;
  seen_ = 0;
  page_rows_ = row_ = value_ = 0;
  defined_.clear();
  page_buffers_.clear();
  retired_buffers_.clear();
  has_dictionary_ = false;
  dict_tokens_.clear();
  dict_fits_.clear();
  dict_buffers_.clear();
  return Status::OK();
}

Status ColumnChunkReader::ReadTokens(size_t rows, TokenBatch* out) {
  retired_buffers_.clear();
  out->tokens.resize(rows);
  out->unfit_rows.clear();
  out->arena.resize(rows * kMaxIntText);
  char* arena = out->arena.data();
  char* const arena_end = arena + out->arena.size();
  std::string_view* tokens = out->tokens.data();
  size_t done = 0;
  while (done < rows) {
    if (row_ >= page_rows_) {
      Status s = LoadPage();
      if (!s.ok()) return s;
      continue;
    }
    const size_t take = std::min(rows - done, page_rows_ - row_);
    const uint8_t* defined = defined_.empty() ? nullptr : defined_.data() + row_;
    for (size_t i = 0; i < take; ++i) {
      std::string_view& token = tokens[done + i];
      if (defined != nullptr && defined[i] == 0) {
        token = kNull;
        continue;
      }
      const size_t v = value_++;
      switch (kind_) {
        case PageKind::kIndices: {
          const uint32_t idx = indices_[v];
          token = dict_tokens_[idx];
          if (!dict_fits_[idx]) out->unfit_rows.push_back(static_cast<uint32_t>(done + i));
          break;
        }
        case PageKind::kInts: {
          char* end = std::to_chars(arena, arena_end, ints_[v]).ptr;
          token = std::string_view(arena, static_cast<size_t>(end - arena));
          arena = end;
          break;
        }
        case PageKind::kStrings: {
          token = strings_[v];
          if (token.empty()) {
            token = kNull;
          } else if (check_ != nullptr && !check_(token)) {
            out->unfit_rows.push_back(static_cast<uint32_t>(done + i));
          }
          break;
        }
      }
    }
    row_ += take;
    done += take;
  }
  return Status::OK();
}

Status ColumnChunkReader::Finish() const {
  if (row_ < page_rows_ || seen_ != meta_.num_values) {
    return Status::Corruption("the chunk holds more values than the row group has rows");
  }
  return Status::OK();
}

}  // namespace flowdex::parquet
