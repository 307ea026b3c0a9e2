// Collecting aggregations segment by segment (see aggregation.h for the
// design). The JSON side is in aggregation_json.cc.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>
#include <xxhash.h>

#include "flowlog/ecs_writer.h"
#include "flowlog/ip_address.h"
#include "query/aggregation.h"
#include "query/aggregation_internal.h"
#include "query/cardinality_sketch.h"
#include "query/field_catalog.h"
#include "query/hit_fetcher.h"
#include "query/segment_matcher.h"
#include "store/column_codec.h"
#include "store/segment_reader.h"

namespace flowdex {

namespace {

using T = AggRequest::Type;

// The values of one field, read row by row in non-decreasing row order. A
// field may span several columns (related.ip: source.ip and destination.ip);
// a row's values are those of every column.
class FieldCursor {
 public:
  Status Init(const SegmentReader& seg, const std::vector<int>& columns) {
    seg_ = &seg;
    for (int c : columns) {
      if (c < 0) continue;
      Part p;
      p.column = c;
      p.type = seg.meta().columns[c].type;
      if (HasDictionary(p.type)) {
        Status s = seg.Dictionary(c, &p.dict);
        if (!s.ok()) return s;
      }
      parts_.push_back(std::move(p));
    }
    type_ = parts_.empty() ? ColumnType::kUInt64 : parts_[0].type;
    return Status::OK();
  }

  ColumnType type() const { return type_; }
  size_t parts() const { return parts_.size(); }
  const std::vector<std::string>* dictionary() const { return parts_.empty() ? nullptr : parts_[0].dict; }

  // The block holding `row` of a one-column field (nullptr: no values there).
  Status BlockOf(uint32_t row, const ColumnBlock** out) {
    Part& p = parts_[0];
    if (row / kRowsPerBlock != p.loaded) {
      Status s = Load(&p, row / kRowsPerBlock);
      if (!s.ok()) return s;
    }
    *out = p.empty ? nullptr : p.block.get();
    return Status::OK();
  }

  // Calls fn(block, k) for each value k of `row` in every column.
  template <typename Fn>
  Status ForEach(uint32_t row, Fn&& fn) {
    if (parts_.size() == 1) {
      // The common case, without the loop: one column, its block usually loaded.
      Part& p = parts_[0];
      if (row / kRowsPerBlock != p.loaded) {
        Status s = Load(&p, row / kRowsPerBlock);
        if (!s.ok()) return s;
      }
      if (p.empty) return Status::OK();
      const ColumnBlock& block = *p.block;
      const uint32_t i = row % kRowsPerBlock;
      if (!block.present(i)) return Status::OK();
      if (block.multi()) {
        for (size_t k = block.offsets[i]; k < block.offsets[i + 1]; ++k) fn(block, k);
      } else {
        fn(block, i);
      }
      return Status::OK();
    }
    for (Part& p : parts_) {
      const size_t b = row / kRowsPerBlock;
      if (b != p.loaded) {
        p.loaded = b;
        p.empty = !seg_->meta().columns[p.column].blocks[b].stats.has_values();
        if (!p.empty) {
          Status s = seg_->ReadBlockShared(p.column, b, &p.block);
          if (!s.ok()) {
            p.loaded = SIZE_MAX;
            return s;
          }
        }
      }
      if (p.empty) continue;
      const ColumnBlock& block = *p.block;
      const uint32_t i = row % kRowsPerBlock;
      if (!block.present(i)) continue;
      if (block.multi()) {
        for (size_t k = block.offsets[i]; k < block.offsets[i + 1]; ++k) fn(block, k);
      } else {
        fn(block, i);
      }
    }
    return Status::OK();
  }

 private:
  struct Part;
  Status Load(Part* p, size_t b) {
    p->loaded = b;
    p->empty = !seg_->meta().columns[p->column].blocks[b].stats.has_values();
    if (p->empty) return Status::OK();
    Status s = seg_->ReadBlockShared(p->column, b, &p->block);
    if (!s.ok()) p->loaded = SIZE_MAX;
    return s;
  }
  struct Part {
    int column = -1;
    ColumnType type = ColumnType::kUInt64;
    const std::vector<std::string>* dict = nullptr;
    std::shared_ptr<const ColumnBlock> block;
    size_t loaded = SIZE_MAX;
    bool empty = false;
  };
  const SegmentReader* seg_ = nullptr;
  std::vector<Part> parts_;
  ColumnType type_ = ColumnType::kUInt64;
};

// The end of the run of rows[i..n) (non-decreasing) in the block of rows[i].
size_t BlockRunEnd(const uint32_t* rows, size_t i, size_t n) {
  const uint32_t block = rows[i] / kRowsPerBlock;
  size_t end = i;
  while (end < n && rows[end] / kRowsPerBlock == block) ++end;
  return end;
}

// The mapping type Elasticsearch would name for a stored column type.
const char* EsTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kTimestamp: return "date";
    case ColumnType::kIp: return "ip";
    case ColumnType::kKeyword: return "keyword";
    case ColumnType::kText: return "text";
    case ColumnType::kBool: return "boolean";
    case ColumnType::kDouble: return "double";
    case ColumnType::kBlob: return "binary";
    default: return "long";
  }
}

