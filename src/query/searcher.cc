#include "query/searcher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <queue>
#include <thread>

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <map>
#include <mutex>

#include "query/aggs/field_cursor.h"
#include "query/exec/segment_matcher.h"
#include "query/hit_fetcher.h"
#include "query/plan/lowering.h"
#include "query/plan/rollup_plan.h"
#include "query/search_context.h"
#include "query/sort_value_reader.h"
#include "query/source_filter.h"
#include "schema/field_catalog.h"
#include "schema/flow_index.h"
#include "store/filter_cache.h"
#include "store/index_resolver.h"
#include "store/mapping.h"
#include "store/segment_reader.h"
#include "util/thread_pool.h"

namespace flowdex {

namespace {

// A search_after value as a sort value comparable with `like` (a hit's
// value for the same key): numbers compare as numbers whatever JSON kind.
SortValue AfterValue(const QueryValue& v, bool is_null, const SortValue& like) {
  SortValue out;
  if (is_null) return out;
  switch (v.kind) {
    case QueryValue::Kind::kInteger:
      out.kind = like.kind == SortValue::Kind::kDouble ? SortValue::Kind::kDouble : SortValue::Kind::kInteger;
      out.integer = v.integer;
      out.unsigned_integer = v.integer < 0 ? 0 : static_cast<uint64_t>(v.integer);
      out.number = static_cast<double>(v.integer);
      break;
    case QueryValue::Kind::kDouble:
      if (like.kind == SortValue::Kind::kInteger) {
        out.kind = SortValue::Kind::kInteger;
        out.integer = static_cast<int64_t>(std::floor(v.number));
        out.unsigned_integer = v.number < 0 ? 0 : static_cast<uint64_t>(v.number);
      } else {
        out.kind = SortValue::Kind::kDouble;
        out.number = v.number;
      }
      break;
    case QueryValue::Kind::kBool:
      out.kind = SortValue::Kind::kInteger;
      out.integer = out.unsigned_integer = v.boolean;
      break;
    case QueryValue::Kind::kString: {
      out.kind = SortValue::Kind::kString;
      out.text = v.text;
      IpAddress ip;
      if (like.is_ip && ParseIpAddress(v.text, &ip)) {
        out.is_ip = true;
        out.ip_key = IpSortKey(ip);
      }
      if (like.kind == SortValue::Kind::kInteger) {
        char* end = nullptr;
        const long long n = std::strtoll(v.text.c_str(), &end, 10);
        if (!v.text.empty() && end == v.text.c_str() + v.text.size()) {
          out.kind = SortValue::Kind::kInteger;
          out.integer = n;
          out.unsigned_integer = n < 0 ? 0 : static_cast<uint64_t>(n);
        }
      }
      break;
    }
  }
  return out;
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
      const int c = CompareSortValues(a.sort[i], b.sort[i]);
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return a.segment != b.segment ? a.segment < b.segment : a.row < b.row;
  }
};

// The best candidates so far, worst on top (a binary heap on a vector).
// ReplaceTop swaps a winner in for the worst and hands the worst's storage
// back, so that a stream of candidates allocates nothing once the heap is full.
class CandidateHeap {
 public:
  explicit CandidateHeap(Before before) : before_(before) {}
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  const Candidate& top() const { return v_.front(); }
  void push(Candidate c) {
    v_.push_back(std::move(c));
    std::push_heap(v_.begin(), v_.end(), before_);
  }
  void pop() {
    std::pop_heap(v_.begin(), v_.end(), before_);
    v_.pop_back();
  }
  // Replaces the worst with *c; *c gets the worst (its vectors' capacity reused).
  void ReplaceTop(Candidate* c) {
    std::pop_heap(v_.begin(), v_.end(), before_);
    std::swap(v_.back(), *c);
    std::push_heap(v_.begin(), v_.end(), before_);
  }
  // Takes the worst out.
  Candidate TakeTop() {
    std::pop_heap(v_.begin(), v_.end(), before_);
    Candidate c = std::move(v_.back());
    v_.pop_back();
    return c;
  }

 private:
  Before before_;
  std::vector<Candidate> v_;
};

}  // namespace

// The request's query lowered for each kind of segment it meets: flow
// segments (the flow schema) and the segments of JSON documents of each
// index (its mapping). Lowered once per kind, on first use, under a lock
// (segments run in parallel).
struct SegmentPlan {
  std::shared_ptr<const FieldCatalog> catalog;
  Predicate predicate;
  Status status;
};

class QueryPlans {
 public:
  QueryPlans(const Store& store, const Query& query, int64_t now_ms, const InventoryHistory* inventory)
      : store_(store), query_(query), now_ms_(now_ms), inventory_(inventory) {}

  // The plan for segments of `index`, flow segments or not.
  Status For(const std::string& index, bool flow, const SegmentPlan** out) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = plans_.try_emplace(flow ? std::string() : index);
    SegmentPlan& plan = it->second;
    if (fresh) {
      if (flow) {
        plan.catalog = std::shared_ptr<const FieldCatalog>(&FieldCatalog::Flow(), [](const FieldCatalog*) {});
      } else {
        IndexMapping mapping;
        MappingError error;
        const std::string json = store_.Mapping(index);
        if (!json.empty()) IndexMapping::FromJson(json, &mapping, &error);
        plan.catalog = FieldCatalog::ForMapping(std::move(mapping));
      }
      plan.status = LowerQuery(query_, *plan.catalog, now_ms_, &plan.predicate, flow ? inventory_ : nullptr);
    }
    *out = &plan;
    return plan.status;
  }

 private:
  const Store& store_;
  const Query& query_;
  const int64_t now_ms_;
  const InventoryHistory* inventory_;  // names flows stored without owners (may be null)
  std::mutex mu_;
  std::map<std::string, SegmentPlan> plans_;  // "" for flow segments
};

// The column a sort key reads in a segment of this catalog (-1: none
// here); Unsupported for fields whose values are not a column's.
Status SortColumn(const FieldCatalog& catalog, const SegmentReader& seg, const std::string& field, int* column) {
  *column = -1;
  const FieldBinding f = catalog.Resolve(field);
  if (!f.known) return Status::OK();
  // Addresses and decimal text sort by the column's own order (an address's,
  // a number's), not by their text; event.end by @timestamp.
  const bool by_column = f.source == FieldSource::kColumn || f.source == FieldSource::kAddressText ||
                         f.source == FieldSource::kDecimalText;
  if (!by_column || f.columns.size() != 1) {
    return Status::Unsupported(fmt::format("sorting on [{}] is not supported", field));
  }
  *column = seg.FindColumn(f.columns[0]);
  return Status::OK();
}

