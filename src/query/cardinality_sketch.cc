#include "query/cardinality_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include <xxhash.h>

namespace flowdex {

CardinalitySketch::CardinalitySketch(uint64_t precision_threshold)
    // Elasticsearch caps the threshold at 40000.
    : threshold_(std::min<uint64_t>(precision_threshold, 40000)) {}

uint64_t CardinalitySketch::Hash(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

uint64_t CardinalitySketch::HashInteger(uint64_t v) { return XXH3_64bits(&v, sizeof v); }

void CardinalitySketch::AddHash(uint64_t hash) {
  if (registers_.empty()) {
    exact_.insert(hash);
    if (exact_.size() > threshold_) ToRegisters();
    return;
  }
  const uint64_t index = hash >> (64 - kPrecision);
  const uint64_t rest = (hash << kPrecision) | (uint64_t{1} << (kPrecision - 1));  // stop bit bounds the run
  const uint8_t rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

void CardinalitySketch::ToRegisters() {
  registers_.assign(size_t{1} << kPrecision, 0);
  std::unordered_set<uint64_t> hashes;
  hashes.swap(exact_);
  for (uint64_t h : hashes) AddHash(h);
}

void CardinalitySketch::Merge(const CardinalitySketch& other) {
  if (other.registers_.empty()) {
    for (uint64_t h : other.exact_) AddHash(h);
    return;
  }
  if (registers_.empty()) ToRegisters();
  for (size_t i = 0; i < registers_.size(); ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

uint64_t CardinalitySketch::Estimate() const {
  if (registers_.empty()) return exact_.size();
  const double m = static_cast<double>(registers_.size());
  double sum = 0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  // Linear counting where it is more accurate (HLL++'s small-range rule).
  if (zeros > 0) {
    const double linear = m * std::log(m / static_cast<double>(zeros));
    if (linear <= 5 * m / 2 || estimate <= 5 * m / 2) estimate = linear;
  }
  return static_cast<uint64_t>(std::llround(estimate));
}

uint64_t CardinalitySketch::MemoryUsage() const { return registers_.size() + exact_.size() * 24; }

}  // namespace flowdex
