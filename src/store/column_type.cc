#include "store/column_type.h"

#include <limits>

namespace flowdex {

std::string_view ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kUInt8: return "uint8";
    case ColumnType::kUInt16: return "uint16";
    case ColumnType::kUInt32: return "uint32";
    case ColumnType::kUInt64: return "uint64";
    case ColumnType::kInt64: return "int64";
    case ColumnType::kTimestamp: return "timestamp";
    case ColumnType::kIp: return "ip";
    case ColumnType::kKeyword: return "keyword";
    case ColumnType::kBool: return "bool";
    case ColumnType::kDouble: return "double";
    case ColumnType::kBlob: return "blob";
    case ColumnType::kText: return "text";
  }
  return "?";
}

uint64_t MaxValue(ColumnType t) {
  switch (t) {
    case ColumnType::kUInt8: return 0xFF;
    case ColumnType::kUInt16: return 0xFFFF;
    case ColumnType::kUInt32: return 0xFFFFFFFFu;
    case ColumnType::kBool: return 1;
    default: return std::numeric_limits<uint64_t>::max();
  }
}

bool IsValidColumnType(uint8_t v) { return v >= 1 && v <= 12; }

}  // namespace flowdex