std::vector<std::string> ResolveIndices(const StoreVersion& version, const std::vector<std::string>& patterns) {
  IndexResolveOptions options;
  options.ignore_unavailable = true;
  std::vector<std::string> out;
  ResolveIndexExpression(version, patterns, options, &out);  // cannot fail when ignoring the unavailable
  return out;
}

namespace {

// A sort whose first key alone decides, ties going to index order: one
// field, or one field then `_doc` ascending (the tiebreaker a client pages
// with). Its blocks can be pruned by the first key's min/max.
bool PrunableSort(const std::vector<SortKey>& keys) {
  if (keys.empty() || keys[0].field == "_doc" || keys[0].field == "_score") return false;
  return keys.size() == 1 || (keys.size() == 2 && keys[1].field == "_doc" && !keys[1].descending);
}

// One segment's part of a search: its hits counted and aggregated, and its
// best `wanted` candidates in the requested order.
struct SegmentTask {
  SegmentRef ref;
  size_t ordinal = 0;  // place in the search: index order across segments
  std::shared_ptr<SegmentReader> seg;
  uint64_t hits = 0;
  bool terminated = false;
  bool partial = false;  // stopped counting at track_total_hits (the total is a lower bound)
  std::vector<AggResult> aggs;
  std::vector<Candidate> best;
  Status status;
  // The query to run instead of the plan's (rollup plans: a raw segment's
  // edge hours, a rollup segment's inner ones), or nullptr.
  const Predicate* predicate = nullptr;
  bool rollup = false;  // a rollup segment: each row counts _doc_count hits
};

// The worst sort value among `wanted` hits some segment already holds, for a
// single signed integer sort key (a timestamp): rows strictly worse cannot
// be among the best of the whole search, whichever segment they are in.
// Segments publish theirs once their heap is full and prune by everyone's.
struct SharedBound {
  std::atomic<int64_t> descending{INT64_MIN};  // rows below it lose
  std::atomic<int64_t> ascending{INT64_MAX};   // rows above it lose
};

// `counted`: hits counted so far by every segment of the search (lazy
// matching stops counting once they reach track_total_hits); `bound`: see
// SharedBound (nullptr: none).
Status RunSegment(const SearchContext& ctx, const SearchRequest& request, QueryPlans* plans,
                  const std::vector<SortKey>& keys, uint64_t wanted, std::atomic<uint64_t>* counted, SharedBound* bound,
                  SegmentTask* t) {
  Status s = ctx.store().OpenSegment(t->ref, &t->seg);
  if (!s.ok()) return s;
  const SegmentReader* seg = t->seg.get();
  const SegmentPlan* plan = nullptr;
  s = plans->For(t->ref.index, IsFlowSegment(*seg), &plan);
  if (!s.ok()) return s;
  const FieldCatalog& catalog = *plan->catalog;
  const Predicate& predicate = t->predicate != nullptr ? *t->predicate : plan->predicate;
  SegmentMatcher matcher(seg, ctx.filter_cache());
  // One integer sort key (a timestamp, say): once the heap is full, blocks
  // whose min/max cannot beat its worst are skipped whole.
  int prune_column = -1;
  bool prune_signed = false;
  if (PrunableSort(keys)) {
    int col = -1;
    if (!SortColumn(catalog, *seg, keys[0].field, &col).ok()) col = -1;  // reported below
    if (col >= 0 && IsIntegerLike(seg->meta().columns[col].type) && !HasDictionary(seg->meta().columns[col].type)) {
      prune_column = col;
      prune_signed = IsSigned(seg->meta().columns[col].type);
    }
  }
  const bool after = !request.search_after.empty();
  // search_after on a signed pruning key: blocks whose every row sorts
  // strictly before the previous page's last hit were returned already.
  bool after_prunes = false;
  int64_t after_value = 0;
  if (after && prune_column >= 0 && prune_signed && !request.search_after_null[0]) {
    SortValue like;
    like.kind = SortValue::Kind::kInteger;
    const SortValue a = AfterValue(request.search_after[0], false, like);
    after_prunes = a.kind == SortValue::Kind::kInteger;
    after_value = a.integer;
  }
  auto block_returned_already = [&](size_t block) {
    if (!after_prunes) return false;
    const BlockStats& st = seg->meta().columns[prune_column].blocks[block].stats;
    if (st.nulls != 0 || !st.has_values()) return false;  // missing values sort last
    return keys[0].descending ? static_cast<int64_t>(st.min) > after_value : static_cast<int64_t>(st.max) < after_value;
  };
  // Descending on a pruning key, the blocks are visited last first: in
  // time-ordered data the newest come first and fill the heap with winners.
  const bool reverse_blocks = prune_column >= 0 && keys[0].descending;
  // ...and without aggregations the query itself is matched block by block
  // as they are visited: once the heap is full and the total has reached
  // track_total_hits, the remaining blocks that cannot win are never matched
  // (the newest-first view of Discover, with its "10,000+ hits").
  const bool lazy = reverse_blocks && request.aggs.empty() && request.terminate_after == 0 && wanted > 0;
  const uint64_t limit = request.track_total_hits < 0 ? UINT64_MAX : static_cast<uint64_t>(request.track_total_hits);
  Bitmap rows;
  // Rows deleted since the segment was written never match.
  Bitmap deleted;
  if (!t->ref.deleted.empty()) {
    deleted = NewBitmap();
    roaring_bitmap_add_many(deleted.get(), t->ref.deleted.size(), t->ref.deleted.data());
  }
  if (lazy) {
    rows = NewBitmap();
  } else {
    s = matcher.Match(predicate, &rows);
    if (s.ok() && deleted) roaring_bitmap_andnot_inplace(rows.get(), deleted.get());
  }
  if (!s.ok()) return s;
  if (request.terminate_after > 0 && roaring_bitmap_get_cardinality(rows.get()) > request.terminate_after) {
    // Keep the first terminate_after hits of the segment.
    uint32_t last = 0;
    roaring_bitmap_select(rows.get(), static_cast<uint32_t>(request.terminate_after - 1), &last);
    roaring_bitmap_remove_range(rows.get(), uint64_t{last} + 1, uint64_t{UINT32_MAX} + 1);
    t->terminated = true;
  }
  t->hits = roaring_bitmap_get_cardinality(rows.get());
  // Rollup rows stand for _doc_count flows each.
  const int doc_count_column = t->rollup ? seg->FindColumn(kDocCountColumn) : -1;
  if (doc_count_column >= 0) {
    RowWeights weights;
    s = weights.Init(*seg, doc_count_column, rows.get());
    if (!s.ok()) return s;
    t->hits = 0;
    roaring_uint32_iterator_t* it = roaring_create_iterator(rows.get());
    uint32_t batch[256];
    for (uint32_t n; (n = roaring_read_uint32_iterator(it, batch, 256)) > 0;) {
      for (uint32_t i = 0; i < n; ++i) t->hits += weights.At(batch[i]);
    }
    roaring_free_uint32_iterator(it);
    if (!weights.status().ok()) return weights.status();
  }
  if (!request.aggs.empty()) {
    AggContext context;
    context.segment = seg;
    context.catalog = &catalog;
    context.index = t->ref.index;
    context.ordinal = t->ordinal;
    context.now_ms = ctx.now_ms();
    context.filter_cache = ctx.filter_cache();
    context.doc_count_column = doc_count_column;
    context.inventory = request.inventory;
    s = CollectAggregations(request.aggs, context, reinterpret_cast<const roaring_bitmap_s*>(rows.get()), &t->aggs);
    if (!s.ok()) return s;
  }
  if (wanted == 0) return Status::OK();
  std::vector<SortValueReader> fetchers;
  for (const SortKey& k : keys) {
    if (k.field == "_score" || k.field == "_doc") {
      fetchers.emplace_back(seg, -1, k.descending);
      continue;
    }
    int col = -1;
    if (Status st = SortColumn(catalog, *seg, k.field, &col); !st.ok()) return st;
    if (col >= 0 && seg->meta().columns[col].type == ColumnType::kText) {
      return Status::InvalidArgument(fmt::format(
          "Text fields are not optimised for operations that require per-document "
          "field data like aggregations and sorting, so these operations are disabled by default. Please use a "
          "keyword field instead. Alternatively, set fielddata=true on [{}] in order to load field data by "
          "uninverting the inverted index. Note that this can use significant memory.",
          k.field));
    }
    fetchers.emplace_back(seg, col, k.descending);
  }
  Before before{&keys};
  CandidateHeap best(before);  // worst on top
  Candidate last;              // search_after's values, as sort values like this segment's
  auto block_cannot_win = [&](size_t block, bool later) {
    const Candidate& worst = best.top();
    const SortValue& w = worst.sort[0];
    if (w.kind != SortValue::Kind::kInteger) return false;  // the worst is a missing value: anything wins
    const BlockStats& st = seg->meta().columns[prune_column].blocks[block].stats;
    if (!st.has_values()) return !keys[0].missing_first;  // only missing values: they sort last
    // The block's best value (max descending, min ascending) against the worst kept.
    const uint64_t edge = keys[0].descending ? st.max : st.min;
    const __int128 e = prune_signed ? static_cast<__int128>(static_cast<int64_t>(edge)) : static_cast<__int128>(edge);
    const __int128 v =
        w.integer == INT64_MAX ? static_cast<__int128>(w.unsigned_integer) : static_cast<__int128>(w.integer);
    // Ties go to index order: a later block cannot win them, an earlier one can.
    if (later) return keys[0].descending ? e <= v : e >= v;
    return keys[0].descending ? e < v : e > v;
  };
  // Per row, the raw value against the worst kept: strictly worse rows are
  // skipped before any sort value is built (ties go the full way).
  std::shared_ptr<const ColumnBlock> raw;
  size_t raw_block = SIZE_MAX;
  auto value_cannot_win = [&](uint32_t row) {
    const SortValue& w = best.top().sort[0];
    if (w.kind != SortValue::Kind::kInteger) return false;
    const size_t b = row / kRowsPerBlock;
    if (b != raw_block) {
      if (!seg->ReadBlockShared(prune_column, b, &raw).ok()) return false;  // the full path reports it
      raw_block = b;
    }
    const uint32_t i = row % kRowsPerBlock;
    if (raw->multi()) return false;
    if (!raw->present(i)) return !keys[0].missing_first;  // missing sorts last
    const uint64_t bits = raw->values[i];
    const __int128 e = prune_signed ? static_cast<__int128>(static_cast<int64_t>(bits)) : static_cast<__int128>(bits);
    const __int128 v =
        w.integer == INT64_MAX ? static_cast<__int128>(w.unsigned_integer) : static_cast<__int128>(w.integer);
    return keys[0].descending ? e < v : e > v;
  };
  // The search-wide bound (SharedBound): strictly worse loses, ties go on.
  // (With search_after every segment's heap holds only hits after it, so
  // the bound still holds.)
  const bool shared = bound != nullptr && prune_column >= 0 && prune_signed;
  auto bound_value = [&] {
    return keys[0].descending ? bound->descending.load(std::memory_order_relaxed)
                              : bound->ascending.load(std::memory_order_relaxed);
  };
  auto block_loses_everywhere = [&](size_t block) {
    if (!shared) return false;
    const BlockStats& st = seg->meta().columns[prune_column].blocks[block].stats;
    if (!st.has_values()) return false;
    const int64_t edge = static_cast<int64_t>(keys[0].descending ? st.max : st.min);
    return keys[0].descending ? edge < bound_value() : edge > bound_value();
  };
  auto row_loses_everywhere = [&](uint32_t row) {
    if (!shared) return false;
    const size_t b = row / kRowsPerBlock;
    if (b != raw_block) {
      if (!seg->ReadBlockShared(prune_column, b, &raw).ok()) return false;
      raw_block = b;
    }
    const uint32_t i = row % kRowsPerBlock;
    if (raw->multi() || !raw->present(i)) return false;
    const int64_t v = static_cast<int64_t>(raw->values[i]);
    return keys[0].descending ? v < bound_value() : v > bound_value();
  };
  // Once this segment holds `wanted` hits, its worst bounds everyone.
  auto publish = [&] {
    if (!shared || best.size() < wanted) return;
    const SortValue& w = best.top().sort[0];
    if (w.kind != SortValue::Kind::kInteger) return;
    std::atomic<int64_t>& b = keys[0].descending ? bound->descending : bound->ascending;
    int64_t seen = b.load(std::memory_order_relaxed);
    while (keys[0].descending ? w.integer > seen : w.integer < seen) {
      if (b.compare_exchange_weak(seen, w.integer, std::memory_order_relaxed)) break;
    }
  };
  const size_t blocks = (seg->rows() + kRowsPerBlock - 1) / kRowsPerBlock;
  Candidate c;
  // Offers one row to the heap.
  auto consider = [&](uint32_t row) -> Status {
    if (prune_column >= 0 && best.size() >= wanted && value_cannot_win(row)) return Status::OK();
    if (row_loses_everywhere(row)) return Status::OK();
    c.segment = t->ordinal;
    c.row = row;
    c.sort.resize(keys.size());
    for (size_t k = 0; k < keys.size(); ++k) {
      if (keys[k].field == "_score") {
        c.sort[k].kind = SortValue::Kind::kDouble;
        c.sort[k].number = 1.0;
      } else if (keys[k].field == "_doc") {
        c.sort[k].kind = SortValue::Kind::kInteger;
        c.sort[k].integer = static_cast<int64_t>((uint64_t{static_cast<uint32_t>(t->ordinal)} << 32) | c.row);
        c.sort[k].unsigned_integer = static_cast<uint64_t>(c.sort[k].integer);
      } else {
        Status st = fetchers[k].Get(c.row, &c.sort[k]);
        if (!st.ok()) return st;
      }
    }
    // A candidate that cannot enter the full heap costs no more.
    if (best.size() >= wanted && !before(c, best.top())) return Status::OK();
    if (after) {
      // Only hits strictly after the previous page's last one.
      last.segment = SIZE_MAX;
      last.sort.resize(keys.size());
      for (size_t k = 0; k < keys.size(); ++k) {
        last.sort[k] = AfterValue(request.search_after[k], request.search_after_null[k], c.sort[k]);
      }
      if (!before(last, c)) return Status::OK();
    }
    if (best.size() >= wanted) {
      best.ReplaceTop(&c);  // c now holds the dropped worst: its storage is reused
    } else {
      best.push(std::move(c));
      c = Candidate{};
    }
    publish();
    return Status::OK();
  };
  if (reverse_blocks) {
    std::vector<uint32_t> block_rows;
    for (size_t block_at = blocks; block_at-- > 0 && s.ok();) {
      const bool loses = (best.size() >= wanted && block_cannot_win(block_at, false)) ||
                         block_loses_everywhere(block_at) || block_returned_already(block_at);
      const uint64_t lo = uint64_t{block_at} * kRowsPerBlock;
      const uint64_t hi = std::min<uint64_t>(lo + kRowsPerBlock, seg->rows());
      if (lazy) {
        if (loses && counted->load(std::memory_order_relaxed) >= limit) {
          t->partial = true;  // neither its hits nor its count are needed
          continue;
        }
        Bitmap range = NewBitmap();
        roaring_bitmap_add_range(range.get(), lo, hi);
        s = matcher.MatchWithin(predicate, range.get(), &rows);
        if (!s.ok()) break;
        if (deleted) roaring_bitmap_andnot_inplace(rows.get(), deleted.get());
        const uint64_t n = roaring_bitmap_get_cardinality(rows.get());
        t->hits += n;
        counted->fetch_add(n, std::memory_order_relaxed);
      }
      if (loses) continue;
      // The block's rows, last first: in time-ordered data the newest, so
      // that the heap fills with winners and later rows lose cheaply.
      block_rows.resize(roaring_bitmap_range_cardinality(rows.get(), lo, hi));
      if (block_rows.empty()) continue;
      roaring_uint32_iterator_t at;
      roaring_init_iterator(rows.get(), &at);
      roaring_move_uint32_iterator_equalorlarger(&at, static_cast<uint32_t>(lo));
      roaring_read_uint32_iterator(&at, block_rows.data(), static_cast<uint32_t>(block_rows.size()));
      for (auto r = block_rows.rbegin(); r != block_rows.rend() && s.ok(); ++r) s = consider(*r);
    }
  } else {
    roaring_uint32_iterator_t* it = roaring_create_iterator(rows.get());
    while (it->has_value && s.ok()) {
      if (keys.empty() && best.size() >= wanted) break;  // index order: later rows come after
      const uint32_t row = it->current_value;
      if ((prune_column >= 0 && best.size() >= wanted && block_cannot_win(row / kRowsPerBlock, true)) ||
          block_loses_everywhere(row / kRowsPerBlock) || block_returned_already(row / kRowsPerBlock)) {
        roaring_move_uint32_iterator_equalorlarger(it,
                                                   static_cast<uint32_t>((row / kRowsPerBlock + 1) * kRowsPerBlock));
        continue;
      }
      roaring_advance_uint32_iterator(it);
      s = consider(row);
    }
    roaring_free_uint32_iterator(it);
  }
  if (!s.ok()) return s;
  t->best.reserve(best.size());
  while (!best.empty()) t->best.push_back(best.TakeTop());
  return Status::OK();
}

}  // namespace

