// The parts of Parquet's Thrift metadata (parquet.thrift: FileMetaData in
// the footer, PageHeader before each page) that a reader of flat files
// needs, decoded with Apache Thrift's compact protocol. Fields flowdex does
// not use are skipped, so files from newer writers still read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace flowdex::parquet {

// parquet.thrift's enums, with their wire values.
enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};
enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};
enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};
enum class PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

const char* PhysicalTypeName(PhysicalType t);
const char* CodecName(Codec c);
const char* EncodingName(Encoding e);

struct SchemaElement {
  std::string name;
  bool has_type = false;  // false for a group (the root, or a nested column)
  PhysicalType type = PhysicalType::kByteArray;
  Repetition repetition = Repetition::kRequired;
  int32_t num_children = 0;
};

struct ColumnChunk {
  PhysicalType type = PhysicalType::kByteArray;
  std::vector<std::string> path;  // path_in_schema
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;  // -1: none
  bool external = false;                // file_path set: the data lives in another file

  // Where the chunk's pages start (the dictionary page when there is one).
  int64_t start() const {
    return dictionary_page_offset > 0 && dictionary_page_offset < data_page_offset ? dictionary_page_offset
                                                                                   : data_page_offset;
  }
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t num_rows = 0;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;  // depth-first, the root first
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::string created_by;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  DataPageHeader data;
  DataPageHeaderV2 data_v2;
  DictionaryPageHeader dictionary;
};

// Decodes the footer's FileMetaData from `size` bytes. Corruption when the
// bytes are not valid compact-protocol Thrift or required fields are missing.
Status ReadFileMetaData(const uint8_t* data, size_t size, FileMetaData* out);

// Decodes the PageHeader at the start of `data` and stores its encoded size
// in *header_size. Corruption on bad bytes (a header longer than `size`
// included).
Status ReadPageHeader(const uint8_t* data, size_t size, PageHeader* out, size_t* header_size);

}  // namespace flowdex::parquet
