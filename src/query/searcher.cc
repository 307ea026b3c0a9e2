#include "query/searcher.h"

#include <algorithm>
#include <cstring>
#include <queue>

#include <fmt/format.h>

#include "flowlog/ecs_writer.h"
#include "ingest/document_id.h"
#include "ingest/document_writer.h"
#include "ingest/flow_columns.h"
#include "ingest/flow_source.h"
#include "query/segment_matcher.h"
#include "store/segment_reader.h"
#include "util/glob.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// A flow segment has the flow bookkeeping columns and no stored _source.
bool IsFlowSegment(const SegmentReader& seg) {
  return seg.FindColumn(kSourceColumn) < 0 && seg.FindColumn(kTimestampColumn) >= 0;
}

// The @timestamp bounds (ms, inclusive) a query imposes on every hit, from
// ranges on @timestamp at its top or among its bool must/filter clauses.
void TimeBounds(const Query& q, int64_t* lo, int64_t* hi) {
  if (q.kind == Query::Kind::kRange && (q.field == "@timestamp" || q.field == "event.end")) {
    int64_t ms;
    auto read = [&](const std::optional<QueryValue>& v) {
      if (!v) return false;
      if (v->kind == QueryValue::Kind::kInteger) return ms = v->integer, true;
      return v->kind == QueryValue::Kind::kString && ParseIsoDate(v->text, &ms);
    };
    if (read(q.gte)) *lo = std::max(*lo, ms);
    if (read(q.gt)) *lo = std::max(*lo, ms);
    if (read(q.lte)) *hi = std::min(*hi, ms);
    if (read(q.lt)) *hi = std::min(*hi, ms);
  } else if (q.kind == Query::Kind::kBool) {
    for (const auto* clauses : {&q.must, &q.filter}) {
      for (const Query& c : *clauses) TimeBounds(c, lo, hi);
    }
  }
}

int Compare(const SortValue& a, const SortValue& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch (a.kind) {
    case SortValue::Kind::kMissing: return 0;
    case SortValue::Kind::kInteger:
      if (a.integer != b.integer) return a.integer < b.integer ? -1 : 1;
      return a.unsigned_integer < b.unsigned_integer ? -1 : a.unsigned_integer > b.unsigned_integer;
    case SortValue::Kind::kDouble: return a.number < b.number ? -1 : a.number > b.number;
    case SortValue::Kind::kString: return a.text.compare(b.text) < 0 ? -1 : a.text != b.text;
  }
  return 0;
}

struct Candidate {
  std::vector<SortValue> sort;
  size_t segment = 0;  // order of the segment in the search
  uint32_t row = 0;
};

// True when `a` comes before `b` in the requested order (ties: index order).
struct Before {
  const std::vector<SortKey>* keys;
  bool operator()(const Candidate& a, const Candidate& b) const {
    for (size_t i = 0; i < keys->size(); ++i) {
      const SortKey& k = (*keys)[i];
      const bool am = a.sort[i].kind == SortValue::Kind::kMissing, bm = b.sort[i].kind == SortValue::Kind::kMissing;
      if (am != bm) return k.missing_first ? am : bm;
      const int c = Compare(a.sort[i], b.sort[i]);
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return a.segment != b.segment ? a.segment < b.segment : a.row < b.row;
  }
};

// Reads one column's values row by row, decoding each block once.
class ValueFetcher {
 public:
  ValueFetcher(const SegmentReader* seg, int column, bool descending)
      : seg_(seg), column_(column), descending_(descending) {
    if (column >= 0 && HasDictionary(seg->meta().columns[column].type)) seg->Dictionary(column, &dict_);
  }
  Status Get(uint32_t row, SortValue* out) {
    *out = SortValue{};
    if (column_ < 0) return Status::OK();
    const size_t b = row / kRowsPerBlock;
    if (b != loaded_) {
      Status s = seg_->ReadBlock(column_, b, &block_);
      if (!s.ok()) return s;
      loaded_ = b;
    }
    const uint32_t i = row % kRowsPerBlock;
    if (!block_.present(i)) return Status::OK();
    // Arrays sort by their smallest value ascending, largest descending.
    const size_t from = block_.multi() ? block_.offsets[i] : i;
    const size_t to = block_.multi() ? block_.offsets[i + 1] : i + 1;
    for (size_t k = from; k < to; ++k) {
      SortValue v;
      switch (block_.type) {
        case ColumnType::kIp: {
          char buf[kMaxIpTextLength];
          v.kind = SortValue::Kind::kString;
          v.text.assign(buf, FormatIpAddress(block_.ips[k], buf));
          break;
        }
        case ColumnType::kKeyword:
        case ColumnType::kText:
          v.kind = SortValue::Kind::kString;
          v.text = (*dict_)[block_.values[k]];
          break;
        case ColumnType::kDouble:
          v.kind = SortValue::Kind::kDouble;
          std::memcpy(&v.number, &block_.values[k], 8);
          break;
        case ColumnType::kInt64:
        case ColumnType::kTimestamp:
          v.kind = SortValue::Kind::kInteger;
          v.integer = static_cast<int64_t>(block_.values[k]);
          break;
        default:
          v.kind = SortValue::Kind::kInteger;
          v.integer = block_.values[k] > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                                          : static_cast<int64_t>(block_.values[k]);
          v.unsigned_integer = block_.values[k];
          break;
      }
      if (k == from || (descending_ ? Compare(v, *out) > 0 : Compare(v, *out) < 0)) *out = std::move(v);
    }
    return Status::OK();
  }

