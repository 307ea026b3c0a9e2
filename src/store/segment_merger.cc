#include "store/segment_merger.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace flowdex {

Status MergeSegments(const std::vector<std::shared_ptr<SegmentReader>>& inputs, const std::string& path, int zstd_level,
                     SegmentMeta* meta, uint64_t* file_bytes, CancellationToken cancel) {
  SegmentBuilder::Options options;
  options.zstd_level = zstd_level;
  std::unique_ptr<SegmentBuilder> out;
  Status s = SegmentBuilder::Create(path, options, &out);
  if (!s.ok()) return s;
  std::map<std::string, int> out_columns;  // name -> output column
  for (const auto& in : inputs) {
    const auto& columns = in->meta().columns;
    // Each input column's output column and, for keywords, its dictionary.
    std::vector<int> target(columns.size());
    std::vector<const std::vector<std::string>*> dicts(columns.size(), nullptr);
    for (size_t c = 0; c < columns.size(); ++c) {
      auto it = out_columns.find(columns[c].name);
      if (it == out_columns.end()) {
        it = out_columns.emplace(columns[c].name, out->AddColumn(columns[c].name, columns[c].type)).first;
      }
      target[c] = it->second;
      if (HasDictionary(columns[c].type)) {
        s = in->Dictionary(static_cast<int>(c), &dicts[c]);
        if (!s.ok()) return s;
      }
    }
    std::vector<ColumnBlock> blocks(columns.size());
    for (size_t b = 0; b < in->block_count(); ++b) {
      if (cancel.cancelled()) {
        return Status::Cancelled("merge into " + path + " stopped");  // the builder removes the file
      }
      for (size_t c = 0; c < columns.size(); ++c) {
        s = in->ReadBlock(static_cast<int>(c), b, &blocks[c]);
        if (!s.ok()) return s;
      }
      const uint32_t rows = blocks.empty() ? 0 : blocks[0].rows;
      for (uint32_t i = 0; i < rows; ++i) {
        for (size_t c = 0; c < columns.size(); ++c) {
          const ColumnBlock& blk = blocks[c];
          if (!blk.present(i)) continue;
          if (blk.type == ColumnType::kBlob) {
            out->SetBlob(target[c], blk.blob_at(i));
            continue;
          }
          // Every value of the row: one, or an array's.
          const size_t from = blk.multi() ? blk.offsets[i] : i;
          const size_t to = blk.multi() ? blk.offsets[i + 1] : i + 1;
          for (size_t k = from; k < to; ++k) {
            switch (blk.type) {
              case ColumnType::kIp: out->AddIp(target[c], blk.ip(k)); break;
              case ColumnType::kKeyword:
              case ColumnType::kText: out->AddKeyword(target[c], (*dicts[c])[blk.values[k]]); break;
              default: out->AddInteger(target[c], blk.values[k]); break;
            }
          }
        }
        s = out->FinishRow();
        if (!s.ok()) return s;
      }
    }
  }
  s = out->Finish(meta);
  if (s.ok()) *file_bytes = out->file_bytes();
  return s;
}

std::vector<SegmentRef> PickMerge(const StoreVersion& version, const MergePolicy& policy) {
  // By index, partition and rollup version: a merged segment's rows are in
  // the rollups of one version, or of none.
  std::map<std::tuple<std::string, std::string, uint32_t>, std::vector<SegmentRef>> small;
  for (const SegmentRef& r : version.segments) {
    // Segments with deleted rows are left alone (the merge would have to drop
    // them, and a delete committed during the merge would be lost).
    if (r.rows < policy.small_rows && r.deleted.empty()) small[{r.index, r.partition, r.rollup_version}].push_back(r);
  }
  for (auto& [key, refs] : small) {
    if (refs.size() < policy.min_inputs) continue;
    std::sort(refs.begin(), refs.end(), [](const SegmentRef& a, const SegmentRef& b) {
      return a.min_time != b.min_time ? a.min_time < b.min_time : a.id < b.id;
    });
    std::vector<SegmentRef> pick;
    uint64_t rows = 0;
    for (const SegmentRef& r : refs) {
      if (pick.size() == policy.max_inputs || (rows + r.rows > policy.max_output_rows && pick.size() >= 2)) break;
      pick.push_back(r);
      rows += r.rows;
    }
    if (pick.size() >= 2) return pick;
  }
  return {};
}

}  // namespace flowdex
