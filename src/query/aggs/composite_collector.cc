#include <cmath>
#include <map>

#include "query/aggs/collector.h"
#include "query/aggs/date_histogram_rounding.h"
#include "query/aggs/field_cursor.h"
#include "query/aggs/key_source.h"
#include "query/aggs/metric_collector.h"

namespace flowdex {

bool IsNumericFieldType(FieldType t);

namespace {

using T = AggRequest::Type;

// composite: keys are tuples of the sources' values; only the first `size`
// tuples after `after` (in the sources' order) are kept.
class CompositeCollector final : public Collector {
 public:
  explicit CompositeCollector(const AggRequest& agg) : agg_(agg), tuples_(CompositeOrder{Directions(agg)}) {}

  static std::vector<bool> Directions(const AggRequest& agg) {
    std::vector<bool> d;
    for (const AggRequest& s : agg.sources) d.push_back(!s.order.empty() && s.order[0].descending);
    return d;
  }

  Status Init(const AggContext& ctx) {
    if (ctx.doc_count_column >= 0) {
      weights_ = std::make_unique<RowWeights>();
      Status s = weights_->Init(*ctx.segment, ctx.doc_count_column, ctx.rows);
      if (!s.ok()) return s;
    }
    if (!agg_.after.empty()) {
      Status s = CompositeAfterKey(agg_, ctx.now_ms, &after_key_);
      if (!s.ok()) return s;
      after_ = &after_key_;
    }
    for (const AggRequest& src : agg_.sources) {
      Source s;
      s.agg = &src;
      const FieldBinding field = AggField(src, ctx);
      Status st;
      if (field.known && field.type == FieldType::kText) return UnsupportedFieldType(src, field.type);
      if (src.type == T::kTerms) {
        st = KeySource::Make(field, *ctx.segment, &s.keys, ctx.rows);
      } else if (field.known) {
        if (src.type == T::kDateHistogram ? field.type != FieldType::kDate : !IsNumericFieldType(field.type)) {
          return UnsupportedFieldType(src, field.type);
        }
        st = s.cursor.Init(*ctx.segment, field, ctx.rows);
      }
      if (st.ok() && src.type == T::kDateHistogram) st = DateHistogramRounding::Make(src, &s.rounding);
      if (!st.ok()) return st;
      sources_.push_back(std::move(s));
    }
    for (const AggRequest& sub : agg_.subs) {
      subs_.emplace_back();
      Status s = MakeCollector(sub, ctx, &subs_.back());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  Status Collect(const uint32_t* rows, const uint32_t*, size_t n) override {
    child_rows_.clear();
    child_slots_.clear();
    std::vector<std::vector<AggKey>> per_source(sources_.size());
    for (size_t i = 0; i < n; ++i) {
      bool skip = false;
      for (size_t j = 0; j < sources_.size() && !skip; ++j) {
        Source& src = sources_[j];
        per_source[j].clear();
        Status s;
        if (src.agg->type == T::kTerms) {
          keys_.clear();
          if (src.keys) s = src.keys->Keys(rows[i], &keys_);
          for (uint64_t key : keys_) per_source[j].push_back(src.keys->ResultKey(key));
        } else {
          s = src.cursor.ForEach(rows[i], [&](const ColumnBlock& b, size_t k) {
            if (src.agg->type == T::kDateHistogram) {
              per_source[j].push_back(src.rounding.Key(static_cast<int64_t>(b.values[k])));
            } else {
              const double v = AsDouble(b.type, b.values[k]);
              per_source[j].push_back(std::floor(v / src.agg->interval) * src.agg->interval);
            }
          });
        }
        if (!s.ok()) return s;
        if (per_source[j].empty()) {
          if (!src.agg->missing_bucket) skip = true;  // no value and no null bucket: the row is left out
          per_source[j].push_back(std::monostate{});
        }
        std::sort(per_source[j].begin(), per_source[j].end());
        per_source[j].erase(std::unique(per_source[j].begin(), per_source[j].end()), per_source[j].end());
      }
      if (skip) continue;
      // Every combination of the sources' values.
      std::vector<size_t> pick(sources_.size(), 0);
      while (true) {
        std::vector<AggKey> tuple(sources_.size());
        for (size_t j = 0; j < sources_.size(); ++j) tuple[j] = per_source[j][pick[j]];
        if (after_ == nullptr || tuples_.key_comp()(*after_, tuple)) {
          auto [it, fresh] = tuples_.try_emplace(std::move(tuple), static_cast<uint32_t>(counts_.size()));
          if (fresh) counts_.push_back(0);
          counts_[it->second] += weights_ == nullptr ? 1 : weights_->At(rows[i]);
          if (!subs_.empty()) {
            child_rows_.push_back(rows[i]);
            child_slots_.push_back(it->second);
          }
        }
        size_t j = 0;
        while (j < pick.size() && ++pick[j] == per_source[j].size()) pick[j++] = 0;
        if (j == pick.size()) break;
      }
    }
    if (weights_ && !weights_->status().ok()) return weights_->status();
    // Only the first `size` tuples can be in the page.
    while (tuples_.size() > agg_.size) tuples_.erase(std::prev(tuples_.end()));
    for (auto& sub : subs_) {
      Status s = sub->Collect(child_rows_.data(), child_slots_.data(), child_rows_.size());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  Status Finish(const std::vector<AggResult*>& targets) override {
    AggResult* target = targets.empty() ? nullptr : targets[0];
    std::vector<std::vector<AggResult*>> sub_targets(subs_.size(), std::vector<AggResult*>(counts_.size(), nullptr));
    if (target != nullptr) {
      if (target->composite.empty()) target->composite = decltype(target->composite)(tuples_.key_comp());
      for (const auto& [tuple, local] : tuples_) {
        AggBucket& bucket = target->composite[tuple];
        bucket.doc_count += counts_[local];
        bucket.subs.resize(subs_.size());
        for (size_t i = 0; i < subs_.size(); ++i) sub_targets[i][local] = &bucket.subs[i];
      }
    }
    for (size_t i = 0; i < subs_.size(); ++i) {
      Status s = subs_[i]->Finish(sub_targets[i]);
      if (!s.ok()) return s;
    }
    if (target != nullptr) {
      while (target->composite.size() > agg_.size) target->composite.erase(std::prev(target->composite.end()));
    }
    return Status::OK();
  }

  uint64_t Memory() const override {
    uint64_t m = tuples_.size() * 96 + counts_.size() * 8;
    for (const auto& s : subs_) m += s->Memory();
    return m;
  }

 private:
  struct Source {
    const AggRequest* agg = nullptr;
    std::unique_ptr<KeySource> keys;  // terms sources
    FieldCursor cursor;               // histogram sources
    DateHistogramRounding rounding;
  };
  const AggRequest& agg_;
  std::vector<AggKey> after_key_;
  const std::vector<AggKey>* after_ = nullptr;
  std::vector<Source> sources_;
  std::map<std::vector<AggKey>, uint32_t, CompositeOrder> tuples_;
  std::vector<uint64_t> counts_;
  std::vector<uint32_t> child_rows_, child_slots_;
  std::vector<std::unique_ptr<Collector>> subs_;
  std::vector<uint64_t> keys_;
  std::unique_ptr<RowWeights> weights_;  // rollup segments (AggContext::doc_count_column)
};

}  // namespace

Status MakeCompositeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  auto c = std::make_unique<CompositeCollector>(agg);
  Status s = c->Init(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
