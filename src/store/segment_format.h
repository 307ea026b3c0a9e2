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
  Extent dictionary;              // kKeyword only
  uint64_t dictionary_entries = 0;
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