namespace {

// The search itself, over one version of the store.
Status SearchVersion(const SearchContext& ctx, const SearchRequest& request, SearchResponse* response) {
  const Store& store = ctx.store();
  const std::shared_ptr<const StoreVersion>& version = ctx.version();
  *response = SearchResponse{};
  const std::vector<std::string> indices = ResolveIndices(*version, request.indices);
  // The query lowered for each index's own kind of segments: its errors
  // come before any segment is read, and its time bounds skip segments.
  QueryPlans plans(store, request.query, ctx.now_ms(), request.inventory.get());
  int64_t lo = indices.empty() ? INT64_MIN : INT64_MAX, hi = indices.empty() ? INT64_MAX : INT64_MIN;
  for (const std::string& index : indices) {
    const SegmentPlan* plan = nullptr;
    if (Status s = plans.For(index, index == kFlowIndex, &plan); !s.ok()) return s;
    int64_t plan_lo = INT64_MIN, plan_hi = INT64_MAX;
    ColumnBounds(plan->predicate, kTimestampColumn, &plan_lo, &plan_hi);
    lo = std::min(lo, plan_lo);
    hi = std::max(hi, plan_hi);
  }

  // Every hit scores 1.0 (no relevance scoring yet), so _score keys order
  // nothing; they still give each hit a sort value, as _doc does (its place
  // in the search: segment and row).
  std::vector<SortKey> keys = request.sort;
  if (keys.size() == 1 && keys[0].field == "_score") keys.clear();  // the default order: index order
  const uint64_t wanted = request.from + request.size;
  const uint64_t limit = request.track_total_hits < 0 ? UINT64_MAX : static_cast<uint64_t>(request.track_total_hits);

  // Rollups for the flow index's whole hours, where they give the same answer.
  RollupPlan rollups;
  if (std::find(indices.begin(), indices.end(), kFlowIndex) != indices.end()) {
    const SegmentPlan* plan = nullptr;
    if (Status s = plans.For(std::string(kFlowIndex), true, &plan); !s.ok()) return s;
    PlanRollups(request, plan->predicate, *version, ctx.now_ms(), &rollups);
  }
  auto rolled_up = [&](const SegmentRef& ref) {
    return rollups.spec != nullptr && ref.index == kFlowIndex && ref.rollup_version == kRollupVersion &&
           rollups.partitions.count(ref.partition) > 0;
  };

  std::vector<SegmentTask> tasks;
  for (const SegmentRef& ref : version->segments) {
    if (std::find(indices.begin(), indices.end(), ref.index) == indices.end()) continue;
    if (ref.max_time < lo || ref.min_time > hi) {
      ++response->segments_skipped;
      continue;
    }
    const Predicate* edge = nullptr;
    if (rolled_up(ref)) {
      // Its whole hours are in the rollups; only edge hours are read here.
      if (!rollups.TouchesEdges(ref.min_time, ref.max_time)) continue;
      edge = &rollups.edge;
    }
    tasks.emplace_back();
    tasks.back().ref = ref;
    tasks.back().ordinal = tasks.size() - 1;
    tasks.back().predicate = edge;
  }
  if (rollups.spec != nullptr) {
    const int64_t from = std::max(lo, rollups.inner_lo);
    const int64_t to = rollups.inner_hi == INT64_MAX ? INT64_MAX : std::min(hi, rollups.inner_hi - 1);
    bool hourly_read = false, daily_read = false;
    for (const SegmentRef& ref : version->rollups) {
      if (ref.index != kFlowIndex || ref.rollup_version != kRollupVersion ||
          rollups.partitions.count(ref.partition) == 0 || ref.max_time < from || ref.min_time > to) {
        continue;
      }
      // A partition's hourly or daily rows: the same flows.
      const bool daily = rollups.daily_partitions.count(ref.partition) > 0;
      if (ref.rollup != (daily ? rollups.daily->name : rollups.spec->name)) continue;
      (daily ? daily_read : hourly_read) = true;
      tasks.emplace_back();
      tasks.back().ref = ref;
      tasks.back().ordinal = tasks.size() - 1;
      tasks.back().predicate = &rollups.inner;
      tasks.back().rollup = true;
      ++response->rollup_segments;
    }
    response->rollup = std::string(rollups.spec->name);
    if (daily_read) response->rollup = std::string(rollups.daily->name) + (hourly_read ? "+" + response->rollup : "");
  }

  // Index order without aggregations can stop once it has enough hits and
  // an exact-enough total: segment by segment, in order. Everything else
  // needs every segment: they run in parallel, one per core, and are merged
  // in segment order (so that answers never depend on the timing).
  const bool sequential = keys.empty() && request.aggs.empty();
  std::atomic<uint64_t> counted{0};
  bool stopped_early = false;
  size_t ran = 0;
  if (sequential) {
    uint64_t so_far = 0, best_so_far = 0;
    for (SegmentTask& t : tasks) {
      if (Status s = ctx.Interrupted(); !s.ok()) return s;
      if (ctx.OutOfTime()) {
        response->timed_out = true;  // what was collected so far is the answer
        break;
      }
      if (best_so_far >= wanted && so_far >= limit) {
        stopped_early = true;
        break;
      }
      t.status = RunSegment(ctx, request, &plans, keys, wanted - std::min(best_so_far, wanted), &counted, nullptr, &t);
      if (!t.status.ok()) return t.status;
      so_far += t.hits;
      best_so_far += t.best.size();
      ++ran;
    }
  } else {
    // A single sort key: segments likeliest to hold the winners first (the
    // newest for a descending sort on time), so that the bound they publish
    // lets the others skip what cannot win.
    std::vector<size_t> order(tasks.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (PrunableSort(keys)) {
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return keys[0].descending ? tasks[a].ref.max_time > tasks[b].ref.max_time
                                  : tasks[a].ref.min_time < tasks[b].ref.min_time;
      });
    }
    SharedBound bound;
    std::atomic<size_t> next{0};
    std::atomic<bool> timed_out{false};
    // Aggregations are merged in segment order as soon as every earlier
    // segment is done, so that a search over thousands of segments holds a
    // few segments' buckets at a time, not every segment's until the end.
    std::mutex merge_mu;
    std::vector<char> done(tasks.size(), 0);
    size_t merged = 0;  // tasks[0, merged) are merged into response->aggs
    response->aggs.resize(request.aggs.size());
    auto merge_ready = [&](size_t finished) {
      std::lock_guard<std::mutex> lock(merge_mu);
      done[finished] = 1;
      for (; merged < tasks.size() && done[merged]; ++merged) {
        SegmentTask& t = tasks[merged];
        if (!t.status.ok() || !t.seg) continue;  // failed (the search fails below) or not run
        for (size_t a = 0; a < t.aggs.size() && a < request.aggs.size(); ++a) {
          MergeAggResult(request.aggs[a], std::move(t.aggs[a]), &response->aggs[a]);
        }
        t.aggs = std::vector<AggResult>();  // merged: nothing left to merge below
      }
    };
    auto work = [&] {
      for (size_t i = next.fetch_add(1); i < tasks.size(); i = next.fetch_add(1)) {
        if (!ctx.Interrupted().ok() || timed_out.load()) return;
        if (ctx.OutOfTime()) {
          timed_out.store(true);
          return;
        }
        SegmentTask& task = tasks[order[i]];
        task.status = RunSegment(ctx, request, &plans, keys, wanted, &counted, &bound, &task);
        merge_ready(order[i]);
      }
    };
    // The caller and the shared pool's workers take segments in turn.
    ThreadPool* pool = ThreadPool::Shared();
    const size_t helpers = std::min(pool->size(), tasks.empty() ? size_t{0} : tasks.size() - 1);
    pool->RunOnAll(helpers, work);
    if (Status s = ctx.Interrupted(); !s.ok()) return s;
    response->timed_out = timed_out.load();
    ran = tasks.size();
  }

