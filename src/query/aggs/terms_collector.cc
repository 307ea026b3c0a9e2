// terms: a bucket per value of a field (stored or derived), with `missing`
// for rows without one. Fast paths for plain one-column fields: a terms
// with one sum or avg under it reads keys and values block by block, fused;
// otherwise single-valued blocks go straight to their buckets.
#include <algorithm>

#include "query/aggs/bucket_collector.h"
#include "query/aggs/key_source.h"
#include "query/aggs/metric_collector.h"

namespace flowdex {

namespace {

using T = AggRequest::Type;

class TermsCollector final : public BucketCollector {
 public:
  static constexpr uint64_t kMissingKey = UINT64_MAX;

  // `keys` null: no value here (with `missing`, every row is missing).
  TermsCollector(const AggRequest& agg, std::unique_ptr<KeySource> keys)
      : BucketCollector(agg, keys ? keys->DenseSpace() : 1), keys_(std::move(keys)) {
    if (keys_) plain_ = keys_->plain();
    auto filter = std::make_unique<TermFilter>(agg, AddressKeys());
    if (filter->active()) filter_ = std::move(filter);
  }

  // Terms with one sum or avg under it (top talkers by bytes, say), both on
  // plain one-column fields. Call after InitSubs.
  Status InitFused(const AggContext& ctx) {
    // (Rollup rows count _doc_count each: the generic path weighs them.)
    if (plain_.cursor == nullptr || agg_.missing || ctx.doc_count_column >= 0) return Status::OK();
    return InitFusedMetric(ctx);
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    if (metric_ != nullptr) return CollectFused(rows, slots, n);
    if (plain_.cursor != nullptr && !agg_.missing) return CollectSingleValued(rows, slots, n);
    return BucketCollector::Collect(rows, slots, n);
  }

  // min_doc_count 0: every term of the field in the segment, matched or
  // not, gets a bucket in each parent bucket (`all` reads the whole
  // segment, not the selection).
  void SetAllKeys(std::unique_ptr<KeySource> all, uint64_t rows) {
    all_keys_ = std::move(all);
    segment_rows_ = rows;
  }