double AsDouble(ColumnType type, uint64_t bits) {
  if (type == ColumnType::kDouble) {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  return IsSigned(type) ? static_cast<double>(static_cast<int64_t>(bits)) : static_cast<double>(bits);
}

// An open-addressing map of 64-bit keys to bucket numbers, keys inline and
// probed linearly, so a lookup is one multiply, one load and one
// predictable branch (absl's map of (slot, key) pairs cost about twice as
// much per row).
class PackedTable {
 public:
  // The bucket of `key`, or `fresh()` stored as it (bucket + 1 > 0).
  template <typename Fresh>
  [[gnu::always_inline]] uint32_t FindOrAdd(uint64_t key, Fresh&& fresh) {
    if (entries_.empty()) Grow(1024);
    size_t i = (key * 0x9E3779B97F4A7C15ull) >> shift_;
    while (true) {
      const Entry& e = entries_[i];
      if (e.bucket == 0) break;
      if (e.key == key) return e.bucket - 1;
      i = (i + 1) & (entries_.size() - 1);
    }
    const uint32_t b = fresh();
    entries_[i] = Entry{key, b};
    // At most 70% full: probes stay short and the table small enough to stay in cache.
    if (++used_ * 10 > entries_.size() * 7) Grow(entries_.size() * 2);
    return b - 1;
  }
  uint64_t Memory() const { return entries_.size() * sizeof(Entry); }

 private:
  [[gnu::noinline]] void Grow(size_t capacity) {
    std::vector<Entry> grown(capacity);
    shift_ = 64 - std::countr_zero(capacity);
    for (const Entry& e : entries_) {
      if (e.bucket == 0) continue;
      size_t i = (e.key * 0x9E3779B97F4A7C15ull) >> shift_;
      while (grown[i].bucket != 0) i = (i + 1) & (capacity - 1);
      grown[i] = e;
    }
    entries_.swap(grown);
  }
  // Key and bucket side by side: a lookup touches one cache line.
  struct Entry {
    uint64_t key = 0;
    uint32_t bucket = 0;  // bucket + 1, 0 = empty
  };
  std::vector<Entry> entries_;
  size_t used_ = 0;
  int shift_ = 64;
};

// (parent bucket, key) -> this segment's bucket number. Small key spaces
// (dictionary codes, bytes, ports) use a dense array; wide keys a packed
// table: the top level's by key, nested ones by (slot, key) packed in 64
// bits when the key fits 33 bits (IPv4 addresses, as ValueKeys tags them,
// and small integers); what remains (IPv6, large integers under a parent)
// absl's hash map.
class BucketTable {
 public:
  explicit BucketTable(uint64_t dense_space) : space_(dense_space <= 65536 ? dense_space : 0) {}

  [[gnu::always_inline]] uint32_t Find(uint32_t slot, uint64_t key) {
    if (space_ == 0 || key >= space_) {
      if (slot == 0) return top_.FindOrAdd(key, [&] { return Add(0, key); });
      // Nested wide keys (peers of top talkers, say): the packed table, inline.
      if (Packable(slot, key)) return nested_.FindOrAdd(Pack(slot, key), [&] { return Add(slot, key); });
    }
    if (slot == last_slot_ && key == last_key_) return last_bucket_;
    return FindNested(slot, key);
  }
  size_t size() const { return keys_.size(); }
  uint32_t slot(uint32_t b) const { return slots_[b]; }
  uint64_t key(uint32_t b) const { return keys_[b]; }
  uint64_t Memory() const {
    return dense_.size() * 4 + hash_.size() * 40 + keys_.size() * 12 + top_.Memory() + nested_.Memory();
  }

 private:
  static constexpr int kKeyBits = 33;
  static bool Packable(uint32_t slot, uint64_t key) {
    return key >> kKeyBits == 0 && uint64_t{slot} >> (64 - kKeyBits) == 0;
  }
  static uint64_t Pack(uint32_t slot, uint64_t key) { return (uint64_t{slot} << kKeyBits) | key; }

  // Find for nested buckets (and small top-level key spaces): the dense
  // array, or the packed table or absl's map once the array would be too large.
  [[gnu::noinline]] uint32_t FindNested(uint32_t slot, uint64_t key) {
    uint32_t b;
    if (space_ != 0 && key < space_) {
      const uint64_t at = uint64_t{slot} * space_ + key;
      if (at >= dense_.size()) {
        if ((uint64_t{slot} + 1) * space_ > (1u << 22)) {
          ToWide();
          return Find(slot, key);
        }
        dense_.resize((uint64_t{slot} + 1) * space_, 0);
      }
      uint32_t& e = dense_[at];
      if (e == 0) e = Add(slot, key);
      b = e - 1;
    } else if (Packable(slot, key)) {
      b = nested_.FindOrAdd(Pack(slot, key), [&] { return Add(slot, key); });
    } else {
      auto [it, fresh] = hash_.try_emplace(SlotKey{slot, key}, 0);
      if (fresh) it->second = Add(slot, key);
      b = it->second - 1;
    }
    last_slot_ = slot;
    last_key_ = key;
    last_bucket_ = b;
    return b;
  }

  struct SlotKey {
    uint32_t slot;
    uint64_t key;
    bool operator==(const SlotKey& o) const { return slot == o.slot && key == o.key; }
  };
  struct SlotKeyHash {
    size_t operator()(const SlotKey& k) const { return absl::HashOf(k.slot, k.key); }
  };
  uint32_t Add(uint32_t slot, uint64_t key) {
    slots_.push_back(slot);
    keys_.push_back(key);
    return static_cast<uint32_t>(keys_.size());  // stored + 1
  }
  // The dense array grew too large: its buckets move to the wide tables.
  void ToWide() {
    for (uint32_t b = 0; b < keys_.size(); ++b) {
      if (keys_[b] >= space_) continue;  // already in a wide table
      const uint32_t slot = slots_[b];
      const uint64_t key = keys_[b];
      auto existing = [b] { return b + 1; };
      if (slot == 0) {
        top_.FindOrAdd(key, existing);
      } else if (Packable(slot, key)) {
        nested_.FindOrAdd(Pack(slot, key), existing);
      } else {
        hash_.emplace(SlotKey{slot, key}, b + 1);
      }
    }
    space_ = 0;
    dense_.clear();
    dense_.shrink_to_fit();
  }

  uint64_t space_;
  std::vector<uint32_t> dense_;  // bucket + 1, 0 = none
  PackedTable top_;              // slot 0, any key
  PackedTable nested_;           // Pack(slot, key) for slots > 0
  absl::flat_hash_map<SlotKey, uint32_t, SlotKeyHash> hash_;
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> keys_;
  uint32_t last_slot_ = UINT32_MAX, last_bucket_ = 0;
  uint64_t last_key_ = 0;
};

class Collector {
 public:
  virtual ~Collector() = default;
  // rows[i] (non-decreasing) reaches this aggregation in parent bucket slots[i].
  virtual Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) = 0;
  // Adds what was collected to targets[slot] (nullptr: a bucket that was dropped).
  virtual Status Finish(const std::vector<AggResult*>& targets) = 0;
  virtual uint64_t Memory() const = 0;
};

Status MakeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);

