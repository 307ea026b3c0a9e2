#include "query/sort_value_reader.h"

#include <cstring>

namespace flowdex {

SortValueReader::SortValueReader(const SegmentReader* seg, int column, bool descending)
    : seg_(seg), column_(column), descending_(descending) {
  if (column >= 0 && HasDictionary(seg->meta().columns[column].type)) {
    Status s = seg->Dictionary(column, &dict_);
    if (!s.ok()) dict_status_ = s;
  }
}

Status SortValueReader::Get(uint32_t row, SortValue* out) {
  *out = SortValue{};
  if (column_ < 0) return Status::OK();
  if (!dict_status_.ok()) return dict_status_;
  const size_t b = row / kRowsPerBlock;
  if (b != loaded_) {
    Status s = seg_->ReadBlockShared(column_, b, &block_);
    if (!s.ok()) return s;
    loaded_ = b;
  }
  const uint32_t i = row % kRowsPerBlock;
  if (!block_->present(i)) return Status::OK();
  // Arrays sort by their smallest value ascending, largest descending.
  const size_t from = block_->multi() ? block_->offsets[i] : i;
  const size_t to = block_->multi() ? block_->offsets[i + 1] : i + 1;
  for (size_t k = from; k < to; ++k) {
    SortValue v;
    switch (block_->type) {
      case ColumnType::kIp: {
        char buf[kMaxIpTextLength];
        v.kind = SortValue::Kind::kString;
        v.text.assign(buf, FormatIpAddress(block_->ip(k), buf));
        v.is_ip = true;
        v.ip_key = IpSortKey(block_->ip(k));
        break;
      }
      case ColumnType::kKeyword:
      case ColumnType::kText:
        v.kind = SortValue::Kind::kString;
        v.text = (*dict_)[block_->values[k]];
        break;
      case ColumnType::kDouble:
        v.kind = SortValue::Kind::kDouble;
        std::memcpy(&v.number, &block_->values[k], 8);
        break;
      case ColumnType::kInt64:
      case ColumnType::kTimestamp:
        v.kind = SortValue::Kind::kInteger;
        v.integer = static_cast<int64_t>(block_->values[k]);
        break;
      default:
        v.kind = SortValue::Kind::kInteger;
        v.integer =
            block_->values[k] > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(block_->values[k]);
        v.unsigned_integer = block_->values[k];
        break;
    }
    if (k == from || (descending_ ? CompareSortValues(v, *out) > 0 : CompareSortValues(v, *out) < 0))
      *out = std::move(v);
  }
  return Status::OK();
}

}  // namespace flowdex
