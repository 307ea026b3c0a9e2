// CardinalitySketch: distinct counts for the cardinality aggregation, as
// Elasticsearch computes them: exact (a set of 64-bit hashes) up to the
// precision threshold, then HyperLogLog++ (2^14 registers, about 0.8%
// standard error) with linear counting for small estimates. Values are hashed
// with XXH3 (libxxhash) from their canonical bytes, so the same value gives
// the same hash in every segment.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace flowdex {

class CardinalitySketch {
 public:
  explicit CardinalitySketch(uint64_t precision_threshold);

  static uint64_t Hash(std::string_view bytes);
  static uint64_t HashInteger(uint64_t v);

  void AddHash(uint64_t hash);
  void Merge(const CardinalitySketch& other);
  uint64_t Estimate() const;
  // Bytes held (for the aggregation memory bound).
  uint64_t MemoryUsage() const;

 private:
  static constexpr int kPrecision = 14;
  void ToRegisters();

  uint64_t threshold_;
  std::unordered_set<uint64_t> exact_;
  std::vector<uint8_t> registers_;  // empty while exact
};

}  // namespace flowdex