// Resolves an aggregation's field to the columns of this segment; *unmapped
// when the index does not know it (no buckets, empty metrics).
Status ResolveColumns(const AggRequest& agg, const AggContext& ctx, std::vector<int>* columns, bool* unmapped) {
  const ResolvedField field = ctx.catalog->Resolve(agg.field);
  *unmapped = !field.known;
  if (!field.known) return Status::OK();
  if (field.derivation != ResolvedField::Derivation::kNone) {
    return Status::InvalidArgument(fmt::format("aggregating on [{}] is not supported yet", agg.field));
  }
  for (const std::string& name : field.columns) {
    const int col = ctx.segment->FindColumn(name);
    if (col < 0) continue;
    const ColumnType type = ctx.segment->meta().columns[col].type;
    if (type == ColumnType::kText || type == ColumnType::kBlob) {
      return Status::InvalidArgument(fmt::format(
          "illegal_argument_exception: Text fields are not optimised for operations that require per-document field "
          "data like aggregations and sorting, so these operations are disabled by default. Please use a keyword "
          "field instead. Alternatively, set fielddata=true on [{}] in order to load field data by uninverting the "
          "inverted index. Note that this can use significant memory.",
          agg.field));
    }
    if (!columns->empty() && type != ctx.segment->meta().columns[(*columns)[0]].type) {
      return Status::InvalidArgument(fmt::format("aggregating on [{}] is not supported yet", agg.field));
    }
    columns->push_back(col);
  }
  if (columns->size() > 1 && ctx.segment->meta().columns[(*columns)[0]].type != ColumnType::kIp) {
    return Status::InvalidArgument(fmt::format("aggregating on [{}] is not supported yet", agg.field));
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Bucket aggregations.

class BucketCollector : public Collector {
 public:
  BucketCollector(const AggRequest& agg, uint64_t dense_space) : agg_(agg), table_(dense_space) {}

  Status InitSubs(const AggContext& ctx) {
    for (const AggRequest& sub : agg_.subs) {
      subs_.emplace_back();
      Status s = MakeCollector(sub, ctx, &subs_.back());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    child_rows_.clear();
    child_slots_.clear();
    keys_.clear();
    owners_.clear();
    Status s = KeysFor(rows, n, &keys_, &owners_);
    if (!s.ok()) return s;
    const bool with_subs = !subs_.empty();
    for (size_t j = 0; j < keys_.size();) {
      const uint32_t i = owners_[j];
      size_t end = j + 1;
      while (end < keys_.size() && owners_[end] == i) ++end;
      if (end - j > 1) {
        // A row counts once per distinct bucket (arrays may repeat one).
        std::sort(keys_.begin() + j, keys_.begin() + end);
        end = std::unique(keys_.begin() + j, keys_.begin() + end) - keys_.begin();
      }
      for (size_t k = j; k < end; ++k) {
        const uint32_t b = table_.Find(slots[i], keys_[k]);
        if (b >= counts_.size()) counts_.resize(b + 1 + b / 2, 0);
        ++counts_[b];
        if (with_subs) {
          child_rows_.push_back(rows[i]);
          child_slots_.push_back(b);
        }
      }
      j = end;
      while (j < keys_.size() && owners_[j] == i) ++j;  // past duplicates removed above
    }
    for (auto& sub : subs_) {
      Status s = sub->Collect(child_rows_.data(), child_slots_.data(), child_rows_.size());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  Status Finish(const std::vector<AggResult*>& targets) override {
    const bool address = AddressKeys();
    for (AggResult* t : targets) {
      if (t == nullptr) continue;
      if (!RefindableKeys()) t->unfilterable_keys = true;
      if (BooleanKeys()) t->boolean_keys = true;
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
      if (slot < targets.size() && targets[slot] != nullptr) keyed.emplace_back(KeyOf(table_.key(b)), b);
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

  uint64_t Memory() const override {
    uint64_t m = table_.Memory() + counts_.size() * 8 + child_rows_.capacity() * 8;
    for (const auto& s : subs_) m += s->Memory();
    return m;
  }

 protected:
  // Appends the keys of the buckets each of rows[0..n) falls in (none, one
  // or several) to *keys, and for each key the index of its row in `rows`
  // to *owners (a row's keys together, rows in order).
  virtual Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) = 0;
  // The result key of a key from KeysFor().
  virtual AggKey KeyOf(uint64_t key) const = 0;
  // Whether a term query on the field for any result key finds exactly the
  // rows of its bucket (see AggResult::unfilterable_keys).
  virtual bool RefindableKeys() const { return false; }
  // Whether KeyOf() gives address keys (AggResult::ip_keys).
  virtual bool AddressKeys() const { return false; }
  // Whether the keys are a boolean field's 0 and 1 (AggResult::boolean_keys).
  virtual bool BooleanKeys() const { return false; }

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

  const AggRequest& agg_;
  BucketTable table_;
  std::vector<uint64_t> counts_;
  std::vector<std::unique_ptr<Collector>> subs_;

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> owners_;
  std::vector<uint32_t> child_rows_, child_slots_;
};

// Keys of a field's own values: dictionary codes, integers, double bits,
// IPv4 addresses (tagged), IPv6 addresses (interned).
class ValueKeys {
 public:
  static constexpr uint64_t kV4Tag = uint64_t{1} << 32;
  static constexpr uint64_t kV6Tag = uint64_t{1} << 62;

  [[gnu::always_inline]] uint64_t KeyOf(const ColumnBlock& b, size_t k) {
    if (b.type != ColumnType::kIp) return b.values[k];
    if (!b.v4.empty() && !b.is_v6(k)) return kV4Tag | b.v4[k];
    const IpAddress& ip = b.ips[k];
    if (ip.is_v4()) return kV4Tag | ip.v4();
    auto [it, fresh] = v6_index_.try_emplace(ip.bytes, static_cast<uint32_t>(v6_.size()));
    if (fresh) v6_.push_back(ip);
    return kV6Tag | it->second;
  }

  AggKey ResultKey(ColumnType type, const std::vector<std::string>* dict, uint64_t key) const {
    if (dict) return (*dict)[key];
    if (type == ColumnType::kIp) {
      const IpAddress ip = (key & kV6Tag) ? v6_[key & 0xffffffff] : IpAddress::FromV4(static_cast<uint32_t>(key));
      char buf[kMaxIpTextLength];
      return std::string(buf, FormatIpAddress(ip, buf));
    }
    if (type == ColumnType::kDouble) return AsDouble(type, key);
    if (type == ColumnType::kUInt64 && key > static_cast<uint64_t>(INT64_MAX)) return static_cast<double>(key);
    return static_cast<int64_t>(key);
  }

  // An ip field's key as an address-keyed bucket key (AggResult::ip_keys).
  AggKey AddressKey(uint64_t key) const {
    if ((key & kV6Tag) == 0) return static_cast<int64_t>(static_cast<uint32_t>(key));
    const IpAddress& ip = v6_[key & 0xffffffff];
    return std::string(reinterpret_cast<const char*>(ip.bytes.data()), ip.bytes.size());
  }

  static uint64_t DenseSpace(ColumnType type, const std::vector<std::string>* dict) {
    if (dict) return dict->size();
    if (type == ColumnType::kUInt8) return 256;
    if (type == ColumnType::kUInt16) return 65536;
    if (type == ColumnType::kBool) return 2;
    return 0;
  }

 private:
  struct Key16Hash {
    size_t operator()(const std::array<uint8_t, 16>& k) const { return XXH3_64bits(k.data(), k.size()); }
  };
  absl::flat_hash_map<std::array<uint8_t, 16>, uint32_t, Key16Hash> v6_index_;
  std::vector<IpAddress> v6_;
};

class MetricCollector : public Collector {
 public:
  MetricCollector(const AggRequest& agg, FieldCursor cursor) : agg_(agg), cursor_(std::move(cursor)) {
    if (const auto* dict = cursor_.dictionary(); dict && agg.type == T::kCardinality) {
      dict_hashes_.resize(dict->size());
      for (size_t i = 0; i < dict->size(); ++i) dict_hashes_[i] = CardinalitySketch::Hash((*dict)[i]);
    }
  }

  // `count` values summing to `sum` for bucket `slot` (the fused terms path).
  void AddSums(uint32_t slot, uint64_t count, double sum) {
    if (slot >= states_.size()) states_.resize(slot + 1);
    states_[slot].count += count;
    states_[slot].sum += sum;
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    if (agg_.type == T::kSum || agg_.type == T::kAvg) {
      // The common metric under terms and histograms: only count and sum.
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
          if (!st.sketch) st.sketch = std::make_shared<CardinalitySketch>(agg_.precision_threshold);
          st.sketch->AddHash(HashOf(b, k));
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

  Status Finish(const std::vector<AggResult*>& targets) override {
    for (size_t slot = 0; slot < states_.size() && slot < targets.size(); ++slot) {
      AggResult* r = targets[slot];
      const State& st = states_[slot];
      if (r == nullptr || st.count == 0) continue;
      r->dates |= cursor_.type() == ColumnType::kTimestamp;
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

  uint64_t Memory() const override {
    uint64_t m = states_.size() * sizeof(State);
    for (const State& st : states_) m += st.values.capacity() * 8 + (st.sketch ? st.sketch->MemoryUsage() : 0);
    return m;
  }

 private:
  struct State {
    uint64_t count = 0;
    double sum = 0, sum_of_squares = 0, min = 0, max = 0;
    std::vector<double> values;
    std::shared_ptr<CardinalitySketch> sketch;
  };
  uint64_t HashOf(const ColumnBlock& b, size_t k) const {
    if (!dict_hashes_.empty()) return dict_hashes_[b.values[k]];
    if (b.type == ColumnType::kIp) {
      const std::array<uint8_t, 16> key = IpSortKey(b.ip(k));
      return CardinalitySketch::Hash(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    }
    return CardinalitySketch::HashInteger(b.values[k]);
  }

  const AggRequest& agg_;
  FieldCursor cursor_;
  std::vector<uint64_t> dict_hashes_;
  std::vector<State> states_;
};

class TermsCollector : public BucketCollector {
 public:
  static constexpr uint64_t kMissingKey = UINT64_MAX;

  TermsCollector(const AggRequest& agg, FieldCursor cursor)
      : BucketCollector(agg, ValueKeys::DenseSpace(cursor.type(), cursor.dictionary())), cursor_(std::move(cursor)) {}

  // Terms with one sum or avg under it (top talkers by bytes, say), both on
  // one-column fields: keys and values are read together, block by block,
  // with no per-row handing down. Call after InitSubs.
  Status InitFused(const AggContext& ctx) {
    if (agg_.missing || cursor_.parts() != 1 || subs_.size() != 1 || !agg_.subs[0].subs.empty() ||
        (agg_.subs[0].type != T::kSum && agg_.subs[0].type != T::kAvg)) {
      return Status::OK();
    }
    auto* metric = dynamic_cast<MetricCollector*>(subs_[0].get());
    if (metric == nullptr) return Status::OK();
    std::vector<int> columns;
    bool unmapped = false;
    Status s = ResolveColumns(agg_.subs[0], ctx, &columns, &unmapped);
    if (!s.ok() || unmapped || columns.size() != 1) return s;
    const ColumnType type = ctx.segment->meta().columns[columns[0]].type;
    if (type == ColumnType::kKeyword || type == ColumnType::kIp) return Status::OK();  // the generic path errs
    s = value_cursor_.Init(*ctx.segment, columns);
    if (!s.ok()) return s;
    metric_ = metric;
    return Status::OK();
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    if (metric_ == nullptr) {
      if (agg_.missing || cursor_.parts() != 1) return BucketCollector::Collect(rows, slots, n);
      return CollectSingleValued(rows, slots, n);
    }
    size_t i = 0;
    while (i < n) {
      const uint32_t block = rows[i] / kRowsPerBlock;
      const size_t end = BlockRunEnd(rows, i, n);
      const ColumnBlock* keys = nullptr;
      const ColumnBlock* values = nullptr;
      Status s = cursor_.BlockOf(rows[i], &keys);
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
        const uint32_t b = table_.Find(slots[i], values_.KeyOf(*keys, k));
        if (b >= fused_.size()) fused_.resize(b + 1 + b / 2);
        // Count, sum and values side by side in one line of memory; handed
        // to the bucket counts and the metric at the end.
        FusedSum& acc = fused_[b];
        ++acc.count;
        if (values != nullptr && values->present(k)) {
          acc.sum += AsDouble(values->type, values->values[k]);
          ++acc.values;
        }
      }
    }
    return Status::OK();
  }

  Status Finish(const std::vector<AggResult*>& targets) override {
    if (metric_ != nullptr) {
      if (counts_.size() < fused_.size()) counts_.resize(fused_.size(), 0);
      for (uint32_t b = 0; b < fused_.size(); ++b) {
        counts_[b] += fused_[b].count;
        if (fused_[b].values > 0) metric_->AddSums(b, fused_[b].values, fused_[b].sum);
      }
    }
    return BucketCollector::Finish(targets);
  }

  uint64_t Memory() const override { return BucketCollector::Memory() + fused_.size() * sizeof(FusedSum); }

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      const size_t before = keys->size();
      Status s = cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) { keys->push_back(values_.KeyOf(b, k)); });
      if (keys->size() == before && agg_.missing) keys->push_back(kMissingKey);
      return s;
    });
  }
  bool AddressKeys() const override { return cursor_.type() == ColumnType::kIp && !agg_.missing; }
  bool BooleanKeys() const override { return cursor_.type() == ColumnType::kBool && !agg_.missing; }
  bool RefindableKeys() const override {
    // Keywords, addresses and integers: what a term query matches exactly
    // (not booleans, doubles, dates or unsigned 64-bit keys shown as
    // doubles, nor the missing bucket).
    const ColumnType type = cursor_.type();
    return !agg_.missing && (HasDictionary(type) || type == ColumnType::kIp ||
                             type == ColumnType::kUInt8 || type == ColumnType::kUInt16 ||
                             type == ColumnType::kUInt32 || type == ColumnType::kInt64);
  }
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
    if (AddressKeys()) return values_.AddressKey(key);
    return values_.ResultKey(cursor_.type(), cursor_.dictionary(), key);
  }

 private:
  // The unfused path for one-column fields: blocks of one value per row go
  // straight to their buckets (and the rows on to the sub-aggregations),
  // without the generic path's per-row key lists; arrays take that path.
  Status CollectSingleValued(const uint32_t* rows, const uint32_t* slots, size_t n) {
    size_t i = 0;
    while (i < n) {
      const uint32_t block = rows[i] / kRowsPerBlock;
      const size_t end = BlockRunEnd(rows, i, n);
      const ColumnBlock* keys = nullptr;
      Status s = cursor_.BlockOf(rows[i], &keys);
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
          const uint32_t b = table_.Find(slots[j], values_.KeyOf(*keys, k));
          if (b >= counts_.size()) counts_.resize(b + 1 + b / 2, 0);
          ++counts_[b];
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
    return Status::OK();
  }
  FieldCursor cursor_;
  ValueKeys values_;
  std::vector<uint32_t> routed_rows_, routed_slots_;  // CollectSingleValued's rows for the sub-aggregations
  FieldCursor value_cursor_;          // the fused path's sum/avg field
  MetricCollector* metric_ = nullptr;  // the fused path's sum/avg (owned by subs_)
  struct FusedSum {       // 16 bytes: a segment has fewer than 2^32 rows
    uint32_t count = 0;   // rows in the bucket
    uint32_t values = 0;  // ...with a value to sum
    double sum = 0;
  };
  std::vector<FusedSum> fused_;       // the fused path, per bucket
};

// terms on a flow field derived from a stored one (docs/query.md, "Fields"):
// network.transport from network.iana_number, event.outcome from
// event.action, network.type from the family of source.ip, and constants.
// Buckets are keyed by the stored value and named at the end; stored values
// that name the same bucket merge there, sub-aggregations included.
class DerivedTermsCollector : public BucketCollector {
 public:
  DerivedTermsCollector(const AggRequest& agg, ResolvedField field, FieldCursor cursor)
      : BucketCollector(agg, 0), field_(std::move(field)), cursor_(std::move(cursor)) {}

 protected:
  using D = ResolvedField::Derivation;
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      if (field_.derivation == D::kConstant) {
        keys->push_back(0);
        return Status::OK();
      }
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        switch (field_.derivation) {
          case D::kTransport:
            if (!TransportName(static_cast<uint8_t>(b.values[k])).empty()) keys->push_back(b.values[k]);
            break;
          case D::kOutcome: {
            const std::string& action = (*cursor_.dictionary())[b.values[k]];
            if (action == "ACCEPT" || action == "REJECT") keys->push_back(action == "ACCEPT" ? 1 : 0);
            break;
          }
          case D::kNetworkType: keys->push_back(b.ip(k).is_v4() ? 4 : 6); break;
          default: break;
        }
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override {
    switch (field_.derivation) {
      case D::kTransport: return std::string(TransportName(static_cast<uint8_t>(key)));
      case D::kOutcome: return std::string(key == 1 ? "success" : "failure");
      case D::kNetworkType: return std::string(key == 4 ? "ipv4" : "ipv6");
      default: return field_.constant;
    }
  }

 private:
  ResolvedField field_;
  FieldCursor cursor_;
};

class DateHistogramCollector : public BucketCollector {
 public:
  DateHistogramCollector(const AggRequest& agg, FieldCursor cursor, DateHistogramRounding rounding)
      : BucketCollector(agg, 0), cursor_(std::move(cursor)), rounding_(std::move(rounding)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        const int64_t ms = static_cast<int64_t>(b.values[k]);
        if (agg_.hard_min && ms < *agg_.hard_min) return;
        if (agg_.hard_max && ms > *agg_.hard_max) return;
        // Same bucket as the previous value: no rounding needed (flows come in time order).
        if (ms >= last_lo_ && ms < last_hi_) {
          keys->push_back(static_cast<uint64_t>(last_lo_));
          return;
        }
        last_lo_ = rounding_.Key(ms);
        last_hi_ = rounding_.Next(last_lo_);
        keys->push_back(static_cast<uint64_t>(last_lo_));
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override { return static_cast<int64_t>(key); }

 private:
  FieldCursor cursor_;
  DateHistogramRounding rounding_;
  int64_t last_lo_ = 1, last_hi_ = 0;
};

class HistogramCollector : public BucketCollector {
 public:
  HistogramCollector(const AggRequest& agg, FieldCursor cursor) : BucketCollector(agg, 0), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        const double v = AsDouble(b.type, b.values[k]);
        if ((agg_.hard_min && v < *agg_.hard_min) || (agg_.hard_max && v > *agg_.hard_max)) return;
        const double key = std::floor((v - agg_.offset) / agg_.interval) * agg_.interval + agg_.offset;
        uint64_t bits;
        std::memcpy(&bits, &key, 8);
        keys->push_back(bits);
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override {
    double d;
    std::memcpy(&d, &key, 8);
    return d;
  }

 private:
  FieldCursor cursor_;
};

// range and date_range: a value falls in every range that holds it.
class RangeCollector : public BucketCollector {
 public:
  RangeCollector(const AggRequest& agg, FieldCursor cursor)
      : BucketCollector(agg, agg.ranges.size()), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        const double v = AsDouble(b.type, b.values[k]);
        for (size_t i = 0; i < agg_.ranges.size(); ++i) {
          const auto& rg = agg_.ranges[i];
          if ((!rg.from || v >= *rg.from) && (!rg.to || v < *rg.to)) keys->push_back(i);
        }
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override { return static_cast<int64_t>(key); }

 private:
  FieldCursor cursor_;
};

class IpRangeCollector : public BucketCollector {
 public:
  IpRangeCollector(const AggRequest& agg, FieldCursor cursor)
      : BucketCollector(agg, agg.ranges.size()), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        if (b.type != ColumnType::kIp) return;
        const std::array<uint8_t, 16> v = IpSortKey(b.ip(k));
        for (size_t i = 0; i < agg_.ranges.size(); ++i) {
          const auto& rg = agg_.ranges[i];
          if (rg.has_ip_from && v < rg.ip_from) continue;
          if (rg.has_ip_to && (rg.ip_to_inclusive ? v > rg.ip_to : v >= rg.ip_to)) continue;
          keys->push_back(i);
        }
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override { return static_cast<int64_t>(key); }

 private:
  FieldCursor cursor_;
};

class MissingCollector : public BucketCollector {
 public:
  MissingCollector(const AggRequest& agg, FieldCursor cursor) : BucketCollector(agg, 1), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      bool any = false;
      Status s = cursor_.ForEach(row, [&](const ColumnBlock&, size_t) { any = true; });
      if (!any) keys->push_back(0);
      return s;
    });
  }
  AggKey KeyOf(uint64_t) const override { return int64_t{0}; }

 private:
  FieldCursor cursor_;
};

// filter and filters: each filter's rows, matched once per segment.
class FiltersCollector : public BucketCollector {
 public:
  explicit FiltersCollector(const AggRequest& agg) : BucketCollector(agg, agg.filters.size()) {}

  Status Init(const AggContext& ctx) {
    SegmentMatcher matcher(ctx.segment, ctx.catalog);
    matcher.set_now(ctx.now_ms);
    for (const auto& f : agg_.filters) {
      matches_.emplace_back();
      Status s = matcher.Match(f.second, &matches_.back());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      for (size_t i = 0; i < matches_.size(); ++i) {
        if (roaring_bitmap_contains(matches_[i].get(), row)) keys->push_back(i);
      }
      return Status::OK();
    });
  }
  AggKey KeyOf(uint64_t key) const override { return agg_.filters[key].first; }

 private:
  std::vector<Bitmap> matches_;
};

// composite: keys are tuples of the sources' values; only the first `size`
// tuples after `after` (in the sources' order) are kept.
class CompositeCollector : public Collector {
 public:
  explicit CompositeCollector(const AggRequest& agg)
      : agg_(agg), tuples_(CompositeOrder{Directions(agg)}) {}

  static std::vector<bool> Directions(const AggRequest& agg) {
    std::vector<bool> d;
    for (const AggRequest& s : agg.sources) d.push_back(!s.order.empty() && s.order[0].descending);
    return d;
  }

  Status Init(const AggContext& ctx, const std::vector<AggKey>* after) {
    after_ = after;
    for (const AggRequest& src : agg_.sources) {
      Source s;
      s.agg = &src;
      std::vector<int> columns;
      bool unmapped;
      Status st = ResolveColumns(src, ctx, &columns, &unmapped);
      if (st.ok()) st = s.cursor.Init(*ctx.segment, columns);
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
        Status s = src.cursor.ForEach(rows[i], [&](const ColumnBlock& b, size_t k) {
          if (src.agg->type == T::kDateHistogram) {
            per_source[j].push_back(src.rounding.Key(static_cast<int64_t>(b.values[k])));
          } else if (src.agg->type == T::kHistogram) {
            const double v = AsDouble(b.type, b.values[k]);
            per_source[j].push_back(std::floor(v / src.agg->interval) * src.agg->interval);
          } else {
            per_source[j].push_back(src.values.ResultKey(b.type, src.cursor.dictionary(), src.values.KeyOf(b, k)));
          }
        });
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
          ++counts_[it->second];
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
    FieldCursor cursor;
    ValueKeys values;
    DateHistogramRounding rounding;
  };
  const AggRequest& agg_;
  const std::vector<AggKey>* after_ = nullptr;
  std::vector<Source> sources_;
  std::map<std::vector<AggKey>, uint32_t, CompositeOrder> tuples_;
  std::vector<uint64_t> counts_;
  std::vector<uint32_t> child_rows_, child_slots_;
  std::vector<std::unique_ptr<Collector>> subs_;
};

// ---------------------------------------------------------------------------
// Metric aggregations.


// An aggregation on a field this index does not have: buckets and metrics
// stay empty, sub-aggregations see nothing.
class EmptyCollector : public Collector {
 public:
  Status Collect(const uint32_t*, const uint32_t*, size_t) override { return Status::OK(); }
  Status Finish(const std::vector<AggResult*>&) override { return Status::OK(); }
  uint64_t Memory() const override { return 0; }
};

class TopHitsCollector : public Collector {
 public:
  TopHitsCollector(const AggRequest& agg, const AggContext& ctx) : agg_(agg), ctx_(ctx) {
    for (const SortKey& k : agg.sort) {
      const ResolvedField f = ctx.catalog->Resolve(k.field);
      const int col = f.known && f.derivation == ResolvedField::Derivation::kNone && f.columns.size() == 1
                          ? ctx.segment->FindColumn(f.columns[0])
                          : -1;
      readers_.emplace_back(ctx.segment, col, k.descending);
    }
  }

  Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) override {
    const uint64_t keep = agg_.from + agg_.size;
    for (size_t i = 0; i < n; ++i) {
      if (slots[i] >= per_slot_.size()) per_slot_.resize(slots[i] + 1);
      Slot& s = per_slot_[slots[i]];
      ++s.total;
      if (keep == 0) continue;
      if (readers_.empty() && s.hits.size() >= keep) continue;  // index order: later rows lose
      AggHit h;
      h.row = rows[i];
      h.segment = ctx_.ordinal;
      h.sort.resize(readers_.size());
      for (size_t k = 0; k < readers_.size(); ++k) {
        Status st = readers_[k].Get(rows[i], &h.sort[k]);
        if (!st.ok()) return st;
      }
      s.hits.push_back(std::move(h));
      if (s.hits.size() > 2 * keep + 64) TrimTopHits(agg_, &s.hits);
    }
    return Status::OK();
  }

  Status Finish(const std::vector<AggResult*>& targets) override {
    HitFetcher fetcher(ctx_.segment);
    for (size_t slot = 0; slot < per_slot_.size() && slot < targets.size(); ++slot) {
      AggResult* r = targets[slot];
      if (r == nullptr) continue;
      Slot& s = per_slot_[slot];
      r->hits_total += s.total;
      TrimTopHits(agg_, &s.hits);
      for (AggHit& h : s.hits) {
        h.index = ctx_.index;
        Status st = fetcher.Fetch(h.row, &h.id, agg_.fetch_source ? &h.source : nullptr);
        if (!st.ok()) return st;
        r->hits.push_back(std::move(h));
      }
      TrimTopHits(agg_, &r->hits);
    }
    return Status::OK();
  }

  uint64_t Memory() const override { return per_slot_.size() * 64; }

 private:
  struct Slot {
    uint64_t total = 0;
    std::vector<AggHit> hits;
  };
  const AggRequest& agg_;
  AggContext ctx_;
  std::vector<SortValueReader> readers_;
  std::vector<Slot> per_slot_;
};

Status MakeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  if (agg.type == T::kFilter || agg.type == T::kFilters) {
    auto c = std::make_unique<FiltersCollector>(agg);
    Status s = c->Init(ctx);
    if (s.ok()) s = c->InitSubs(ctx);
    *out = std::move(c);
    return s;
  }
  if (agg.type == T::kTerms && !agg.missing) {
    const ResolvedField field = ctx.catalog->Resolve(agg.field);
    using D = ResolvedField::Derivation;
    if (field.derivation == D::kTransport || field.derivation == D::kOutcome || field.derivation == D::kNetworkType ||
        field.derivation == D::kConstant) {
      std::vector<int> columns;
      for (const std::string& name : field.columns) columns.push_back(ctx.segment->FindColumn(name));
      FieldCursor cursor;
      Status s = cursor.Init(*ctx.segment, columns);
      if (!s.ok()) return s;
      if (field.derivation != D::kConstant && cursor.parts() == 0) {
        *out = std::make_unique<EmptyCollector>();
        return Status::OK();
      }
      auto c = std::make_unique<DerivedTermsCollector>(agg, field, std::move(cursor));
      s = c->InitSubs(ctx);
      *out = std::move(c);
      return s;
    }
  }
  if (agg.type == T::kTopHits) {
    *out = std::make_unique<TopHitsCollector>(agg, ctx);
    return Status::OK();
  }
  if (agg.type == T::kComposite) {
    return Status::InvalidArgument(fmt::format(
        "illegal_argument_exception: [composite] aggregation cannot be used with a parent aggregation of type: "
        "[{}]",
        "bucket"));
  }
  std::vector<int> columns;
  bool unmapped = false;
  Status s = ResolveColumns(agg, ctx, &columns, &unmapped);
  if (!s.ok()) return s;
  FieldCursor cursor;
  s = cursor.Init(*ctx.segment, columns);
  if (!s.ok()) return s;
  const bool has_column = cursor.parts() > 0;
  const ColumnType type = cursor.type();
  if (unmapped || !has_column) {
    // Nothing to read here; terms with `missing` still count every row.
    if (agg.type == T::kTerms && agg.missing) {
      auto c = std::make_unique<TermsCollector>(agg, std::move(cursor));
      s = c->InitSubs(ctx);
      *out = std::move(c);
      return s;
    }
    if (agg.type == T::kMissing) {
      auto c = std::make_unique<MissingCollector>(agg, std::move(cursor));
      s = c->InitSubs(ctx);
      *out = std::move(c);
      return s;
    }
    *out = std::make_unique<EmptyCollector>();
    return Status::OK();
  }
  const bool numeric_metric = agg.type == T::kSum || agg.type == T::kAvg || agg.type == T::kMin ||
                              agg.type == T::kMax || agg.type == T::kStats || agg.type == T::kExtendedStats ||
                              agg.type == T::kPercentiles;
  if ((numeric_metric || agg.type == T::kHistogram || agg.type == T::kRange) &&
      (type == ColumnType::kKeyword || type == ColumnType::kIp)) {
    static constexpr const char* kNames[] = {"terms", "date_histogram", "histogram", "range", "date_range",
                                             "ip_range", "filter", "filters", "missing", "composite",
                                             "sum", "avg", "min", "max", "value_count", "stats",
                                             "extended_stats", "cardinality", "percentiles", "top_hits"};
    return Status::InvalidArgument(fmt::format(
        "illegal_argument_exception: Field [{}] of type [{}] is not supported for aggregation [{}]", agg.field,
        EsTypeName(type), kNames[static_cast<int>(agg.type)]));
  }
  if ((agg.type == T::kDateHistogram || agg.type == T::kDateRange) && type != ColumnType::kTimestamp) {
    return Status::InvalidArgument(fmt::format(
        "illegal_argument_exception: Field [{}] of type [{}] is not supported for aggregation [{}]", agg.field,
        EsTypeName(type), agg.type == T::kDateHistogram ? "date_histogram" : "date_range"));
  }
  if (agg.type == T::kIpRange && type != ColumnType::kIp) {
    return Status::InvalidArgument(fmt::format(
        "illegal_argument_exception: Field [{}] of type [{}] is not supported for aggregation [ip_range]", agg.field,
        EsTypeName(type)));
  }
  std::unique_ptr<BucketCollector> bucket;
  switch (agg.type) {
    case T::kTerms: {
      auto terms = std::make_unique<TermsCollector>(agg, std::move(cursor));
      s = terms->InitSubs(ctx);
      if (s.ok()) s = terms->InitFused(ctx);
      *out = std::move(terms);
      return s;
    }
    case T::kDateHistogram: {
      DateHistogramRounding rounding;
      s = DateHistogramRounding::Make(agg, &rounding);
      if (!s.ok()) return s;
      bucket = std::make_unique<DateHistogramCollector>(agg, std::move(cursor), std::move(rounding));
      break;
    }
    case T::kHistogram: bucket = std::make_unique<HistogramCollector>(agg, std::move(cursor)); break;
    case T::kRange:
    case T::kDateRange: bucket = std::make_unique<RangeCollector>(agg, std::move(cursor)); break;
    case T::kIpRange: bucket = std::make_unique<IpRangeCollector>(agg, std::move(cursor)); break;
    case T::kMissing: bucket = std::make_unique<MissingCollector>(agg, std::move(cursor)); break;
    default:
      *out = std::make_unique<MetricCollector>(agg, std::move(cursor));
      return Status::OK();
  }
  s = bucket->InitSubs(ctx);
  *out = std::move(bucket);
  return s;
}

}  // namespace

