// Metadata of a segment file, shared by SegmentBuilder and SegmentReader.
// The byte layout is documented in docs/format.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/column_codec.h"
#include "store/column_type.h"

namespace flowdex {

inline constexpr char kSegmentMagic[8] = {'F', 'L', 'X', 'S', 'E', 'G', '1', '\n'};
inline constexpr char kSegmentFooterMagic[8] = {'F', 'L', 'X', 'S', 'E', 'G', 'f', 't'};
inline constexpr size_t kSegmentFooterSize = 24;

// Postings point at pages of this many rows (a block holds 16 pages): enough
// to skip what a selective filter does not need, small enough to store.
inline constexpr uint32_t kRowsPerPage = 4096;

// True for column types that get page postings.
inline bool HasPagePostings(ColumnType t) {
  return t == ColumnType::kKeyword || t == ColumnType::kText || t == ColumnType::kIp || t == ColumnType::kUInt8 ||
         t == ColumnType::kUInt16 || t == ColumnType::kBool;
}

// Where a compressed piece of the file is, and how to check it.
struct Extent {
  uint64_t offset = 0;    // from the start of the file
  uint64_t size = 0;      // compressed bytes
  uint64_t raw_size = 0;  // bytes once decompressed
  uint32_t crc = 0;       // CRC-32C of the compressed bytes
};

struct BlockMeta {
  Extent extent;
  BlockStats stats;
};

struct ColumnMeta {
  std::string name;
  ColumnType type = ColumnType::kUInt64;
  std::vector<BlockMeta> blocks;  // one per row group, in row order
  Extent dictionary;              // kKeyword and kText only
  uint64_t dictionary_entries = 0;
  // Page postings: for each distinct value, the pages holding it. Absent
  // (postings_entries == 0) for column types without them.
  Extent postings;
  uint64_t postings_entries = 0;
};

struct SegmentMeta {
  uint64_t rows = 0;
  int64_t min_time = 0;  // @timestamp range of the rows, ms (0 when no time column)
  int64_t max_time = 0;
  std::vector<ColumnMeta> columns;
};

// Serialises the directory (the metadata above) and parses it back.
std::string EncodeSegmentDirectory(const SegmentMeta& meta);
bool DecodeSegmentDirectory(std::string_view in, SegmentMeta* meta);

}  // namespace flowdex
