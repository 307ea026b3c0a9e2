// top_hits: the best hits of each bucket (by its sort, else index order),
// with their _id and _source.
#include "query/aggs/collector.h"
#include "query/hit_fetcher.h"
#include "query/sort_value_reader.h"
#include "schema/field_catalog.h"

namespace flowdex {

namespace {

class TopHitsCollector final : public Collector {
 public:
  TopHitsCollector(const AggRequest& agg, const AggContext& ctx) : agg_(agg), ctx_(ctx) {
    for (const SortKey& k : agg.sort) {
      const FieldBinding f = ctx.catalog->Resolve(k.field);
      const int col = f.known && f.columns.size() == 1 && f.source != FieldSource::kEnumerated &&
                              f.source != FieldSource::kCommunityId
                          ? ctx.segment->FindColumn(f.columns[0])
                          : -1;
      readers_.emplace_back(ctx.segment, col, k.descending);
    }
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    const uint64_t keep = agg_.from + agg_.size;
    for (size_t i = 0; i < n; ++i) {
      if (slots[i] >= per_slot_.size()) per_slot_.resize(slots[i] + 1);
      Slot& s = per_slot_[slots[i]];
      ++s.total;
      if (keep == 0) continue;
      if (readers_.empty() && s.hits.size() >= keep) continue;  // index order: later rows lose
      AggHit h;
      h.row = rows[i];
      h.segment = ctx_.ordinal;
      h.sort.resize(readers_.size());
      for (size_t k = 0; k < readers_.size(); ++k) {
        Status st = readers_[k].Get(rows[i], &h.sort[k]);
        if (!st.ok()) return st;
      }
      s.hits.push_back(std::move(h));
      if (s.hits.size() > 2 * keep + 64) TrimTopHits(agg_, &s.hits);
    }
    return Status::OK();
  }

  Status Finish(const std::vector<AggResult*>& targets) override {
    HitFetcher fetcher(ctx_.segment, ctx_.inventory);
    for (size_t slot = 0; slot < per_slot_.size() && slot < targets.size(); ++slot) {
      AggResult* r = targets[slot];
      if (r == nullptr) continue;
      Slot& s = per_slot_[slot];
      r->hits_total += s.total;
      TrimTopHits(agg_, &s.hits);
      for (AggHit& h : s.hits) {
        h.index = ctx_.index;
        Status st = fetcher.Fetch(h.row, &h.id, agg_.fetch_source ? &h.source : nullptr);
        if (!st.ok()) return st;
        r->hits.push_back(std::move(h));
      }
      TrimTopHits(agg_, &r->hits);
    }
    return Status::OK();
  }

  uint64_t Memory() const override { return per_slot_.size() * 64; }

 private:
  struct Slot {
    uint64_t total = 0;
    std::vector<AggHit> hits;
  };
  const AggRequest& agg_;
  AggContext ctx_;
  std::vector<SortValueReader> readers_;
  std::vector<Slot> per_slot_;
};

}  // namespace

Status MakeTopHitsCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  *out = std::make_unique<TopHitsCollector>(agg, ctx);
  return Status::OK();
}

}  // namespace flowdex
