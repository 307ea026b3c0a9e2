// date_histogram: buckets of fixed intervals or calendar units, in a time
// zone, with an offset (date_histogram_rounding.h). A fused path for the
// common case (a plain time column, nothing or one sum/avg under it: flows
// and bytes over time) counts and sums block by block, finding a bucket
// again only when the time leaves the previous one.
#include "query/aggs/bucket_collector.h"
#include "query/aggs/date_histogram_rounding.h"
#include "query/aggs/field_cursor.h"

namespace flowdex {

namespace {

class DateHistogramCollector final : public BucketCollector {
 public:
  DateHistogramCollector(const AggRequest& agg, FieldCursor cursor, DateHistogramRounding rounding)
      : BucketCollector(agg, 0), cursor_(std::move(cursor)), rounding_(std::move(rounding)) {}

  // The fused path applies: a simple time column without hard bounds, on
  // raw rows, with no sub-aggregation or one sum/avg of a plain numeric
  // column. Call after InitSubs.
  Status InitFused(const AggContext& ctx) {
    if (!cursor_.simple() || agg_.hard_min || agg_.hard_max || ctx.doc_count_column >= 0 || subs_.size() > 1) {
      return Status::OK();
    }
    if (!subs_.empty()) {
      Status s = InitFusedMetric(ctx);
      if (!s.ok() || metric_ == nullptr) return s;
    }
    fused_ok_ = true;
    return Status::OK();
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    if (fused_ok_) return CollectFused(rows, slots, n);
    return BucketCollector::Collect(rows, slots, n);
  }

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    if (cursor_.simple() && !agg_.hard_min && !agg_.hard_max) return KeysByBlock(rows, n, keys, owners);
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        const int64_t ms = static_cast<int64_t>(b.values[k]);
        if (agg_.hard_min && ms < *agg_.hard_min) return;
        if (agg_.hard_max && ms > *agg_.hard_max) return;
        keys->push_back(static_cast<uint64_t>(KeyOfTime(ms)));
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override { return static_cast<int64_t>(key); }

 private:
  // The bucket of `ms`. Same bucket as the previous value: no rounding
  // needed (flows come in time order).
  [[gnu::always_inline]] int64_t KeyOfTime(int64_t ms) {
    if (ms < last_lo_ || ms >= last_hi_) {
      last_lo_ = rounding_.Key(ms);
      last_hi_ = rounding_.Next(last_lo_);
    }
    return last_lo_;
  }

  // KeysFor of a simple field: each block looked up once per run of its
  // rows, single-valued blocks in a tight loop.
  Status KeysByBlock(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) {
    keys->reserve(keys->size() + n);
    owners->reserve(owners->size() + n);
    return ForEachBlockRun(cursor_, rows, n, [&](const ColumnBlock* b, size_t at, size_t end) {
      if (b == nullptr) return Status::OK();
      if (b->multi()) {
        for (size_t i = at; i < end; ++i) {
          Status s = cursor_.ForEach(rows[i], [&](const ColumnBlock& vb, size_t k) {
            keys->push_back(static_cast<uint64_t>(KeyOfTime(static_cast<int64_t>(vb.values[k]))));
            owners->push_back(static_cast<uint32_t>(i));
          });
          if (!s.ok()) return s;
        }
        return Status::OK();
      }
      const bool all = b->presence.empty();
      for (size_t i = at; i < end; ++i) {
        const uint32_t k = rows[i] % kRowsPerBlock;
        if (!all && !IsPresent(b->presence, k)) continue;
        keys->push_back(static_cast<uint64_t>(KeyOfTime(static_cast<int64_t>(b->values[k]))));
        owners->push_back(static_cast<uint32_t>(i));
      }
      return Status::OK();
    });
  }

  // Rows go to their bucket's count and sum here, the bucket looked up
  // only when the time or the parent bucket changes (flows come in time
  // order: once per bucket and block, not once per row).
  Status CollectFused(const uint32_t* rows, const uint32_t* slots, size_t n) {
    size_t i = 0;
    while (i < n) {
      const size_t end = BlockRunEnd(rows, i, n);
      const ColumnBlock* times = nullptr;
      const ColumnBlock* values = nullptr;
      Status s = cursor_.BlockOf(rows[i], &times);
      if (s.ok() && metric_ != nullptr) s = value_cursor_.BlockOf(rows[i], &values);
      if (!s.ok()) return s;
      if (times == nullptr) {
        i = end;  // no times: no buckets
        continue;
      }
      if (times->multi() || (values != nullptr && values->multi())) {
        s = BucketCollector::Collect(rows + i, slots + i, end - i);  // arrays: the generic path
        if (!s.ok()) return s;
        fused_slot_ = UINT32_MAX;  // KeyOfTime moved on: find the next row's bucket again
        i = end;
        continue;
      }
      const uint32_t base = rows[i] / kRowsPerBlock * kRowsPerBlock;
      const bool all_times = times->presence.empty();
      for (; i < end; ++i) {
        const uint32_t k = rows[i] - base;
        if (!all_times && !IsPresent(times->presence, k)) continue;
        const int64_t ms = static_cast<int64_t>(times->values[k]);
        if (ms < last_lo_ || ms >= last_hi_ || slots[i] != fused_slot_) {
          fused_bucket_ = table_.Find(slots[i], static_cast<uint64_t>(KeyOfTime(ms)));
          fused_slot_ = slots[i];
        }
        FusedSum& acc = Fused(fused_bucket_);
        ++acc.count;
        if (values != nullptr && values->present(k)) {
          acc.sum += AsDouble(values->type, values->values[k]);
          ++acc.values;
        }
      }
    }
    return Status::OK();
  }

  FieldCursor cursor_;
  DateHistogramRounding rounding_;
  int64_t last_lo_ = 1, last_hi_ = 0;
  bool fused_ok_ = false;
  uint32_t fused_slot_ = UINT32_MAX;  // the parent bucket and bucket of the previous row
  uint32_t fused_bucket_ = 0;
};

}  // namespace

Status MakeDateHistogramCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (!field.known) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  if (field.type != FieldType::kDate) return UnsupportedFieldType(agg, field.type);
  FieldCursor cursor;
  Status s = cursor.Init(*ctx.segment, field, ctx.rows);
  if (!s.ok()) return s;
  if (cursor.parts() == 0) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  DateHistogramRounding rounding;
  s = DateHistogramRounding::Make(agg, &rounding);
  if (!s.ok()) return s;
  auto c = std::make_unique<DateHistogramCollector>(agg, std::move(cursor), std::move(rounding));
  s = c->InitSubs(ctx);
  if (s.ok()) s = c->InitFused(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
