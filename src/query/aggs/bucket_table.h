// Bucket tables: (parent bucket, key) -> this segment's bucket number, as
// fast as the key space allows (the hot loop of every bucket aggregation).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <bit>
#include <cstdint>
#include <vector>

namespace flowdex {

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

}  // namespace flowdex
