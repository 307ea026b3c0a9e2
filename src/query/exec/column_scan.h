// The scan every leaf predicate ends in: the blocks of one column that
// their statistics (and the page postings) leave in question, decoded and
// tested value by value (any value of an array row matches).
#pragma once

#include <roaring/roaring.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "store/bitmap.h"
#include "store/column_codec.h"
#include "store/segment_reader.h"

namespace flowdex {

inline constexpr uint32_t kPagesPerBlock = kRowsPerBlock / kRowsPerPage;

// What a leaf's evaluation needs besides the predicate.
struct LeafScope {
  const SegmentReader* segment = nullptr;
  // Only these rows are in question (nullptr: all); the answer may leave
  // out the others, since the caller intersects it with them.
  const roaring_bitmap_t* restrict_rows = nullptr;
  uint64_t* blocks_read = nullptr;  // counts decoded blocks
};

// Adds to *rows every row of `column` for which some value satisfies
// `pred(block, value index)`, reading only blocks `block_ok(stats)` lets
// through and, with `pages`, only the listed pages. `filter`, when given,
// is the same test in a form the encoded bytes answer (FilterColumnBlock):
// blocks not in the block cache are then tested without being decoded (and
// the rows outside `scope.restrict_rows` may be added too).
template <typename BlockOk, typename Pred>
Status ScanColumn(const LeafScope& scope, int column, const roaring_bitmap_t* pages, BlockOk&& block_ok, Pred&& pred,
                  Bitmap* rows, const ValueFilter* filter = nullptr) {
  const SegmentReader& seg = *scope.segment;
  const roaring_bitmap_t* restrict_rows = scope.restrict_rows;
  const ColumnMeta& meta = seg.meta().columns[column];
  std::shared_ptr<const ColumnBlock> shared;
  std::vector<uint32_t> hits, candidates;
  uint64_t bits[kRowsPerBlock / 64];
  for (size_t b = 0; b < meta.blocks.size(); ++b) {
    const BlockStats& stats = meta.blocks[b].stats;
    if (!stats.has_values() || !block_ok(stats)) continue;
    const uint32_t first_page = static_cast<uint32_t>(b) * kPagesPerBlock;
    const uint32_t base = static_cast<uint32_t>(b * kRowsPerBlock);
    if (pages != nullptr) {
      bool any = false;
      for (uint32_t p = 0; p < kPagesPerBlock && !any; ++p) any = roaring_bitmap_contains(pages, first_page + p);
      if (!any) continue;
    }
    const uint64_t in_question =
        restrict_rows != nullptr ? roaring_bitmap_range_cardinality(restrict_rows, base, uint64_t{base} + stats.rows)
                                 : stats.rows;
    if (in_question == 0) continue;
    shared = filter != nullptr ? seg.CachedBlock(column, b) : nullptr;
    if (filter != nullptr && !shared) {
      Status s = seg.FilterBlock(column, b, *filter, bits);
      if (s.ok()) {
        if (scope.blocks_read != nullptr) ++*scope.blocks_read;
        AddBits(rows->get(), base, bits, stats.rows);
        continue;
      }
      if (s.code() != Status::Code::kUnsupported) return s;
    }
    if (restrict_rows != nullptr) {
      // Only the rows still in question: the candidates of this block.
      candidates.resize(in_question);
      roaring_uint32_iterator_t it;
      roaring_init_iterator(restrict_rows, &it);
      roaring_move_uint32_iterator_equalorlarger(&it, base);
      roaring_read_uint32_iterator(&it, candidates.data(), static_cast<uint32_t>(in_question));
    }
    if (!shared) {
      Status s = seg.ReadBlockShared(column, b, &shared);
      if (!s.ok()) return s;
    }
    const ColumnBlock& blk = *shared;
    if (scope.blocks_read != nullptr) ++*scope.blocks_read;
    hits.clear();
    if (restrict_rows != nullptr) {
      for (uint32_t row : candidates) {
        const uint32_t i = row - base;
        if (!blk.present(i)) continue;
        const size_t from = blk.multi() ? blk.offsets[i] : i;
        const size_t to = blk.multi() ? blk.offsets[i + 1] : i + 1;
        for (size_t k = from; k < to; ++k) {
          if (pred(blk, k)) {
            hits.push_back(row);
            break;
          }
        }
      }
      roaring_bitmap_add_many(rows->get(), hits.size(), hits.data());
      continue;
    }
    for (uint32_t page = 0; page * kRowsPerPage < blk.rows; ++page) {
      if (pages != nullptr && !roaring_bitmap_contains(pages, first_page + page)) continue;
      const uint32_t end = std::min(blk.rows, (page + 1) * kRowsPerPage);
      if (!blk.multi()) {
        // One value per row: a branch-free loop (absent rows hold zeros, so
        // the predicate may read them; presence decides).
        const uint32_t start = page * kRowsPerPage;
        const size_t at = hits.size();
        hits.resize(at + (end - start));
        uint32_t* out = hits.data() + at;
        size_t n = 0;
        if (blk.presence.empty()) {
          for (uint32_t i = start; i < end; ++i) {
            out[n] = base + i;
            n += pred(blk, i) ? 1 : 0;
          }
        } else {
          for (uint32_t i = start; i < end; ++i) {
            out[n] = base + i;
            n += (IsPresent(blk.presence, i) && pred(blk, i)) ? 1 : 0;
          }
        }
        hits.resize(at + n);
        continue;
      }
      for (uint32_t i = page * kRowsPerPage; i < end; ++i) {
        if (!blk.present(i)) continue;
        for (size_t k = blk.offsets[i]; k < blk.offsets[i + 1]; ++k) {
          if (pred(blk, k)) {
            hits.push_back(base + i);
            break;
          }
        }
      }
    }
    roaring_bitmap_add_many(rows->get(), hits.size(), hits.data());
  }
  return Status::OK();
}

inline bool AnyBlock(const BlockStats&) { return true; }

}  // namespace flowdex
