#include "store/store_check.h"

#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "store/segment_reader.h"

namespace flowdex {

void CheckStore(const Store& store, std::string_view source_column, std::string_view doc_count_column,
                StoreCheckReport* report) {
  const auto version = store.Current();
  // (index, partition, version) -> raw rows rolled up there; and each
  // rollup's count of them, by (index, partition, version, rollup).
  using Part = std::tuple<std::string, std::string, uint32_t>;
  std::map<Part, uint64_t> rolled_up;
  std::set<Part> with_deletes;
  for (const SegmentRef& r : version->segments) {
    if (r.rollup_version == 0) continue;
    rolled_up[{r.index, r.partition, r.rollup_version}] += r.rows;
    if (!r.deleted.empty()) with_deletes.insert({r.index, r.partition, r.rollup_version});
  }
  std::map<std::pair<Part, std::string>, uint64_t> counted;
  std::vector<SegmentRef> refs = version->segments;
  refs.insert(refs.end(), version->rollups.begin(), version->rollups.end());
  for (const SegmentRef& ref : refs) {
    const bool rollup = !ref.rollup.empty();
    if (rollup) {
      ++report->rollup_segments;
      report->rollup_bytes += ref.bytes;
      report->rollup_rows += ref.rows;
    } else {
      ++report->segments;
      report->bytes += ref.bytes;
    }
    std::shared_ptr<SegmentReader> reader;
    Status s = store.OpenSegment(ref, &reader);
    if (!s.ok()) {
      report->problems.push_back(std::string(s.message()));
      continue;
    }
    if (reader->rows() != ref.rows) {
      report->problems.push_back(
          fmt::format("{}: {} rows, the manifest says {}", reader->path(), reader->rows(), ref.rows));
    }
    if (!rollup) report->rows += reader->rows();
    for (const ColumnMeta& c : reader->meta().columns) {
      if (rollup) break;  // the column table describes raw data
      ColumnUsage& u = report->columns[c.name];
      u.type = std::string(ColumnTypeName(c.type));
      for (const BlockMeta& b : c.blocks) u.data_bytes += b.extent.size;
      u.dictionary_bytes += c.dictionary.size;
      u.postings_bytes += c.postings_entries > 0 ? c.postings.size : 0;
      u.postings_entries += c.postings_entries;
    }
    const int src = rollup ? -1 : reader->FindColumn(source_column);
    const int doc_count = rollup ? reader->FindColumn(doc_count_column) : -1;
    uint64_t* count = rollup ? &counted[{{ref.index, ref.partition, ref.rollup_version}, ref.rollup}] : nullptr;
    if (rollup && doc_count < 0) *count += ref.rows;  // every row one
    const std::vector<std::string>* dict = nullptr;
    if (src >= 0) {
      s = reader->Dictionary(src, &dict);
      if (!s.ok()) report->problems.push_back(std::string(s.message()));
    }
    for (size_t c = 0; c < reader->meta().columns.size(); ++c) {
      const std::vector<std::string>* column_dict = nullptr;
      if (HasDictionary(reader->meta().columns[c].type)) {
        s = reader->Dictionary(static_cast<int>(c), &column_dict);
        if (!s.ok()) report->problems.push_back(std::string(s.message()));
      }
      s = reader->VerifyPostings(static_cast<int>(c));
      if (!s.ok()) report->problems.push_back(std::string(s.message()));
      for (size_t b = 0; b < reader->block_count(); ++b) {
        ColumnBlock block;
        ++report->blocks;
        s = reader->ReadBlock(static_cast<int>(c), b, &block);
        if (!s.ok()) {
          report->problems.push_back(std::string(s.message()));
          continue;
        }
        if (static_cast<int>(c) == doc_count) {
          for (uint32_t i = 0; i < block.rows; ++i) *count += block.present(i) ? block.values[i] : 1;
        }
        if (static_cast<int>(c) == src && dict != nullptr) {
          for (uint32_t i = 0; i < block.rows; ++i) {
            if (block.present(i)) ++report->rows_per_source[(*dict)[block.values[i]]];
          }
        }
      }
    }
  }
  for (const auto& [key, rows] : counted) {
    const auto& [part, name] = key;
    const auto it = rolled_up.find(part);
    const uint64_t raw = it == rolled_up.end() ? 0 : it->second;
    // Rollups kept longer than raw rows (rollup retention) count rows that are gone.
    if (rows != raw && raw > 0 && !with_deletes.count(part)) {
      report->problems.push_back(fmt::format("rollup {} of {} {}: counts {} rows, {} raw rows are rolled up", name,
                                             std::get<0>(part), std::get<1>(part), rows, raw));
    }
  }
  const std::vector<SourceRecord> sources = store.Sources();
  std::set<std::string_view> known;
  for (const SourceRecord& src : sources) {
    known.insert(src.key);
    const auto it = report->rows_per_source.find(src.key);
    const uint64_t stored = it == report->rows_per_source.end() ? 0 : it->second;
    if (stored != src.records) {
      report->problems.push_back(
          fmt::format("source {}: {} records committed, {} rows stored", src.key, src.records, stored));
    }
  }
  for (const auto& [key, rows] : report->rows_per_source) {
    if (!known.count(key)) report->problems.push_back(fmt::format("{} rows from {}, which no commit names", rows, key));
  }
}

}  // namespace flowdex
