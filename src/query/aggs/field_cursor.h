// FieldCursor: the values of one field, read row by row in non-decreasing
// row order, each block decoded once. A field may span several columns
// (related.ip: source.ip and destination.ip; a row's values are those of
// every column), and may be hidden on rows where another column has a value
// (event.end where the record had no end).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "schema/field_binding.h"
#include "store/column_codec.h"
#include "store/segment_reader.h"

struct roaring_bitmap_s;

namespace flowdex {

class FieldCursor {
 public:
  // The binding's columns in `seg` (those it lacks are skipped).
  // `selection`, when set, holds every row the cursor will be asked for
  // (it must outlive the cursor): a block of which it reads few rows, that
  // is not cached and that the full block cache has no room for is then
  // read in place (SegmentReader::GatherBlock), neither decoded whole nor
  // cached, and its other rows read as absent.
  Status Init(const SegmentReader& seg, const FieldBinding& field, const roaring_bitmap_s* selection = nullptr);
  // Explicit columns (-1: skipped), nothing hidden.
  Status Init(const SegmentReader& seg, const std::vector<int>& columns, const roaring_bitmap_s* selection = nullptr);

  ColumnType type() const { return type_; }
  size_t parts() const { return parts_.size(); }
  const std::vector<std::string>* dictionary() const { return parts_.empty() ? nullptr : parts_[0].dict; }
  // One column, nothing hidden: BlockOf may be used.
  bool simple() const { return parts_.size() == 1 && hidden_.column < 0; }

  // The block holding `row` of a simple field (nullptr: no values there).
  Status BlockOf(uint32_t row, const ColumnBlock** out) {
    Part& p = parts_[0];
    if (row / kRowsPerBlock != p.loaded) {
      Status s = Load(&p, row / kRowsPerBlock);
      if (!s.ok()) return s;
    }
    *out = p.empty ? nullptr : p.block.get();
    return Status::OK();
  }

  // Calls fn(block, k) for each value k of `row` in every column.
  template <typename Fn>
  Status ForEach(uint32_t row, Fn&& fn) {
    const uint32_t i = row % kRowsPerBlock;
    if (hidden_.column >= 0) {
      if (row / kRowsPerBlock != hidden_.loaded) {
        Status s = Load(&hidden_, row / kRowsPerBlock);
        if (!s.ok()) return s;
      }
      if (!hidden_.empty && hidden_.block->present(i)) return Status::OK();
    }
    for (Part& p : parts_) {
      if (row / kRowsPerBlock != p.loaded) {
        Status s = Load(&p, row / kRowsPerBlock);
        if (!s.ok()) return s;
      }
      if (p.empty) continue;
      const ColumnBlock& block = *p.block;
      if (!block.present(i)) continue;
      if (block.multi()) {
        for (size_t k = block.offsets[i]; k < block.offsets[i + 1]; ++k) fn(block, k);
      } else {
        fn(block, i);
      }
    }
    return Status::OK();
  }

 private:
  struct Part {
    int column = -1;
    ColumnType type = ColumnType::kUInt64;
    const std::vector<std::string>* dict = nullptr;
    std::shared_ptr<const ColumnBlock> block;
    std::shared_ptr<ColumnBlock> gathered;  // reused by each gathered block
    size_t loaded = SIZE_MAX;
    bool empty = false;
  };
  Status AddPart(int column);
  Status Load(Part* p, size_t b);
  // Reads block b of *p in place when the selection reads few of its rows
  // and it is not cached; false when it must be decoded instead.
  bool Gather(Part* p, size_t b, uint32_t rows, Status* status);

  const SegmentReader* seg_ = nullptr;
  const roaring_bitmap_s* selection_ = nullptr;
  std::vector<uint32_t> selected_;  // Gather's rows of one block
  std::vector<Part> parts_;
  Part hidden_;
  ColumnType type_ = ColumnType::kUInt64;
};

// How many flows each row of a rollup segment stands for (its _doc_count;
// 1 where absent), read block by block: cheapest for rows in order.
class RowWeights {
 public:
  Status Init(const SegmentReader& seg, int column, const roaring_bitmap_s* selection = nullptr) {
    return cursor_.Init(seg, std::vector<int>{column}, selection);
  }
  uint64_t At(uint32_t row) {
    const ColumnBlock* b = nullptr;
    Status s = cursor_.BlockOf(row, &b);
    if (!s.ok()) {
      if (status_.ok()) status_ = s;
      return 0;
    }
    const uint32_t i = row % kRowsPerBlock;
    return b != nullptr && b->present(i) ? b->values[i] : 1;
  }
  // The first read error (the weights returned since are 0).
  const Status& status() const { return status_; }

 private:
  FieldCursor cursor_;
  Status status_;
};

// For a simple() cursor: calls fn(block, at, end) for each run rows[at..end)
// of the (non-decreasing) rows that lie in one block, the block looked up
// once for the run (nullptr: the block has no values).
template <typename Fn>
Status ForEachBlockRun(FieldCursor& cursor, const uint32_t* rows, size_t n, Fn&& fn) {
  size_t at = 0;
  while (at < n) {
    const uint32_t block = rows[at] / kRowsPerBlock;
    size_t end = at + 1;
    while (end < n && rows[end] / kRowsPerBlock == block) ++end;
    const ColumnBlock* b = nullptr;
    Status s = cursor.BlockOf(rows[at], &b);
    if (s.ok()) s = fn(b, at, end);
    if (!s.ok()) return s;
    at = end;
  }
  return Status::OK();
}

}  // namespace flowdex