  Status Finish(const std::vector<AggResult*>& targets) override {
    if (all_keys_ != nullptr) {
      std::vector<uint64_t> keys;
      for (uint32_t row = 0; row < segment_rows_; ++row) {
        if (Status s = all_keys_->Keys(row, &keys); !s.ok()) return s;
        if (keys.size() > 65536 * 4) {  // dedupe as it grows: a field's distinct terms, not its rows
          std::sort(keys.begin(), keys.end());
          keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        }
      }
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (uint32_t slot = 0; slot < targets.size(); ++slot) {
        if (targets[slot] == nullptr) continue;
        for (uint64_t k : keys) table_.Find(slot, k);
      }
      if (counts_.size() < table_.size()) counts_.resize(table_.size(), 0);
    }
    return BucketCollector::Finish(targets);
  }

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      const size_t before = keys->size();
      Status s = keys_ ? keys_->Keys(row, keys) : Status::OK();
      if (keys->size() == before && agg_.missing) keys->push_back(kMissingKey);
      return s;
    });
  }
  bool AddressKeys() const override { return keys_ && keys_->AddressKeys() && !agg_.missing; }
  bool BooleanKeys() const override { return keys_ && keys_->BooleanKeys() && !agg_.missing; }
  bool DateKeys() const override { return keys_ && keys_->DateKeys() && !agg_.missing; }
  bool RefindableKeys() const override { return keys_ && keys_->Refindable() && !agg_.missing; }
  AggKey KeyOf(uint64_t key) const override {
    if (key == kMissingKey) {
      const QueryValue& m = *agg_.missing;
      switch (m.kind) {
        case QueryValue::Kind::kString: return m.text;
        case QueryValue::Kind::kInteger: return m.integer;
        case QueryValue::Kind::kDouble: return m.number;
        case QueryValue::Kind::kBool: return int64_t{m.boolean};
      }
    }
    if (AddressKeys()) return keys_->AddressKey(key);
    return keys_->ResultKey(key);
  }

 private:
  // Keys and the summed values read together, block by block, with no
  // per-row handing down.
  Status CollectFused(const uint32_t* rows, const uint32_t* slots, size_t n) {
    size_t i = 0;
    while (i < n) {
      const uint32_t block = rows[i] / kRowsPerBlock;
      const size_t end = BlockRunEnd(rows, i, n);
      const ColumnBlock* keys = nullptr;
      const ColumnBlock* values = nullptr;
      Status s = plain_.cursor->BlockOf(rows[i], &keys);
      if (s.ok()) s = value_cursor_.BlockOf(rows[i], &values);
      if (!s.ok()) return s;
      if (keys == nullptr) {
        i = end;  // no keys: no buckets
        continue;
      }
      if (keys->multi() || (values != nullptr && values->multi())) {
        s = BucketCollector::Collect(rows + i, slots + i, end - i);  // arrays: the generic path
        if (!s.ok()) return s;
        i = end;
        continue;
      }
      const uint32_t base = block * kRowsPerBlock;
      for (; i < end; ++i) {
        const uint32_t k = rows[i] - base;
        if (!keys->present(k)) continue;
        const uint32_t b = table_.Find(slots[i], plain_.values->KeyOf(*keys, k));
        if (filter_ != nullptr && !Admits(b)) continue;
        // Count, sum and values side by side in one line of memory; handed
        // to the bucket counts and the metric at the end.
        FusedSum& acc = Fused(b);
        ++acc.count;
        if (values != nullptr && values->present(k)) {
          acc.sum += AsDouble(values->type, values->values[k]);
          ++acc.values;
        }
      }
    }
    return Status::OK();
  }

  // One-column fields: blocks of one value per row go straight to their
  // buckets (and the rows on to the sub-aggregations), without the generic
  // path's per-row key lists; arrays take that path.
  Status CollectSingleValued(const uint32_t* rows, const uint32_t* slots, size_t n) {
    size_t i = 0;
    while (i < n) {
      const uint32_t block = rows[i] / kRowsPerBlock;
      const size_t end = BlockRunEnd(rows, i, n);
      const ColumnBlock* keys = nullptr;
      Status s = plain_.cursor->BlockOf(rows[i], &keys);
      if (!s.ok()) return s;
      if (keys != nullptr && keys->multi()) {
        s = BucketCollector::Collect(rows + i, slots + i, end - i);
        if (!s.ok()) return s;
        i = end;
        continue;
      }
      if (keys != nullptr) {
        const uint32_t base = block * kRowsPerBlock;
        const bool with_subs = !subs_.empty();
        routed_rows_.clear();
        routed_slots_.clear();
        for (size_t j = i; j < end; ++j) {
          const uint32_t k = rows[j] - base;
          if (!keys->present(k)) continue;
          const uint32_t b = table_.Find(slots[j], plain_.values->KeyOf(*keys, k));
          if (filter_ != nullptr && !Admits(b)) continue;
          Count(b, rows[j]);
          if (with_subs) {
            routed_rows_.push_back(rows[j]);
            routed_slots_.push_back(b);
          }
        }
        for (auto& sub : subs_) {
          s = sub->Collect(routed_rows_.data(), routed_slots_.data(), routed_rows_.size());
          if (!s.ok()) return s;
        }
      }
      i = end;
    }
    return weights_ ? weights_->status() : Status::OK();
  }

  std::unique_ptr<KeySource> keys_;
  std::unique_ptr<KeySource> all_keys_;  // min_doc_count 0 (see SetAllKeys)
  uint64_t segment_rows_ = 0;
  KeySource::Plain plain_{nullptr, nullptr};
  std::vector<uint32_t> routed_rows_, routed_slots_;  // CollectSingleValued's rows for the sub-aggregations
};

}  // namespace

Status MakeTermsCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (field.known && (field.type == FieldType::kText || field.type == FieldType::kGeoPoint)) {
    return UnsupportedFieldType(agg, field.type);
  }
  std::unique_ptr<KeySource> keys;
  Status s = KeySource::Make(field, *ctx.segment, &keys, ctx.rows, ctx.inventory.get());
  if (!s.ok()) return s;
  if (!keys && !agg.missing) {
    *out = std::make_unique<EmptyCollector>();  // nothing to read here
    return Status::OK();
  }
  auto terms = std::make_unique<TermsCollector>(agg, std::move(keys));
  if (agg.min_doc_count == 0 && !agg.missing) {
    std::unique_ptr<KeySource> all;
    s = KeySource::Make(field, *ctx.segment, &all, nullptr, ctx.inventory.get());
    if (!s.ok()) return s;
    if (all) terms->SetAllKeys(std::move(all), ctx.segment->rows());
  }
  s = terms->InitSubs(ctx);
  if (s.ok()) s = terms->InitFused(ctx);
  *out = std::move(terms);
  return s;
}

}  // namespace flowdex
