// Keyword predicates on dictionary columns.
#include "query/exec/leaf_matchers.h"

namespace flowdex {

namespace {

// The dictionary codes whose value passes the test, ascending.
Status MatchingCodes(const KeywordPredicate& p, const SegmentReader& seg, int col, std::vector<uint64_t>* codes) {
  if (p.test.kind() == StringTest::Kind::kEquals && !p.test.case_insensitive()) {
    // Exact values: one hash lookup each, whatever the dictionary's size.
    for (const std::string& v : p.test.values()) {
      int64_t code = -1;
      Status s = seg.FindKeyword(col, v, &code);
      if (!s.ok()) return s;
      if (code >= 0) codes->push_back(static_cast<uint64_t>(code));
    }
    std::sort(codes->begin(), codes->end());
    return Status::OK();
  }
  const std::vector<std::string>* dict = nullptr;
  Status s = seg.Dictionary(col, &dict);
  if (!s.ok()) return s;
  for (size_t code = 0; code < dict->size(); ++code) {
    if (p.test.Matches((*dict)[code])) codes->push_back(code);
  }
  return Status::OK();
}

}  // namespace

Status MatchKeyword(const KeywordPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const SegmentReader& seg = *scope.segment;
  const int col = seg.FindColumn(p.column);
  if (col < 0 || !HasDictionary(seg.meta().columns[col].type)) return Status::OK();
  std::vector<uint64_t> codes;
  Status s = MatchingCodes(p, seg, col, &codes);
  if (!s.ok() || codes.empty()) return s;
  Bitmap pages;
  const roaring_bitmap_t* page_filter = nullptr;
  if (seg.HasPostings(col) && codes.size() <= 256) {
    pages = NewBitmap();
    for (uint64_t code : codes) {
      Bitmap one;
      s = seg.PagePostings(col, code, &one);
      if (!s.ok()) return s;
      roaring_bitmap_or_inplace(pages.get(), one.get());
    }
    page_filter = pages.get();
  }
  const uint64_t lo = codes.front(), hi = codes.back();
  auto in_range = [&](const BlockStats& st) { return st.max >= lo && st.min <= hi; };
  ValueFilter filter;
  for (uint64_t code : codes) {
    if (!filter.ranges.empty() && filter.ranges.back().second + 1 == code) {
      filter.ranges.back().second = code;
    } else {
      filter.ranges.emplace_back(code, code);
    }
  }
  const ValueFilter* fast = filter.ranges.size() <= kMaxFilterRanges ? &filter : nullptr;
  if (codes.size() == 1) {
    return ScanColumn(
        scope, col, page_filter, in_range, [&](const ColumnBlock& b, size_t k) { return b.values[k] == lo; }, rows,
        fast);
  }
  std::vector<uint8_t> wanted(hi + 1, 0);
  for (uint64_t code : codes) wanted[code] = 1;
  return ScanColumn(
      scope, col, page_filter, in_range,
      [&](const ColumnBlock& b, size_t k) { return b.values[k] <= hi && wanted[b.values[k]] != 0; }, rows, fast);
}

Status MatchExists(const ColumnExists& p, const LeafScope& scope, Bitmap* rows) {
  const int col = scope.segment->FindColumn(p.column);
  if (col < 0) return Status::OK();
  // Blocks without a null hold a value on every row: no need to read them.
  const ColumnMeta& meta = scope.segment->meta().columns[col];
  bool partial = false;
  for (size_t b = 0; b < meta.blocks.size(); ++b) {
    const BlockStats& st = meta.blocks[b].stats;
    if (st.has_values() && st.nulls == 0) {
      roaring_bitmap_add_range(rows->get(), b * kRowsPerBlock, b * kRowsPerBlock + st.rows);
    } else if (st.has_values()) {
      partial = true;
    }
  }
  if (!partial) return Status::OK();
  ValueFilter any;
  any.any_value = true;
  return ScanColumn(
      scope, col, nullptr, [](const BlockStats& st) { return st.nulls > 0; },
      [](const ColumnBlock&, size_t) { return true; }, rows, &any);
}

}  // namespace flowdex