  // Merge in segment order (aggregations not merged above: segments after
  // one that did not run).
  uint64_t total = 0;
  Before before{&keys};
  std::priority_queue<Candidate, std::vector<Candidate>, Before> best(before);  // worst on top
  std::vector<std::pair<SegmentRef, std::shared_ptr<SegmentReader>>> segments;
  response->aggs.resize(request.aggs.size());
  for (size_t i = 0; i < ran; ++i) {
    SegmentTask& t = tasks[i];
    segments.emplace_back(t.ref, t.seg);
    if (!t.seg) continue;  // not run (timed out)
    if (!t.status.ok()) return t.status;
    ++response->segments_searched;
    total += t.hits;
    stopped_early = stopped_early || t.partial;
    response->terminated_early = response->terminated_early || t.terminated;
    for (size_t a = 0; a < t.aggs.size() && a < request.aggs.size(); ++a) {
      MergeAggResult(request.aggs[a], std::move(t.aggs[a]), &response->aggs[a]);
    }
    for (Candidate& c : t.best) {
      if (best.size() < wanted) {
        best.push(std::move(c));
      } else if (before(c, best.top())) {
        best.pop();
        best.push(std::move(c));
      }
    }
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
  std::unique_ptr<HitFetcher> fetcher;
  size_t fetcher_segment = SIZE_MAX;
  for (size_t slot : fetch_order) {
    Candidate& c = ordered[slot];
    const auto& [ref, seg] = segments[c.segment];
    SearchHit& hit = response->hits[slot];
    hit.index = ref.index;
    hit.segment_id = ref.id;
    hit.row = c.row;
    hit.sort = std::move(c.sort);
    if (c.segment != fetcher_segment) {
      fetcher = std::make_unique<HitFetcher>(seg.get(), request.inventory);
      fetcher_segment = c.segment;
    }
    const bool need_source = request.fetch_source || !request.fields.empty();
    Status s = fetcher->Fetch(c.row, &hit.id, need_source ? &hit.source : nullptr);
    if (!s.ok()) return s;
    if (!request.fields.empty()) hit.fields = ExtractFields(hit.source, request.fields);
    if (request.fetch_source) {
      hit.source = FilterSource(hit.source, request.source_includes, request.source_excludes);
    } else {
      hit.source.clear();
    }
  }
  return Status::OK();
}

// Elasticsearch's breadth_first collect mode for a terms aggregation with
// bucket sub-aggregations (top talkers > their peers, say): depth first,
// every bucket of every sub-aggregation is collected, merged and
// materialised, and all but `size` thrown away; breadth first, the terms
// (with the metrics its order needs) are collected first, exactly, and the
// sub-aggregations then only for the rows of the winning buckets, found by a
// term query on their keys. Same answer, a fraction of the work when the
// field has many more values than `size`.
//
// Splits `agg` into its first pass (*first: the terms with its metric
// sub-aggregations and those its order names) and, for each of its
// sub-aggregations, its index in the first pass (-1: second pass).
// Returns false when the plan does not apply.
bool SplitBreadthFirst(const AggRequest& agg, AggRequest* first, std::vector<int>* first_index) {
  if (agg.type != AggRequest::Type::kTerms || agg.collect_mode == AggRequest::CollectMode::kDepthFirst || agg.missing ||
      agg.min_doc_count == 0 || agg.size > kMaxBuckets) {
    return false;
  }
  // A bucket sub-aggregation the order does not name waits for the second pass.
  auto deferred = [&](const AggRequest& sub) {
    if (!IsBucketAggregation(sub.type)) return false;
    for (const AggRequest::Order& o : agg.order) {
      if (std::string_view(o.by).substr(0, o.by.find_first_of(">.")) == sub.name) return false;
    }
    return true;
  };
  if (std::none_of(agg.subs.begin(), agg.subs.end(), deferred)) return false;
  *first = agg;
  first->subs.clear();
  first_index->assign(agg.subs.size(), -1);
  for (size_t i = 0; i < agg.subs.size(); ++i) {
    if (deferred(agg.subs[i])) continue;
    (*first_index)[i] = static_cast<int>(first->subs.size());
    first->subs.push_back(agg.subs[i]);
  }
  return true;
}

// Puts the second pass's results (`second`: the aggregation with only the
// sub-aggregations the first pass left out, over the winners' rows) into
// the first pass's buckets (*result), in the request's order of
// sub-aggregations.
void GraftSecondPass(const AggRequest& agg, const std::vector<int>& first_index, AggResult&& second,
                     AggResult* result) {
  for (auto& [key, bucket] : result->buckets) {
    std::vector<AggResult> subs(agg.subs.size());
    auto found = second.buckets.find(key);
    size_t second_index = 0;
    for (size_t i = 0; i < agg.subs.size(); ++i) {
      if (first_index[i] >= 0) {
        subs[i] = std::move(bucket.subs[static_cast<size_t>(first_index[i])]);
        continue;
      }
      if (found != second.buckets.end() && second_index < found->second.subs.size()) {
        subs[i] = std::move(found->second.subs[second_index]);
      }
      ++second_index;
    }
    bucket.subs = std::move(subs);
  }
}

// A term query on `field` for `keys`, the bucket keys of `result`
// (addresses and keywords as text, integers).
Query KeysQuery(const std::string& field, const AggResult& result, const std::vector<AggKey>& keys) {
  TermsQuery q;
  q.field = field;
  for (const AggKey& k : keys) {
    if (result.ip_keys) {
      q.values.push_back(QueryValue::String(IpKeyText(k)));
    } else if (const auto* text = std::get_if<std::string>(&k)) {
      q.values.push_back(QueryValue::String(*text));
    } else if (const auto* integer = std::get_if<int64_t>(&k)) {
      q.values.push_back(QueryValue::Integer(*integer));
    }
  }
  return q;
}

// The second pass of a breadth-first plan whose one deferred
// sub-aggregation is itself a terms with bucket sub-aggregations (source >
// destination > port: a three-level Sankey): breadth first again, one level
// down. `second` is the second pass's request: its terms (`parent`, depth
// first, over the rows of its winners) with that sub-aggregation. Pass A
// collects the parent's buckets with the sub's first pass (metrics only)
// and picks each bucket's winners; pass B collects the sub's deferred
// sub-aggregations over the rows of the winning pairs only (parent key and
// one of its winners), and they are grafted in. *done stays false when the
// plan does not apply (the caller then runs `second` depth first);
// *timed_out is set when either pass ran out of time.
Status NestedSecondPass(const SearchContext& ctx, const SearchRequest& second, AggResult* out, bool* done,
                        bool* timed_out) {
  *done = false;
  const AggRequest& parent = second.aggs[0];
  if (parent.subs.size() != 1) return Status::OK();
  const AggRequest& sub = parent.subs[0];
  AggRequest sub_first;
  std::vector<int> sub_index;
  if (!SplitBreadthFirst(sub, &sub_first, &sub_index)) return Status::OK();
  SearchRequest pass_a = second;
  pass_a.aggs[0].subs = {sub_first};
  SearchResponse a;
  Status s = SearchVersion(ctx, pass_a, &a);
  if (!s.ok()) return s;
  *timed_out = *timed_out || a.timed_out;
  AggResult& parents = a.aggs[0];
  if (parents.unfilterable_keys) return Status::OK();
  // Rows of each parent bucket's winning sub keys.
  BoolQuery pairs;
  pairs.minimum_should_match = 1;
  for (auto& [key, bucket] : parents.buckets) {
    if (bucket.subs.empty()) continue;
    const AggResult& children = bucket.subs[0];
    if (children.unfilterable_keys) return Status::OK();
    const std::vector<AggKey> winners = TermsWinners(sub_first, children);
    if (winners.empty()) continue;
    BoolQuery pair;
    pair.filter.push_back(KeysQuery(parent.field, parents, {key}));
    pair.filter.push_back(KeysQuery(sub.field, children, winners));
    pairs.should.push_back(std::move(pair));
  }
  std::vector<AggRequest> deferred;
  for (size_t i = 0; i < sub.subs.size(); ++i) {
    if (sub_index[i] < 0) deferred.push_back(sub.subs[i]);
  }
  AggResult b_result;
  if (!pairs.should.empty()) {
    SearchRequest pass_b = second;
    BoolQuery both;
    both.filter.push_back(second.query);
    both.filter.push_back(std::move(pairs));
    pass_b.query = std::move(both);
    AggRequest inner = sub;
    inner.collect_mode = AggRequest::CollectMode::kDepthFirst;
    inner.order.clear();  // its buckets are not ranked again
    inner.subs = deferred;
    pass_b.aggs[0].subs = {inner};
    SearchResponse b;
    s = SearchVersion(ctx, pass_b, &b);
    if (!s.ok()) return s;
    *timed_out = *timed_out || b.timed_out;
    b_result = std::move(b.aggs[0]);
  }
  for (auto& [key, bucket] : parents.buckets) {
    if (bucket.subs.empty()) continue;
    AggResult grafted;
    auto found = b_result.buckets.find(key);
    if (found != b_result.buckets.end() && !found->second.subs.empty()) grafted = std::move(found->second.subs[0]);
    GraftSecondPass(sub, sub_index, std::move(grafted), &bucket.subs[0]);
  }
  *out = std::move(parents);
  *done = true;
  return Status::OK();
}

}  // namespace

