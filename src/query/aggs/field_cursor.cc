#include "query/aggs/field_cursor.h"

#include <fmt/format.h>

#include <roaring/roaring.h>

namespace flowdex {

namespace {

// A block of which the selection reads at most one row in this many is read
// in place rather than decoded (and cached) whole.
constexpr uint64_t kSparseRatio = 16;

}  // namespace

Status FieldCursor::AddPart(int column) {
  if (column < 0) return Status::OK();
  Part p;
  p.column = column;
  p.type = seg_->meta().columns[column].type;
  if (HasDictionary(p.type)) {
    Status s = seg_->Dictionary(column, &p.dict);
    if (!s.ok()) return s;
  }
  parts_.push_back(std::move(p));
  return Status::OK();
}

Status FieldCursor::Init(const SegmentReader& seg, const std::vector<int>& columns, const roaring_bitmap_s* selection) {
  seg_ = &seg;
  selection_ = selection;
  for (int c : columns) {
    if (Status s = AddPart(c); !s.ok()) return s;
  }
  type_ = parts_.empty() ? ColumnType::kUInt64 : parts_[0].type;
  return Status::OK();
}

Status FieldCursor::Init(const SegmentReader& seg, const FieldBinding& field, const roaring_bitmap_s* selection) {
  if (field.source == FieldSource::kFact) {
    // Its column holds whole sets of facts: terms, cardinality, missing and
    // the geo grids read it through KeySource; nothing else can.
    return Status::Unsupported(fmt::format("this aggregation is not supported on [{}]: use terms", field.name));
  }
  std::vector<int> columns;
  for (const std::string& name : field.columns) columns.push_back(seg.FindColumn(name));
  Status s = Init(seg, columns, selection);
  if (s.ok() && !field.hidden_by.empty()) hidden_.column = seg.FindColumn(field.hidden_by);
  return s;
}

bool FieldCursor::Gather(Part* p, size_t b, uint32_t rows, Status* status) {
  if (selection_ == nullptr || p->type == ColumnType::kIp || p->type == ColumnType::kBlob) return false;
  const auto* sel = reinterpret_cast<const roaring_bitmap_t*>(selection_);
  const uint64_t first = uint64_t{b} * kRowsPerBlock;
  const uint64_t n = roaring_bitmap_range_cardinality(sel, first, first + rows);
  // While the block cache has room, decoding (and caching) the block serves
  // the next query best; once it is full, that would push out other blocks.
  if (n == 0 || n * kSparseRatio > rows || !seg_->BlockCacheFull() || seg_->CachedBlock(p->column, b) != nullptr) {
    return false;
  }
  selected_.resize(n);
  roaring_uint32_iterator_t it;
  roaring_init_iterator(sel, &it);
  roaring_move_uint32_iterator_equalorlarger(&it, static_cast<uint32_t>(first));
  roaring_read_uint32_iterator(&it, selected_.data(), static_cast<uint32_t>(n));
  for (uint32_t& row : selected_) row -= static_cast<uint32_t>(first);
  if (!p->gathered) p->gathered = std::make_shared<ColumnBlock>();
  *status = seg_->GatherBlock(p->column, b, selected_.data(), n, p->gathered.get());
  if (status->code() == Status::Code::kUnsupported) {
    *status = Status::OK();
    return false;
  }
  if (status->ok()) p->block = p->gathered;
  return true;
}

Status FieldCursor::Load(Part* p, size_t b) {
  p->loaded = b;
  const BlockMeta& meta = seg_->meta().columns[p->column].blocks[b];
  p->empty = !meta.stats.has_values();
  if (p->empty) return Status::OK();
  Status s;
  if (Gather(p, b, meta.stats.rows, &s)) {
    if (!s.ok()) p->loaded = SIZE_MAX;
    return s;
  }
  s = seg_->ReadBlockShared(p->column, b, &p->block);
  if (!s.ok()) p->loaded = SIZE_MAX;
  return s;
}

}  // namespace flowdex