void TrimTopHits(const AggRequest& agg, std::vector<AggHit>* hits) {
  std::stable_sort(hits->begin(), hits->end(), [&](const AggHit& a, const AggHit& b) {
    for (size_t i = 0; i < agg.sort.size(); ++i) {
      const bool am = a.sort[i].kind == SortValue::Kind::kMissing, bm = b.sort[i].kind == SortValue::Kind::kMissing;
      if (am != bm) return agg.sort[i].missing_first ? am : bm;
      const int c = CompareSortValues(a.sort[i], b.sort[i]);
      if (c != 0) return agg.sort[i].descending ? c > 0 : c < 0;
    }
    return a.segment != b.segment ? a.segment < b.segment : a.row < b.row;
  });
  if (hits->size() > agg.from + agg.size) hits->resize(agg.from + agg.size);
}

std::string IpKeyText(const AggKey& key) {
  IpAddress ip;
  if (const auto* v4 = std::get_if<int64_t>(&key)) {
    ip = IpAddress::FromV4(static_cast<uint32_t>(*v4));
  } else if (const auto* v6 = std::get_if<std::string>(&key); v6 && v6->size() == 16) {
    ip.family = IpAddress::Family::kV6;
    std::memcpy(ip.bytes.data(), v6->data(), 16);
  } else {
    return "";
  }
  char buf[kMaxIpTextLength];
  return std::string(buf, FormatIpAddress(ip, buf));
}