namespace {

// Whether rollups would answer `request`'s aggregations (its hits aside).
bool RollupsAnswerAggs(const SearchContext& ctx, const SearchRequest& request) {
  const std::vector<std::string> indices = ResolveIndices(*ctx.version(), request.indices);
  if (std::find(indices.begin(), indices.end(), kFlowIndex) == indices.end()) return false;
  QueryPlans plans(ctx.store(), request.query, ctx.now_ms(), request.inventory.get());
  const SegmentPlan* plan = nullptr;
  if (!plans.For(std::string(kFlowIndex), true, &plan).ok()) return false;  // the search reports it
  SearchRequest aggs_only = request;
  aggs_only.from = aggs_only.size = 0;
  RollupPlan rollups;
  PlanRollups(aggs_only, plan->predicate, *ctx.version(), ctx.now_ms(), &rollups);
  return rollups.spec != nullptr;
}

// The aggregations (breadth first where planned), the total and the hits.
Status SearchWithAggs(const SearchContext& ctx, const SearchRequest& request, SearchResponse* response) {
  std::vector<size_t> planned;
  std::vector<std::vector<int>> first_index(request.aggs.size());
  std::vector<AggRequest> first_aggs;  // the request's aggregations, planned ones split (once any is)
  if (request.terminate_after == 0) {
    for (size_t a = 0; a < request.aggs.size(); ++a) {
      AggRequest split;
      if (!SplitBreadthFirst(request.aggs[a], &split, &first_index[a])) continue;
      if (first_aggs.empty()) first_aggs = request.aggs;
      first_aggs[a] = std::move(split);
      planned.push_back(a);
    }
  }
  if (planned.empty()) return SearchVersion(ctx, request, response);
  SearchRequest first = request;
  first.aggs = std::move(first_aggs);
  Status s = SearchVersion(ctx, first, response);
  if (!s.ok()) return s;
  for (size_t a : planned) {
    const AggRequest& agg = request.aggs[a];
    AggResult& result = response->aggs[a];
    const std::vector<AggKey> winners = TermsWinners(first.aggs[a], result);  // the first pass's layout of subs
    if (winners.empty()) {
      GraftSecondPass(agg, first_index[a], AggResult{}, &result);
      continue;
    }
    SearchRequest second;
    second.indices = request.indices;
    second.use_rollups = request.use_rollups;
    second.inventory = request.inventory;
    second.size = 0;
    second.track_total_hits = 0;
    second.fetch_source = false;
    second.aggs.push_back(agg);
    second.aggs[0].collect_mode = AggRequest::CollectMode::kDepthFirst;
    second.aggs[0].order.clear();  // its buckets are not ranked again
    second.aggs[0].subs.clear();
    for (size_t i = 0; i < agg.subs.size(); ++i) {
      if (first_index[a][i] < 0) second.aggs[0].subs.push_back(agg.subs[i]);
    }
    if (result.unfilterable_keys || winners.size() == result.buckets.size()) {
      second.query = request.query;  // no key to filter by, or nothing to leave out
    } else {
      BoolQuery both;
      both.filter.push_back(request.query);
      both.filter.push_back(KeysQuery(agg.field, result, winners));
      second.query = std::move(both);
    }
    AggResult second_result;
    bool nested = false;
    s = NestedSecondPass(ctx, second, &second_result, &nested, &response->timed_out);
    if (!s.ok()) return s;
    if (!nested) {
      SearchResponse answer;
      s = SearchVersion(ctx, second, &answer);
      if (!s.ok()) return s;
      response->timed_out = response->timed_out || answer.timed_out;
      second_result = std::move(answer.aggs[0]);
    }
    GraftSecondPass(agg, first_index[a], std::move(second_result), &result);
    s = CheckBucketLimit(agg, result);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// Search, on the calling thread.
// Elasticsearch refuses to sort on a field that no searched index maps
// (unless the sort names an unmapped_type).
Status CheckSortFields(const Store& store, const SearchRequest& request) {
  for (const SortKey& k : request.sort) {
    if (k.unmapped_ok || k.field.empty() || k.field[0] == '_') continue;
    bool known = false;
    const std::vector<std::string> indices = ResolveIndices(*store.Current(), request.indices);
    for (const std::string& index : indices) {
      if (index == kFlowIndex) {
        known = FieldCatalog::Flow().Resolve(k.field).known;
      } else {
        IndexMapping mapping;
        MappingError error;
        const std::string json = store.Mapping(index);
        if (!json.empty()) IndexMapping::FromJson(json, &mapping, &error);
        known = FieldCatalog::ForMapping(std::move(mapping))->Resolve(k.field).known;
      }
      if (known) break;
    }
    if (!known && !indices.empty()) {
      return Status::QueryValue(fmt::format("No mapping found for [{}] in order to sort on", k.field));
    }
  }
  return Status::OK();
}

Status SearchHere(const Store& store, const SearchRequest& request, SearchResponse* response) {
  if (Status s = CheckSortFields(store, request); !s.ok()) return s;
  // Every pass sees the same segments and shares the request's deadline.
  const SearchContext ctx(store, request);
  // A page of hits beside aggregations rollups can answer (Discover's
  // histogram): the hits from raw rows, matched lazily newest first, and
  // the aggregations and total from the rollups.
  if (request.use_rollups && !request.aggs.empty() && request.from + request.size > 0 && request.terminate_after == 0 &&
      RollupsAnswerAggs(ctx, request)) {
    SearchRequest aggs = request;
    aggs.from = aggs.size = 0;
    aggs.sort.clear();
    aggs.search_after.clear();
    aggs.search_after_null.clear();
    Status s = SearchWithAggs(ctx, aggs, response);
    if (!s.ok()) return s;
    SearchRequest hits = request;
    hits.aggs.clear();
    hits.track_total_hits = 0;  // the total came with the aggregations
    SearchResponse page;
    s = SearchVersion(ctx, hits, &page);
    if (!s.ok()) return s;
    response->hits = std::move(page.hits);
    response->timed_out = response->timed_out || page.timed_out;
    response->segments_searched += page.segments_searched;
    return Status::OK();
  }
  return SearchWithAggs(ctx, request, response);
}

}  // namespace

namespace {
// 0 by default: with a pool, top-10 sources by bytes over 20M flows took
// 22-25 ms over HTTP instead of 9 (each pool thread warms its own malloc
// arena and scratch), which costs more than the memory the pool saves.
std::atomic<size_t> g_search_threads{0};
}  // namespace

void SetSearchThreads(size_t threads) { g_search_threads = threads; }

Status FieldsWithValues(const Store& store, const SearchRequest& request,
                        std::map<std::string, std::set<std::string>>* fields) {
  fields->clear();
  const std::shared_ptr<const StoreVersion> version = store.Current();
  QueryPlans plans(store, request.query, request.now_ms, nullptr);
  for (const std::string& index : ResolveIndices(*version, request.indices)) {
    std::set<std::string> present;  // columns with a value in a segment the query's times reach
    bool reached = false;
    const SegmentPlan* plan = nullptr;
    if (Status s = plans.For(index, index == kFlowIndex, &plan); !s.ok()) return s;
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    ColumnBounds(plan->predicate, kTimestampColumn, &lo, &hi);
    for (const SegmentRef& ref : version->segments) {
      // Segments outside the times are not even opened.
      if (ref.index != index || ref.max_time < lo || ref.min_time > hi) continue;
      std::shared_ptr<SegmentReader> seg;
      if (Status s = store.OpenSegment(ref, &seg); !s.ok()) return s;
      reached = true;
      for (const ColumnMeta& column : seg->meta().columns) {
        if (present.count(column.name) > 0) continue;
        if (std::any_of(column.blocks.begin(), column.blocks.end(),
                        [](const BlockMeta& b) { return b.stats.has_values(); })) {
          present.insert(column.name);
        }
      }
    }
    if (!reached) continue;
    std::set<std::string>& out = (*fields)[index];
    for (const std::string& name : plan->catalog->FieldNames()) {
      const FieldBinding f = plan->catalog->Resolve(name);
      if (!f.known) continue;
      // Fields of no column (constants) have their value on every row.
      if (f.columns.empty() ||
          std::any_of(f.columns.begin(), f.columns.end(), [&](const std::string& c) { return present.count(c) > 0; })) {
        out.insert(name);
      }
    }
  }
  return Status::OK();
}

Status Search(const Store& store, const SearchRequest& request, SearchResponse* response) {
  // With SetSearchThreads(n > 0), searches run on n threads of their own,
  // not on the caller's (one of the HTTP server's 32): the scratch buffers
  // each thread keeps for decoding (compressed and raw blocks, a zstd
  // stream) then exist n times, not once per connection thread. More
  // searches at once than threads wait their turn.
  static const size_t threads = g_search_threads.load();
  if (threads == 0) return SearchHere(store, request, response);
  // OpenSSL (document ids) set up on the caller, not on a pool thread: the
  // thread that loads OpenSSL's configuration keeps an error state that
  // only OPENSSL_cleanup, on the thread that exits the process, frees
  // (else LeakSanitizer reports 904 bytes at exit).
  static const bool openssl_ready = OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr) == 1;
  (void)openssl_ready;
  static ThreadPool searchers(threads);
  Status s;
  searchers.Run([&] { s = SearchHere(store, request, response); });
  return s;
}

}  // namespace flowdex