 private:
  const SegmentReader* seg_;
  int column_;
  bool descending_;
  const std::vector<std::string>* dict_ = nullptr;
  ColumnBlock block_;
  size_t loaded_ = SIZE_MAX;
};

}  // namespace

std::vector<std::string> ResolveIndices(const StoreVersion& version, const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const SegmentRef& r : version.segments) {
    if (!out.empty() && out.back() == r.index) continue;
    for (const std::string& p : patterns) {
      if (p == "_all" || GlobMatch(p, r.index)) {
        out.push_back(r.index);
        break;
      }
    }
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status Search(const Store& store, const SearchRequest& request, SearchResponse* response) {
  *response = SearchResponse{};
  const auto version = store.Current();
  const std::vector<std::string> indices = ResolveIndices(*version, request.indices);
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  TimeBounds(request.query, &lo, &hi);

  std::vector<SortKey> keys;
  for (const SortKey& k : request.sort) {
    if (k.field != "_score") keys.push_back(k);  // no scoring yet: every hit scores the same
  }
  if (!keys.empty() && keys.back().field == "_doc") keys.pop_back();
  for (const SortKey& k : keys) {
    if (k.field == "_doc") return Status::InvalidArgument("_doc may only be the last sort key");
  }
  const uint64_t wanted = request.from + request.size;
  Before before{&keys};
  std::priority_queue<Candidate, std::vector<Candidate>, Before> best(before);  // worst on top
  std::vector<std::pair<SegmentRef, std::shared_ptr<SegmentReader>>> segments;
  uint64_t total = 0;
  bool stopped_early = false;
  const uint64_t limit = request.track_total_hits < 0 ? UINT64_MAX : static_cast<uint64_t>(request.track_total_hits);
  for (const SegmentRef& ref : version->segments) {
    if (std::find(indices.begin(), indices.end(), ref.index) == indices.end()) continue;
    if (ref.max_time < lo || ref.min_time > hi) {
      ++response->segments_skipped;
      continue;
    }
    // Index order with enough hits and an exact-enough total: stop early
    // (aggregations need every hit).
    if (keys.empty() && best.size() >= wanted && total >= limit && request.aggs.empty()) {
      stopped_early = true;
      break;
    }
    std::shared_ptr<SegmentReader> seg;
    Status s = store.OpenSegment(ref, &seg);
    if (!s.ok()) return s;
    const FieldCatalog catalog(IsFlowSegment(*seg));
    SegmentMatcher matcher(seg.get(), &catalog);
    Bitmap rows;
    s = matcher.Match(request.query, &rows);
    if (!s.ok()) return s;
    ++response->segments_searched;
    total += roaring_bitmap_get_cardinality(rows.get());
    response->aggs.resize(request.aggs.size());
    for (size_t a = 0; a < request.aggs.size(); ++a) {
      s = CollectAggregation(request.aggs[a], *seg, catalog, reinterpret_cast<const roaring_bitmap_s*>(rows.get()),
                             &response->aggs[a]);
      if (!s.ok()) return s;
    }
    const size_t segment_index = segments.size();
    segments.emplace_back(ref, seg);
    std::vector<ValueFetcher> fetchers;
    for (const SortKey& k : keys) {
      const ResolvedField f = catalog.Resolve(k.field);
      if (f.derivation != ResolvedField::Derivation::kNone || f.columns.size() > 1) {
        return Status::InvalidArgument(fmt::format("sorting on [{}] is not supported", k.field));
      }
      fetchers.emplace_back(seg.get(), f.known ? seg->FindColumn(f.columns[0]) : -1, k.descending);
    }
    roaring_uint32_iterator_t* it = roaring_create_iterator(rows.get());
    for (; it->has_value; roaring_advance_uint32_iterator(it)) {
      Candidate c;
      c.segment = segment_index;
      c.row = it->current_value;
      if (keys.empty() && best.size() >= wanted) break;  // index order: later rows come after
      c.sort.resize(keys.size());
      for (size_t k = 0; k < keys.size() && s.ok(); ++k) s = fetchers[k].Get(c.row, &c.sort[k]);
      if (!s.ok()) break;
      if (best.size() < wanted) {
        best.push(std::move(c));
      } else if (wanted > 0 && before(c, best.top())) {
        best.pop();
        best.push(std::move(c));
      }
    }
    roaring_free_uint32_iterator(it);
    if (!s.ok()) return s;
  }
  response->aggs.resize(request.aggs.size());
  for (size_t a = 0; a < request.aggs.size(); ++a) {
    Status s = CheckBucketLimit(request.aggs[a], response->aggs[a]);
    if (!s.ok()) return s;
  }
  response->total = std::min(total, limit);
  response->total_is_exact = !stopped_early && total <= limit;

  std::vector<Candidate> ordered;
  while (!best.empty()) {
    ordered.push_back(best.top());
    best.pop();
  }
  std::reverse(ordered.begin(), ordered.end());
  if (ordered.size() > request.from) {
    ordered.erase(ordered.begin(), ordered.begin() + static_cast<std::ptrdiff_t>(request.from));
  } else {
    ordered.clear();
  }

  // Fetch ids and sources segment by segment, block by block (each block is
  // decoded once however many hits it holds), then put hits back in order.
  std::vector<size_t> fetch_order(ordered.size());
  for (size_t i = 0; i < fetch_order.size(); ++i) fetch_order[i] = i;
  std::sort(fetch_order.begin(), fetch_order.end(), [&](size_t a, size_t b) {
    return ordered[a].segment != ordered[b].segment ? ordered[a].segment < ordered[b].segment
                                                    : ordered[a].row < ordered[b].row;
  });
  response->hits.resize(ordered.size());
  EcsDocumentWriter ecs({});
  std::unique_ptr<FlowRowDecoder> decoder;
  ColumnBlock ids, sources;
  size_t loaded_segment = SIZE_MAX, loaded_block = SIZE_MAX;
  for (size_t slot : fetch_order) {
    Candidate& c = ordered[slot];
    const auto& [ref, seg] = segments[c.segment];
    SearchHit& hit = response->hits[slot];
    hit.index = ref.index;
    hit.sort = std::move(c.sort);
    const size_t block = c.row / kRowsPerBlock;
    const uint32_t i = c.row % kRowsPerBlock;
    const bool flow = IsFlowSegment(*seg);
    const bool fresh_block = c.segment != loaded_segment || block != loaded_block;
    if (c.segment != loaded_segment) decoder = flow ? std::make_unique<FlowRowDecoder>(seg.get()) : nullptr;
    loaded_segment = c.segment;
    loaded_block = block;
    if (flow) {
      if (fresh_block) {
        Status s = decoder->LoadBlock(block);
        if (!s.ok()) return s;
      }
      FlowRecord record;
      decoder->Rebuild(i, &record);
      hit.id = DocumentIdFor(decoder->SourceKey(i), decoder->LineOffset(i));
      if (request.fetch_source) hit.source = std::string(ecs.Write(record, ""));
    } else {
      const int id_col = seg->FindColumn(kIdColumn), src_col = seg->FindColumn(kSourceColumn);
      const std::vector<std::string>* dict = nullptr;
      Status s = seg->Dictionary(id_col, &dict);
      if (s.ok() && fresh_block) s = seg->ReadBlock(id_col, block, &ids);
      if (s.ok() && fresh_block && request.fetch_source) s = seg->ReadBlock(src_col, block, &sources);
      if (!s.ok()) return s;
      hit.id = (*dict)[ids.values[i]];
      if (request.fetch_source) hit.source = std::string(sources.blob_at(i));
    }
  }
  return Status::OK();
}

}  // namespace flowdex
