// filter and filters: a bucket per query (filters by name, or by position
// when given as an array), each matched once per segment.
#include <roaring/roaring.h>

#include "query/aggs/bucket_collector.h"
#include "query/exec/segment_matcher.h"
#include "query/plan/lowering.h"
#include "schema/field_catalog.h"

namespace flowdex {

namespace {

class FiltersCollector final : public BucketCollector {
 public:
  explicit FiltersCollector(const AggRequest& agg) : BucketCollector(agg, agg.filters.size() + 1) {}

  Status Init(const AggContext& ctx) {
    SegmentMatcher matcher(ctx.segment, ctx.filter_cache);
    for (const auto& f : agg_.filters) {
      Predicate predicate;
      Status s = LowerQuery(f.second, *ctx.catalog, ctx.now_ms, &predicate,
                            ctx.catalog->flow() ? ctx.inventory.get() : nullptr);
      if (!s.ok()) return s;
      matches_.emplace_back();
      s = matcher.Match(predicate, &matches_.back());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    const bool other = !agg_.other_bucket_key.empty();
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      const size_t before = keys->size();
      for (size_t i = 0; i < matches_.size(); ++i) {
        if (roaring_bitmap_contains(matches_[i].get(), row)) keys->push_back(i);
      }
      if (other && keys->size() == before) keys->push_back(matches_.size());  // no filter matched
      return Status::OK();
    });
  }
  AggKey KeyOf(uint64_t key) const override {
    return key < agg_.filters.size() ? agg_.filters[key].first : agg_.other_bucket_key;
  }

 private:
  std::vector<Bitmap> matches_;
};

}  // namespace

Status MakeFiltersCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  auto c = std::make_unique<FiltersCollector>(agg);
  Status s = c->Init(ctx);
  if (s.ok()) s = c->InitSubs(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
