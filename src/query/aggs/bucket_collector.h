// BucketCollector: what every bucket aggregation shares. A subclass says
// which bucket keys each row falls in (KeysFor) and what a key looks like in
// the response (KeyOf); this class counts rows per (parent bucket, key),
// hands each row on to the sub-aggregations in its bucket, and at the end
// puts the buckets, in key order, into the results of the parent's buckets.
#pragma once

#include <memory>
#include <vector>

#include "query/aggs/bucket_table.h"
#include "query/aggs/collector.h"
#include "query/aggs/field_cursor.h"
#include "query/aggs/term_filter.h"

namespace flowdex {
class MetricCollector;
}  // namespace flowdex

namespace flowdex {

class BucketCollector : public Collector {
 public:
  BucketCollector(const AggRequest& agg, uint64_t dense_space) : agg_(agg), table_(dense_space) {}

  // Builds the sub-aggregations' collectors (and takes the context's weights).
  Status InitSubs(const AggContext& ctx);

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override;
  Status Finish(const std::vector<AggResult*>& targets) override;
  uint64_t Memory() const override;

 protected:
  // Appends the keys of the buckets each of rows[0..n) falls in (none, one
  // or several) to *keys, and for each key the index of its row in `rows`
  // to *owners (a row's keys together, rows in order).
  virtual Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys,
                         std::vector<uint32_t>* owners) = 0;
  // The result key of a key from KeysFor().
  virtual AggKey KeyOf(uint64_t key) const = 0;
  // Whether a term query on the field for any result key finds exactly the
  // rows of its bucket (see AggResult::unfilterable_keys).
  virtual bool RefindableKeys() const { return false; }
  // Whether KeyOf() gives address keys (AggResult::ip_keys).
  virtual bool AddressKeys() const { return false; }
  // Whether the keys are a boolean field's 0 and 1 (AggResult::boolean_keys).
  virtual bool BooleanKeys() const { return false; }
  // Whether the keys are a date field's milliseconds (AggResult::date_keys).
  virtual bool DateKeys() const { return false; }

  // The loop of every KeysFor: keys_of(row) appends that row's keys to
  // *keys; each new key's owner is the row's index.
  template <typename KeysOfRow>
  static Status PerRow(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners,
                       KeysOfRow&& keys_of) {
    for (size_t at = 0; at < n; ++at) {
      Status s = keys_of(rows[at]);
      if (!s.ok()) return s;
      while (owners->size() < keys->size()) owners->push_back(static_cast<uint32_t>(at));
    }
    return Status::OK();
  }

  // Whether bucket `b`'s key passes the terms' include/exclude (filter_,
  // set by collectors that have one): asked once per bucket, then cached.
  // Rows of a bucket that does not are neither counted nor handed down,
  // and it is left out of the result.
  bool Admits(uint32_t b) {
    if (filter_ == nullptr) return true;
    if (b >= admitted_.size()) admitted_.resize(b + 1 + b / 2, 0);
    if (admitted_[b] == 0) admitted_[b] = filter_->Allows(KeyOf(table_.key(b))) ? 1 : 2;
    return admitted_[b] == 1;
  }

  // The fused paths (terms, date_histogram: a bucket's count and sum read
  // together, no hand-down to the sub-aggregation). InitFusedMetric sets
  // metric_ and value_cursor_ when the one sub-aggregation is a sum or avg
  // of a plain numeric column (else leaves metric_ null); call after
  // InitSubs. Finish hands the fused counts and sums on.
  struct FusedSum {       // 16 bytes: a segment has fewer than 2^32 rows
    uint32_t count = 0;   // rows in the bucket
    uint32_t values = 0;  // ...with a value to sum
    double sum = 0;
  };
  Status InitFusedMetric(const AggContext& ctx);
  FusedSum& Fused(uint32_t b) {
    if (b >= fused_.size()) fused_.resize(b + 1 + b / 2);
    return fused_[b];
  }

  // Counts `row` into bucket `b`: one, or on rollup segments its _doc_count.
  [[gnu::always_inline]] void Count(uint32_t b, uint32_t row) {
    if (b >= counts_.size()) counts_.resize(b + 1 + b / 2, 0);
    counts_[b] += weights_ == nullptr ? 1 : weights_->At(row);
  }

  const AggRequest& agg_;
  BucketTable table_;
  std::vector<uint64_t> counts_;
  std::vector<std::unique_ptr<Collector>> subs_;
  std::unique_ptr<RowWeights> weights_;  // rollup segments (AggContext::doc_count_column)
  std::unique_ptr<TermFilter> filter_;   // terms' include/exclude, when it has one
  FieldCursor value_cursor_;             // the fused path's sum/avg field
  MetricCollector* metric_ = nullptr;    // the fused path's sum/avg (owned by subs_), or none
  std::vector<FusedSum> fused_;          // the fused path, per bucket
  std::vector<uint8_t> admitted_;        // per bucket: 0 not asked yet, 1 admitted, 2 not

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> owners_;
  std::vector<uint32_t> child_rows_, child_slots_;
};

}  // namespace flowdex