void IpKeysToText(AggResult* result) {
  if (!result->ip_keys) return;
  std::map<AggKey, AggBucket> text;
  for (auto& [key, bucket] : result->buckets) text.emplace(IpKeyText(key), std::move(bucket));
  result->buckets = std::move(text);
  result->ip_keys = false;
}

namespace {

void MergeBucket(const AggRequest& agg, AggBucket&& from, AggBucket* into) {
  into->doc_count += from.doc_count;
  into->subs.resize(agg.subs.size());
  for (size_t i = 0; i < agg.subs.size() && i < from.subs.size(); ++i) {
    MergeAggResult(agg.subs[i], std::move(from.subs[i]), &into->subs[i]);
  }
}

}  // namespace

// Both maps are in key order: one pass over both, moving `from`'s nodes
// into *into where a key is new (no allocation, no tree search), unless
// `from` is much the smaller, when a search per key is cheaper than the walk.
void MergeBuckets(const AggRequest& agg, std::map<AggKey, AggBucket>&& from, std::map<AggKey, AggBucket>* into) {
  if (into->empty()) {
    *into = std::move(from);  // the first segment's buckets as they are
    return;
  }
  const bool walk = from.size() * 8 >= into->size();
  auto at = into->begin();
  while (!from.empty()) {
    auto node = from.extract(from.begin());
    if (walk) {
      while (at != into->end() && at->first < node.key()) ++at;
    } else {
      at = into->lower_bound(node.key());
    }
    if (at != into->end() && !(node.key() < at->first)) {
      MergeBucket(agg, std::move(node.mapped()), &at->second);
      ++at;
    } else {
      into->insert(at, std::move(node));  // just before `at`, which stays the next to compare
    }
  }
}

