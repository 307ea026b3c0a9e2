#include "query/aggs/metric_collector.h"

#include <fmt/format.h>

#include <cstring>

#include "query/cardinality_sketch.h"

namespace flowdex {

using T = AggRequest::Type;

double AsDouble(ColumnType type, uint64_t bits) {
  if (type == ColumnType::kDouble) {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  return IsSigned(type) ? static_cast<double>(static_cast<int64_t>(bits)) : static_cast<double>(bits);
}

MetricCollector::MetricCollector(const AggRequest& agg, FieldCursor cursor, std::unique_ptr<KeySource> keys)
    : agg_(agg), cursor_(std::move(cursor)), keys_(std::move(keys)) {
  if (const auto* dict = cursor_.dictionary(); dict && agg.type == T::kCardinality && !keys_) {
    dict_hashes_.resize(dict->size());
    for (size_t i = 0; i < dict->size(); ++i) dict_hashes_[i] = CardinalitySketch::Hash((*dict)[i]);
  }
}

void MetricCollector::AddSums(uint32_t slot, uint64_t count, double sum) {
  if (slot >= states_.size()) states_.resize(slot + 1);
  states_[slot].count += count;
  states_[slot].sum += sum;
}

uint64_t MetricCollector::HashOf(const ColumnBlock& b, size_t k) const {
  if (!dict_hashes_.empty()) return dict_hashes_[b.values[k]];
  if (b.type == ColumnType::kIp) {
    const std::array<uint8_t, 16> key = IpSortKey(b.ip(k));
    return CardinalitySketch::Hash(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  }
  return CardinalitySketch::HashInteger(b.values[k]);
}

void MetricCollector::AddToSketch(State& st, uint32_t slot, const ColumnBlock& b, size_t k) {
  if (!st.sketch) st.sketch = std::make_shared<CardinalitySketch>(agg_.precision_threshold);
  // The entry's raw value (IPv4 tagged; IPv6 entries are not cached).
  uint64_t value = 0;
  if (b.type != ColumnType::kIp) {
    value = b.values[k];
  } else if (!b.is_v6(k)) {
    value = (uint64_t{1} << 32) | b.v4[k];
  } else {
    st.sketch->AddHash(HashOf(b, k));
    return;
  }
  constexpr int kSeenBits = 12;
  if (seen_.empty()) seen_.resize(size_t{1} << kSeenBits);
  Seen& e = seen_[((value ^ (uint64_t{slot} << 40)) * 0x9E3779B97F4A7C15ull) >> (64 - kSeenBits)];
  if (e.slot == slot && e.value == value) return;
  e.slot = slot;
  e.value = value;
  st.sketch->AddHash(HashOf(b, k));
}

// value_count and cardinality of a derived field: its keys, by their text.
Status MetricCollector::CollectKeys(const uint32_t* rows, const uint32_t* slots, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (slots[i] >= states_.size()) states_.resize(slots[i] + 1);
    State& st = states_[slots[i]];
    row_keys_.clear();
    Status s = keys_->Keys(rows[i], &row_keys_);
    if (!s.ok()) return s;
    for (uint64_t key : row_keys_) {
      ++st.count;
      if (agg_.type != T::kCardinality) continue;
      if (!st.sketch) st.sketch = std::make_shared<CardinalitySketch>(agg_.precision_threshold);
      const AggKey shown = keys_->ResultKey(key);
      const auto* text = std::get_if<std::string>(&shown);
      st.sketch->AddHash(text ? CardinalitySketch::Hash(*text)
                              : CardinalitySketch::HashInteger(static_cast<uint64_t>(std::get<int64_t>(shown))));
    }
  }
  return Status::OK();
}

Status MetricCollector::CollectSumsByBlock(const uint32_t* rows, const uint32_t* slots, size_t n) {
  return ForEachBlockRun(cursor_, rows, n, [&](const ColumnBlock* b, size_t at, size_t end) {
    if (b == nullptr) return Status::OK();
    if (b->multi()) {
      for (size_t i = at; i < end; ++i) {
        if (slots[i] >= states_.size()) states_.resize(slots[i] + 1 + slots[i] / 2);
        State& st = states_[slots[i]];
        Status s = cursor_.ForEach(rows[i], [&](const ColumnBlock& vb, size_t k) {
          ++st.count;
          st.sum += AsDouble(vb.type, vb.values[k]);
        });
        if (!s.ok()) return s;
      }
      return Status::OK();
    }
    // One value per row: the loop tests nothing but presence.
    const ColumnType type = b->type;
    const bool all = b->presence.empty();
    for (size_t i = at; i < end; ++i) {
      const uint32_t k = rows[i] % kRowsPerBlock;
      if (!all && !IsPresent(b->presence, k)) continue;
      if (slots[i] >= states_.size()) states_.resize(slots[i] + 1 + slots[i] / 2);
      State& st = states_[slots[i]];
      ++st.count;
      st.sum += AsDouble(type, b->values[k]);
    }
    return Status::OK();
  });
}

Status MetricCollector::Collect(const uint32_t* rows, const uint32_t* slots, size_t n) {
  if (keys_) return CollectKeys(rows, slots, n);
  if (agg_.missing_number) return CollectWithMissing(rows, slots, n);
  if (agg_.type == T::kCardinality && cursor_.simple() && dict_hashes_.empty() &&
      (cursor_.type() == ColumnType::kUInt8 || cursor_.type() == ColumnType::kUInt16)) {
    return CollectSmallDistinct(rows, slots, n);
  }
  if (agg_.type == T::kSum || agg_.type == T::kAvg) {
    // The common metric under terms and histograms: only count and sum.
    if (cursor_.simple()) return CollectSumsByBlock(rows, slots, n);
    for (size_t i = 0; i < n; ++i) {
      if (slots[i] >= states_.size()) states_.resize(slots[i] + 1 + slots[i] / 2);
      State& st = states_[slots[i]];
      Status s = cursor_.ForEach(rows[i], [&](const ColumnBlock& b, size_t k) {
        ++st.count;
        st.sum += AsDouble(b.type, b.values[k]);
      });
      if (!s.ok()) return s;
    }
    return Status::OK();
  }
  const bool numeric = agg_.type != T::kValueCount && agg_.type != T::kCardinality;
  for (size_t i = 0; i < n; ++i) {
    if (slots[i] >= states_.size()) states_.resize(slots[i] + 1);
    State& st = states_[slots[i]];
    Status s = cursor_.ForEach(rows[i], [&](const ColumnBlock& b, size_t k) {
      ++st.count;
      if (agg_.type == T::kCardinality) {
        AddToSketch(st, slots[i], b, k);
        return;
      }
      if (!numeric) return;
      const double d = AsDouble(b.type, b.values[k]);
      if (st.count == 1 || d < st.min) st.min = d;
      if (st.count == 1 || d > st.max) st.max = d;
      st.sum += d;
      st.sum_of_squares += d * d;
      if (agg_.type == T::kPercentiles) st.values.push_back(d);
    });
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// Numeric metrics with "missing": a row without a value counts as that value.
Status MetricCollector::CollectWithMissing(const uint32_t* rows, const uint32_t* slots, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (slots[i] >= states_.size()) states_.resize(slots[i] + 1);
    State& st = states_[slots[i]];
    auto add = [&](double d) {
      ++st.count;
      if (st.count == 1 || d < st.min) st.min = d;
      if (st.count == 1 || d > st.max) st.max = d;
      st.sum += d;
      st.sum_of_squares += d * d;
      if (agg_.type == T::kPercentiles) st.values.push_back(d);
    };
    bool any = false;
    Status s = cursor_.ForEach(rows[i], [&](const ColumnBlock& b, size_t k) {
      any = true;
      add(AsDouble(b.type, b.values[k]));
    });
    if (!s.ok()) return s;
    if (!any) add(*agg_.missing_number);
  }
  return Status::OK();
}

Status MetricCollector::Finish(const std::vector<AggResult*>& targets) {
  for (size_t slot = 0; slot < states_.size() && slot < targets.size(); ++slot) {
    AggResult* r = targets[slot];
    const State& st = states_[slot];
    if (r == nullptr || st.count == 0) continue;
    r->dates |= !keys_ && cursor_.type() == ColumnType::kTimestamp;
    if (r->count == 0 || st.min < r->min) r->min = st.min;
    if (r->count == 0 || st.max > r->max) r->max = st.max;
    r->count += st.count;
    r->sum += st.sum;
    r->sum_of_squares += st.sum_of_squares;
    r->values.insert(r->values.end(), st.values.begin(), st.values.end());
    if (st.sketch) {
      if (!r->cardinality) {
        r->cardinality = st.sketch;
      } else {
        r->cardinality->Merge(*st.sketch);
      }
    }
  }
  return Status::OK();
}

// Cardinality of an 8- or 16-bit column (ports, protocols): each bucket's
// values seen so far as a bitmap of the whole domain, so a row costs a bit
// test and only a value's first sight is hashed into the sketch. The first
// kSmallDistinctSlots buckets get one (8 KB each); others the general path.
Status MetricCollector::CollectSmallDistinct(const uint32_t* rows, const uint32_t* slots, size_t n) {
  uint32_t slot = UINT32_MAX;  // the bucket of the rows before: its state and bitmap
  State* st = nullptr;
  uint64_t* bits = nullptr;
  auto select = [&](uint32_t s) {
    if (s >= states_.size()) states_.resize(s + 1 + s / 2);
    st = &states_[s];
    bits = nullptr;
    if (s < kSmallDistinctSlots) {
      if (s >= small_seen_.size()) small_seen_.resize(s + 1);
      if (small_seen_[s].empty()) small_seen_[s].assign(65536 / 64, 0);
      bits = small_seen_[s].data();
    }
    slot = s;
  };
  auto add = [&](const ColumnBlock& b, size_t k) {
    ++st->count;
    if (bits == nullptr) return AddToSketch(*st, slot, b, k);
    const uint64_t v = b.values[k] & 0xFFFF;
    const uint64_t bit = uint64_t{1} << (v & 63);
    if (bits[v >> 6] & bit) return;
    bits[v >> 6] |= bit;
    if (!st->sketch) st->sketch = std::make_shared<CardinalitySketch>(agg_.precision_threshold);
    st->sketch->AddHash(HashOf(b, k));
  };
  return ForEachBlockRun(cursor_, rows, n, [&](const ColumnBlock* b, size_t at, size_t end) {
    if (b == nullptr) return Status::OK();
    if (b->multi()) {
      for (size_t i = at; i < end; ++i) {
        if (slots[i] != slot) select(slots[i]);
        Status s = cursor_.ForEach(rows[i], [&](const ColumnBlock& vb, size_t k) { add(vb, k); });
        if (!s.ok()) return s;
      }
      return Status::OK();
    }
    const bool all = b->presence.empty();
    for (size_t i = at; i < end; ++i) {
      const uint32_t k = rows[i] % kRowsPerBlock;
      if (!all && !IsPresent(b->presence, k)) continue;
      if (slots[i] != slot) select(slots[i]);
      add(*b, k);
    }
    return Status::OK();
  });
}

uint64_t MetricCollector::Memory() const {
  uint64_t m = states_.size() * sizeof(State) + seen_.size() * sizeof(Seen);
  for (const auto& bits : small_seen_) m += bits.capacity() * 8;
  for (const State& st : states_) m += st.values.capacity() * 8 + (st.sketch ? st.sketch->MemoryUsage() : 0);
  return m;
}

Status MakeMetricCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (!field.known) {
    *out = std::make_unique<EmptyCollector>();
    return Status::OK();
  }
  if (field.type == FieldType::kText) return UnsupportedFieldType(agg, field.type);
  const bool counts = agg.type == T::kCardinality || agg.type == T::kValueCount;
  if (!counts && field.type != FieldType::kLong && field.type != FieldType::kInteger &&
      field.type != FieldType::kShort && field.type != FieldType::kByte && field.type != FieldType::kDouble &&
      field.type != FieldType::kFloat && field.type != FieldType::kHalfFloat && field.type != FieldType::kScaledFloat &&
      field.type != FieldType::kDate && field.type != FieldType::kBoolean) {
    return UnsupportedFieldType(agg, field.type);
  }
  if (field.source == FieldSource::kFact && !counts) {
    return Status::Unsupported(fmt::format("[{}] is not supported on [{}]", AggTypeName(agg.type), agg.field));
  }
  std::unique_ptr<KeySource> keys;
  const bool plain = field.source == FieldSource::kColumn;
  if (!plain) {
    // Derived fields are keywords: they are counted by their keys.
    Status s = KeySource::Make(field, *ctx.segment, &keys, ctx.rows, ctx.inventory.get());
    if (!s.ok()) return s;
    if (!keys) {
      *out = std::make_unique<EmptyCollector>();
      return Status::OK();
    }
  }
  FieldCursor cursor;
  if (plain) {
    Status s = cursor.Init(*ctx.segment, field, ctx.rows);
    if (!s.ok()) return s;
    if (cursor.parts() == 0) {
      *out = std::make_unique<EmptyCollector>();
      return Status::OK();
    }
  }
  *out = std::make_unique<MetricCollector>(agg, std::move(cursor), std::move(keys));
  return Status::OK();
}

}  // namespace flowdex
