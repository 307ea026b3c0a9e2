// The physical types of stored columns.
#pragma once

#include <cstdint>
#include <string_view>

namespace flowdex {

enum class ColumnType : uint8_t {
  kUInt8 = 1,
  kUInt16 = 2,
  kUInt32 = 3,
  kUInt64 = 4,
  kInt64 = 5,
  kTimestamp = 6,  // milliseconds since the Unix epoch, signed
  kIp = 7,         // IPv4 or IPv6
  kKeyword = 8,    // dictionary-encoded string (codes index the segment's dictionary)
  kBool = 9,
  kDouble = 10,
  kBlob = 11,  // bytes per row, not interpreted (a document's _source)
  kText = 12,  // like kKeyword, but its postings are by token (full-text search)
};

// The type's name as docs/format.md and error messages spell it.
std::string_view ColumnTypeName(ColumnType t);
// True for types stored as integers (codes and bools included).
inline bool IsIntegerLike(ColumnType t) {
  return t != ColumnType::kIp && t != ColumnType::kDouble && t != ColumnType::kBlob;
}
// True for types whose values are codes into the segment's dictionary.
inline bool HasDictionary(ColumnType t) { return t == ColumnType::kKeyword || t == ColumnType::kText; }
// True for types whose integers compare as signed.
inline bool IsSigned(ColumnType t) { return t == ColumnType::kInt64 || t == ColumnType::kTimestamp; }
// Largest value an unsigned integer type holds.
uint64_t MaxValue(ColumnType t);
bool IsValidColumnType(uint8_t v);

}  // namespace flowdex