void MergeAggResult(const AggRequest& agg, AggResult&& from, AggResult* into) {
  if (from.ip_keys != into->ip_keys) {
    // Keyed by address on one side only (an ip field here, a keyword there):
    // both by text. A side without buckets takes the other's keying.
    if (from.buckets.empty()) {
      from.ip_keys = into->ip_keys;
    } else if (into->buckets.empty()) {
      into->ip_keys = from.ip_keys;
    } else {
      IpKeysToText(from.ip_keys ? &from : into);
    }
  }
  MergeBuckets(agg, std::move(from.buckets), &into->buckets);
  if (into->composite.empty()) {
    into->composite = std::move(from.composite);
  } else {
    for (auto& [key, bucket] : from.composite) MergeBucket(agg, std::move(bucket), &into->composite[key]);
    while (into->composite.size() > agg.size) into->composite.erase(std::prev(into->composite.end()));
  }
  if (from.count > 0) {
    if (into->count == 0 || from.min < into->min) into->min = from.min;
    if (into->count == 0 || from.max > into->max) into->max = from.max;
  }
  into->dates |= from.dates;
  into->count += from.count;
  into->sum += from.sum;
  into->sum_of_squares += from.sum_of_squares;
  into->values.insert(into->values.end(), from.values.begin(), from.values.end());
  if (from.cardinality) {
    if (!into->cardinality) {
      into->cardinality = std::move(from.cardinality);
    } else {
      into->cardinality->Merge(*from.cardinality);
    }
  }
  if (!from.hits.empty()) {
    for (AggHit& h : from.hits) into->hits.push_back(std::move(h));
    TrimTopHits(agg, &into->hits);
  }
  into->hits_total += from.hits_total;
  into->unfilterable_keys |= from.unfilterable_keys;
  into->boolean_keys |= from.boolean_keys;
}

