// Predicates only flow segments answer: the Community ID of each row's
// 5-tuple, and flow records by _id (a hash of the source key and the line
// offset, src/schema/document_id.h).
#include <map>
#include <set>

#include "flowlog/community_id.h"
#include "flowlog/ecs_fields.h"
#include "query/exec/leaf_matchers.h"
#include "schema/document_id.h"
#include "schema/flow_index.h"

namespace flowdex {

namespace {

// Calls fn(row) for each row of block `b` still in question.
template <typename Fn>
void ForEachCandidate(const LeafScope& scope, size_t b, uint32_t block_rows, Fn&& fn) {
  const uint32_t base = static_cast<uint32_t>(b * kRowsPerBlock);
  if (scope.restrict_rows == nullptr) {
    for (uint32_t i = 0; i < block_rows; ++i) fn(i);
    return;
  }
  roaring_uint32_iterator_t it;
  roaring_init_iterator(scope.restrict_rows, &it);
  roaring_move_uint32_iterator_equalorlarger(&it, base);
  while (it.has_value && it.current_value < base + block_rows) {
    fn(it.current_value - base);
    roaring_advance_uint32_iterator(&it);
  }
}

}  // namespace

Status MatchCommunityId(const CommunityIdPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const SegmentReader& seg = *scope.segment;
  const int cols[5] = {seg.FindColumn(p.src), seg.FindColumn(p.dst), seg.FindColumn(p.src_port),
                       seg.FindColumn(p.dst_port), seg.FindColumn(p.protocol)};
  if (cols[0] < 0 || cols[1] < 0 || cols[4] < 0) return Status::OK();
  CommunityIdHasher hasher;
  std::shared_ptr<const ColumnBlock> blocks[5];
  std::vector<uint32_t> hits;
  for (size_t b = 0; b < seg.block_count(); ++b) {
    for (int c = 0; c < 5; ++c) {
      blocks[c].reset();
      if (cols[c] < 0 || !seg.meta().columns[cols[c]].blocks[b].stats.has_values()) continue;
      Status s = seg.ReadBlockShared(cols[c], b, &blocks[c]);
      if (!s.ok()) return s;
      if (scope.blocks_read != nullptr) ++*scope.blocks_read;
    }
    if (!blocks[0] || !blocks[1] || !blocks[4]) continue;
    auto value = [&](int c, uint32_t i, uint64_t* v) {
      if (!blocks[c] || !blocks[c]->present(i) || blocks[c]->multi()) return false;
      *v = blocks[c]->values[i];
      return true;
    };
    hits.clear();
    const uint32_t base = static_cast<uint32_t>(b * kRowsPerBlock);
    char cid[kCommunityIdLength];
    ForEachCandidate(scope, b, blocks[0]->rows, [&](uint32_t i) {
      uint64_t protocol = 0, sport = 0, dport = 0;
      if (!blocks[0]->present(i) || !blocks[1]->present(i) || !value(4, i, &protocol)) return;
      const bool ports = value(2, i, &sport) && value(3, i, &dport);
      if (CommunityIdUsesPorts(static_cast<uint8_t>(protocol)) && !ports) return;
      if (!hasher.Compute(blocks[0]->ip(i), blocks[1]->ip(i), static_cast<uint16_t>(sport),
                          static_cast<uint16_t>(dport), static_cast<uint8_t>(protocol), cid)) {
        return;
      }
      if (p.test.Matches(std::string_view(cid, kCommunityIdLength))) hits.push_back(base + i);
    });
    roaring_bitmap_add_many(rows->get(), hits.size(), hits.data());
  }
  return Status::OK();
}

Status MatchFlowIds(const FlowIdPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const SegmentReader& seg = *scope.segment;
  const int src = seg.FindColumn(kSourceKeyColumn), off = seg.FindColumn(kLineOffsetColumn);
  if (src < 0 || off < 0) return Status::OK();
  const std::vector<std::string>* dict = nullptr;
  Status s = seg.Dictionary(src, &dict);
  if (!s.ok()) return s;
  // The sources whose key hashes to an id's prefix, with the offsets wanted there.
  std::map<std::string, std::set<uint64_t>> by_hash;
  for (const auto& [hash, offset] : p.ids) by_hash[hash].insert(offset);
  std::map<uint64_t, const std::set<uint64_t>*> wanted;
  for (size_t code = 0; code < dict->size(); ++code) {
    const std::string id = DocumentIdFor((*dict)[code], 0);
    const std::string hash = id.substr(0, id.find('-'));
    if (auto it = by_hash.find(hash); it != by_hash.end()) wanted[code] = &it->second;
  }
  if (wanted.empty()) return Status::OK();
  std::shared_ptr<const ColumnBlock> sources, offsets;
  std::vector<uint32_t> hits;
  for (size_t b = 0; b < seg.block_count(); ++b) {
    if (!seg.meta().columns[src].blocks[b].stats.has_values()) continue;
    if (!(s = seg.ReadBlockShared(src, b, &sources)).ok() || !(s = seg.ReadBlockShared(off, b, &offsets)).ok())
      return s;
    hits.clear();
    const uint32_t base = static_cast<uint32_t>(b * kRowsPerBlock);
    ForEachCandidate(scope, b, sources->rows, [&](uint32_t i) {
      if (!sources->present(i) || !offsets->present(i)) return;
      auto it = wanted.find(sources->values[i]);
      if (it != wanted.end() && it->second->count(offsets->values[i]) > 0) hits.push_back(base + i);
    });
    roaring_bitmap_add_many(rows->get(), hits.size(), hits.data());
  }
  return Status::OK();
}

}  // namespace flowdex
