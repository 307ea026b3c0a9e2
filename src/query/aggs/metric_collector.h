// MetricCollector: sum, avg, min, max, value_count, stats, extended_stats,
// cardinality and percentiles of one field, per parent bucket.
#pragma once

#include <memory>
#include <vector>

#include "query/aggs/collector.h"
#include "query/aggs/field_cursor.h"
#include "query/aggs/key_source.h"

namespace flowdex {

class CardinalitySketch;

class MetricCollector final : public Collector {
 public:
  // Numeric metrics read `cursor`; cardinality and value_count of a
  // derived field count its keys (`keys`, when set) instead.
  MetricCollector(const AggRequest& agg, FieldCursor cursor, std::unique_ptr<KeySource> keys);

  // `count` values summing to `sum` for bucket `slot` (the fused terms path).
  void AddSums(uint32_t slot, uint64_t count, double sum);

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override;
  Status Finish(const std::vector<AggResult*>& targets) override;
  uint64_t Memory() const override;

 private:
  struct State {
    uint64_t count = 0;
    double sum = 0, sum_of_squares = 0, min = 0, max = 0;
    std::vector<double> values;
    std::shared_ptr<CardinalitySketch> sketch;
  };
  uint64_t HashOf(const ColumnBlock& b, size_t k) const;
  // Adds entry k of `b` to the sketch of `slot` (cardinality).
  void AddToSketch(State& st, uint32_t slot, const ColumnBlock& b, size_t k);
  Status CollectKeys(const uint32_t* rows, const uint32_t* slots, size_t n);
  // Sums of a simple field: each block looked up once per run of its rows.
  Status CollectSumsByBlock(const uint32_t* rows, const uint32_t* slots, size_t n);
  // Any numeric metric with AggRequest::missing_number.
  Status CollectWithMissing(const uint32_t* rows, const uint32_t* slots, size_t n);
  // Cardinality of an 8- or 16-bit simple column (see the .cc).
  Status CollectSmallDistinct(const uint32_t* rows, const uint32_t* slots, size_t n);
  static constexpr uint32_t kSmallDistinctSlots = 64;

  const AggRequest& agg_;
  FieldCursor cursor_;
  std::unique_ptr<KeySource> keys_;  // derived fields: their keys
  std::vector<uint64_t> dict_hashes_;
  std::vector<State> states_;
  std::vector<uint64_t> row_keys_;
  // Cardinality: (slot, raw value) pairs added lately, direct-mapped. Adding
  // a value to a sketch again changes nothing, and flows repeat their
  // addresses and ports, so most rows skip the hash and the sketch.
  struct Seen {
    uint64_t value = 0;
    uint32_t slot = UINT32_MAX;
  };
  std::vector<Seen> seen_;
  std::vector<std::vector<uint64_t>> small_seen_;  // CollectSmallDistinct: per bucket, values seen
};

// Double value of a stored number's bits (doubles, signed and unsigned integers).
double AsDouble(ColumnType type, uint64_t bits);

}  // namespace flowdex