Status DateHistogramRounding::Make(const AggRequest& agg, DateHistogramRounding* out) {
  *out = DateHistogramRounding{};
  Status s = TimeZone::Parse(agg.time_zone, &out->tz_);
  if (!s.ok()) return Status::InvalidArgument("illegal_argument_exception: " + std::string(s.message()));
  out->fixed_ms_ = agg.fixed_interval_ms;
  out->offset_ms_ = static_cast<int64_t>(agg.offset);
  if (out->fixed_ms_ == 0) {
    const std::string& u = agg.calendar_unit;
    const char letter = u == "minute" || u == "1m" ? 'm'
                        : u == "hour" || u == "1h" ? 'h'
                        : u == "day" || u == "1d" ? 'd'
                        : u == "week" || u == "1w" ? 'w'
                        : u == "month" || u == "1M" ? 'M'
                        : u == "quarter" || u == "1q" ? 'q'
                        : u == "year" || u == "1y" ? 'y'
                                                   : '?';
    if (!DateUnitFromLetter(letter, &out->unit_)) {
      return Status::InvalidArgument("illegal_argument_exception: The supplied interval [" + u +
                                     "] could not be parsed as a calendar interval.");
    }
  }
  return Status::OK();
}

int64_t DateHistogramRounding::Key(int64_t utc_ms) const {
  const int64_t t = utc_ms - offset_ms_;
  int64_t key;
  if (fixed_ms_ > 0) {
    // Fixed intervals count from the epoch on the local clock.
    const int64_t local = t + tz_.OffsetAt(t);
    const int64_t floored = (local >= 0 ? local / fixed_ms_ : (local - fixed_ms_ + 1) / fixed_ms_) * fixed_ms_;
    key = tz_.is_utc() ? floored : tz_.LocalToUtc(floored);
  } else {
    key = FloorToUnit(t, unit_, tz_);
  }
  return key + offset_ms_;
}

