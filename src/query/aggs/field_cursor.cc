#include "query/aggs/field_cursor.h"

namespace flowdex {

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

Status FieldCursor::Init(const SegmentReader& seg, const std::vector<int>& columns) {
  seg_ = &seg;
  for (int c : columns) {
    if (Status s = AddPart(c); !s.ok()) return s;
  }
  type_ = parts_.empty() ? ColumnType::kUInt64 : parts_[0].type;
  return Status::OK();
}

Status FieldCursor::Init(const SegmentReader& seg, const FieldBinding& field) {
  std::vector<int> columns;
  for (const std::string& name : field.columns) columns.push_back(seg.FindColumn(name));
  Status s = Init(seg, columns);
  if (s.ok() && !field.hidden_by.empty()) hidden_.column = seg.FindColumn(field.hidden_by);
  return s;
}

Status FieldCursor::Load(Part* p, size_t b) {
  p->loaded = b;
  p->empty = !seg_->meta().columns[p->column].blocks[b].stats.has_values();
  if (p->empty) return Status::OK();
  Status s = seg_->ReadBlockShared(p->column, b, &p->block);
  if (!s.ok()) p->loaded = SIZE_MAX;
  return s;
}

}  // namespace flowdex
