#include "query/aggs/bucket_collector.h"

#include <algorithm>

#include "query/aggs/metric_collector.h"

namespace flowdex {

Status BucketCollector::InitSubs(const AggContext& ctx) {
  if (ctx.doc_count_column >= 0) {
    weights_ = std::make_unique<RowWeights>();
    Status s = weights_->Init(*ctx.segment, ctx.doc_count_column, ctx.rows);
    if (!s.ok()) return s;
  }
  for (const AggRequest& sub : agg_.subs) {
    subs_.emplace_back();
    Status s = MakeCollector(sub, ctx, &subs_.back());
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status BucketCollector::Collect(const uint32_t* rows, const uint32_t* slots, size_t n) {
  child_rows_.clear();
  child_slots_.clear();
  keys_.clear();
  owners_.clear();
  Status s = KeysFor(rows, n, &keys_, &owners_);
  if (!s.ok()) return s;
  const bool with_subs = !subs_.empty();
  bool one_per_row = keys_.size() == n;
  for (size_t i = 0; one_per_row && i < n; ++i) one_per_row = owners_[i] == i;
  if (one_per_row && filter_ == nullptr) {
    // One key per row (single-valued fields, every row with a value): no
    // grouping by row, and the sub-aggregations get `rows` itself.
    child_slots_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t b = table_.Find(slots[i], keys_[i]);
      Count(b, rows[i]);
      child_slots_[i] = b;
    }
    for (auto& sub : subs_) {
      s = sub->Collect(rows, child_slots_.data(), n);
      if (!s.ok()) return s;
    }
    return weights_ ? weights_->status() : Status::OK();
  }
  for (size_t j = 0; j < keys_.size();) {
    const uint32_t i = owners_[j];
    size_t end = j + 1;
    while (end < keys_.size() && owners_[end] == i) ++end;
    const size_t row_end = end;
    if (end - j > 1) {
      // A row counts once per distinct bucket (arrays may repeat one).
      std::sort(keys_.begin() + j, keys_.begin() + end);
      end = std::unique(keys_.begin() + j, keys_.begin() + end) - keys_.begin();
    }
    for (size_t k = j; k < end; ++k) {
      const uint32_t b = table_.Find(slots[i], keys_[k]);
      if (!Admits(b)) continue;
      Count(b, rows[i]);
      if (with_subs) {
        child_rows_.push_back(rows[i]);
        child_slots_.push_back(b);
      }
    }
    j = row_end;
  }
  for (auto& sub : subs_) {
    s = sub->Collect(child_rows_.data(), child_slots_.data(), child_rows_.size());
    if (!s.ok()) return s;
  }
  return weights_ ? weights_->status() : Status::OK();
}

Status BucketCollector::InitFusedMetric(const AggContext& ctx) {
  if (subs_.size() != 1) return Status::OK();
  const AggRequest& sub = agg_.subs[0];
  if (!sub.subs.empty() || sub.missing_number ||
      (sub.type != AggRequest::Type::kSum && sub.type != AggRequest::Type::kAvg)) {
    return Status::OK();
  }
  auto* metric = dynamic_cast<MetricCollector*>(subs_[0].get());
  const FieldBinding field = AggField(sub, ctx);
  if (metric == nullptr || !field.IsPlainColumn()) return Status::OK();
  Status s = value_cursor_.Init(*ctx.segment, field, ctx.rows);
  if (!s.ok() || !value_cursor_.simple()) return s;
  const ColumnType type = value_cursor_.type();
  if (HasDictionary(type) || type == ColumnType::kIp) return Status::OK();  // the generic path errs
  metric_ = metric;
  return Status::OK();
}

Status BucketCollector::Finish(const std::vector<AggResult*>& targets) {
  if (counts_.size() < fused_.size()) counts_.resize(fused_.size(), 0);
  for (uint32_t b = 0; b < fused_.size(); ++b) {
    counts_[b] += fused_[b].count;
    if (metric_ != nullptr && fused_[b].values > 0) metric_->AddSums(b, fused_[b].values, fused_[b].sum);
  }
  fused_.clear();
  const bool address = AddressKeys();
  for (AggResult* t : targets) {
    if (t == nullptr) continue;
    if (!RefindableKeys()) t->unfilterable_keys = true;
    if (BooleanKeys()) t->boolean_keys = true;
    if (DateKeys()) t->date_keys = true;
    // A target keyed one way already (never in practice: each gets the
    // buckets of one collector) is re-keyed by text, and so are the keys
    // added to it below.
    if (t->buckets.empty()) {
      t->ip_keys = address;
    } else if (!address) {
      IpKeysToText(t);
    }
  }
  std::vector<std::vector<AggResult*>> sub_targets(subs_.size(), std::vector<AggResult*>(table_.size(), nullptr));
  // The buckets by target, in key order: each target's map then grows at
  // its end (a hinted insertion, amortised constant) instead of being
  // searched once per bucket.
  std::vector<std::pair<AggKey, uint32_t>> keyed;
  keyed.reserve(table_.size());
  for (uint32_t b = 0; b < table_.size(); ++b) {
    const uint32_t slot = table_.slot(b);
    if (slot < targets.size() && targets[slot] != nullptr && Admits(b)) keyed.emplace_back(KeyOf(table_.key(b)), b);
  }
  std::sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    const uint32_t sx = table_.slot(x.second), sy = table_.slot(y.second);
    return sx != sy ? sx < sy : x.first < y.first;
  });
  for (auto& [key, b] : keyed) {
    AggResult* target = targets[table_.slot(b)];
    if (address && !target->ip_keys) key = IpKeyText(key);
    auto& buckets = target->buckets;
    AggBucket& bucket = buckets.empty() || std::prev(buckets.end())->first < key
                            ? buckets.emplace_hint(buckets.end(), std::move(key), AggBucket{})->second
                            : buckets[key];
    bucket.doc_count += counts_[b];
    bucket.subs.resize(subs_.size());
    for (size_t i = 0; i < subs_.size(); ++i) sub_targets[i][b] = &bucket.subs[i];
  }
  for (size_t i = 0; i < subs_.size(); ++i) {
    Status s = subs_[i]->Finish(sub_targets[i]);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

uint64_t BucketCollector::Memory() const {
  uint64_t m = table_.Memory() + counts_.size() * 8 + child_rows_.capacity() * 8 + fused_.size() * sizeof(FusedSum);
  for (const auto& s : subs_) m += s->Memory();
  return m;
}

}  // namespace flowdex