int64_t DateHistogramRounding::Next(int64_t key) const {
  const int64_t t = key - offset_ms_;
  int64_t next;
  if (fixed_ms_ > 0) {
    next = tz_.is_utc() ? t + fixed_ms_ : tz_.LocalToUtc(t + tz_.OffsetAt(t) + fixed_ms_);
  } else {
    next = AddUnits(t, 1, unit_, tz_);
  }
  // A local clock can repeat a bucket (the hour the clocks go back).
  if (next <= t) next = t + 1;
  return next + offset_ms_;
}

bool CompositeOrder::operator()(const std::vector<AggKey>& a, const std::vector<AggKey>& b) const {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    const bool desc = i < descending.size() && descending[i];
    return desc ? b[i] < a[i] : a[i] < b[i];
  }
  return a.size() < b.size();
}

Status CollectAggregations(const std::vector<AggRequest>& aggs, const AggContext& ctx, const roaring_bitmap_s* rows_in,
                           std::vector<AggResult>* results) {
  const roaring_bitmap_t* rows = reinterpret_cast<const roaring_bitmap_t*>(rows_in);
  results->resize(aggs.size());
  std::vector<std::unique_ptr<Collector>> collectors;
  std::vector<std::vector<AggKey>> afters(aggs.size());
  for (size_t a = 0; a < aggs.size(); ++a) {
    if (aggs[a].type == T::kComposite) {
      auto c = std::make_unique<CompositeCollector>(aggs[a]);
      Status s = CompositeAfterKey(aggs[a], ctx.now_ms, &afters[a]);
      if (s.ok()) s = c->Init(ctx, aggs[a].after.empty() ? nullptr : &afters[a]);
      if (!s.ok()) return s;
      collectors.push_back(std::move(c));
      continue;
    }
    collectors.emplace_back();
    Status s = MakeCollector(aggs[a], ctx, &collectors.back());
    if (!s.ok()) return s;
  }
  // Block by block, so that what is passed down stays small.
  std::vector<uint32_t> batch(kRowsPerBlock), slots(kRowsPerBlock, 0);
  roaring_uint32_iterator_t* it = roaring_create_iterator(rows);
  Status s;
  while (it->has_value && s.ok()) {
    const uint32_t n = roaring_read_uint32_iterator(it, batch.data(), static_cast<uint32_t>(batch.size()));
    uint64_t memory = 0;
    for (auto& c : collectors) {
      s = c->Collect(batch.data(), slots.data(), n);
      if (!s.ok()) break;
      memory += c->Memory();
    }
    if (s.ok() && memory > kAggMemoryLimit) {
      s = Status::InvalidArgument(fmt::format(
          "circuit_breaking_exception: [request] Data too large, data for [<agg [{}]>] would be [{}/{}mb], which is "
          "larger than the limit of [{}/{}mb]",
          aggs.empty() ? "" : aggs[0].name, memory, memory >> 20, kAggMemoryLimit, kAggMemoryLimit >> 20));
    }
  }
  roaring_free_uint32_iterator(it);
  if (!s.ok()) return s;
  for (size_t a = 0; a < aggs.size(); ++a) {
    s = collectors[a]->Finish({&(*results)[a]});
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace flowdex
