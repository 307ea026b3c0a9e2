// Integer predicates (integers, timestamps, booleans) and bit masks.
#include "query/exec/leaf_matchers.h"

namespace flowdex {

namespace {

Wide StoredValue(ColumnType type, uint64_t bits) {
  return IsSigned(type) ? static_cast<Wide>(static_cast<int64_t>(bits)) : static_cast<Wide>(bits);
}

// The column of `name` when it holds integers (not codes or addresses), else -1.
int IntegerColumn(const SegmentReader& seg, const std::string& name) {
  const int col = seg.FindColumn(name);
  if (col < 0) return -1;
  const ColumnType t = seg.meta().columns[col].type;
  return IsIntegerLike(t) && !HasDictionary(t) ? col : -1;
}

}  // namespace

Status MatchIntegers(const IntegerPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const SegmentReader& seg = *scope.segment;
  const int col = IntegerColumn(seg, p.column);
  if (col < 0) return Status::OK();
  const ColumnType type = seg.meta().columns[col].type;
  Bitmap pages;
  const roaring_bitmap_t* page_filter = nullptr;
  if (!p.values.empty() && seg.HasPostings(col) && p.values.size() <= 256) {
    pages = NewBitmap();
    for (Wide w : p.values) {
      if (w < 0 || w > static_cast<Wide>(MaxValue(type))) continue;
      Bitmap one;
      Status s = seg.PagePostings(col, static_cast<uint64_t>(w), &one);
      if (!s.ok()) return s;
      roaring_bitmap_or_inplace(pages.get(), one.get());
    }
    page_filter = pages.get();
  }
  const Wide lo = p.lo, hi = p.hi;
  auto in_range = [&](const BlockStats& st) {
    return StoredValue(type, st.max) >= lo && StoredValue(type, st.min) <= hi;
  };
  // Unsigned columns: the same test as ranges of stored values.
  ValueFilter filter;
  if (!IsSigned(type)) {
    const Wide max = static_cast<Wide>(MaxValue(type));
    auto add = [&](Wide a, Wide z) {
      a = std::max<Wide>(a, 0);
      z = std::min(z, max);
      if (a <= z) filter.ranges.emplace_back(static_cast<uint64_t>(a), static_cast<uint64_t>(z));
    };
    if (p.values.empty()) {
      add(lo, hi);
    } else {
      for (Wide v : p.values) add(v, v);
    }
  }
  const ValueFilter* fast =
      !IsSigned(type) && !filter.ranges.empty() && filter.ranges.size() <= kMaxFilterRanges ? &filter : nullptr;
  if (p.values.empty()) {
    return ScanColumn(
        scope, col, page_filter, in_range,
        [&](const ColumnBlock& b, size_t k) {
          const Wide v = StoredValue(type, b.values[k]);
          return v >= lo && v <= hi;
        },
        rows, fast);
  }
  if (p.values.size() == 1) {
    return ScanColumn(
        scope, col, page_filter, in_range,
        [&](const ColumnBlock& b, size_t k) { return StoredValue(type, b.values[k]) == lo; }, rows, fast);
  }
  return ScanColumn(
      scope, col, page_filter, in_range,
      [&](const ColumnBlock& b, size_t k) {
        return std::binary_search(p.values.begin(), p.values.end(), StoredValue(type, b.values[k]));
      },
      rows, fast);
}

Status MatchBits(const BitsPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const int col = IntegerColumn(*scope.segment, p.column);
  if (col < 0 || p.mask == 0) return Status::OK();
  const uint64_t mask = p.mask;
  return ScanColumn(
      scope, col, nullptr, AnyBlock, [&](const ColumnBlock& b, size_t k) { return (b.values[k] & mask) != 0; }, rows);
}

}  // namespace flowdex
