// KeySource: the bucket keys one field gives each row of a segment, for
// terms, composite sources and cardinality: a stored column's own values
// (dictionary codes, integers, double bits, addresses), or a derived
// field's (the decimal text of an integer, an address's text, enumerated
// values such as event.outcome, the Community ID). Keys are 64-bit numbers
// while collecting; ResultKey turns one into what the response shows.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <xxhash.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "flowlog/ip_address.h"
#include "query/aggs/aggregation.h"
#include "query/aggs/field_cursor.h"
#include "schema/field_binding.h"

namespace flowdex {

class InventoryHistory;

// Keys of a column's own values: dictionary codes, integers, double bits,
// IPv4 addresses (tagged), IPv6 addresses (interned per segment).
class ValueKeys {
 public:
  static constexpr uint64_t kV4Tag = uint64_t{1} << 32;
  static constexpr uint64_t kV6Tag = uint64_t{1} << 62;

  [[gnu::always_inline]] uint64_t KeyOf(const ColumnBlock& b, size_t k) {
    if (b.type != ColumnType::kIp) return b.values[k];
    if (!b.is_v6(k)) return kV4Tag | b.v4[k];
    const IpAddress& ip = b.v6_at(k);
    if (ip.is_v4()) return kV4Tag | ip.v4();
    auto [it, fresh] = v6_index_.try_emplace(ip.bytes, static_cast<uint32_t>(v6_.size()));
    if (fresh) v6_.push_back(ip);
    return kV6Tag | it->second;
  }
  // The address a key of an ip column stands for.
  IpAddress Address(uint64_t key) const {
    return (key & kV6Tag) ? v6_[key & 0xffffffff] : IpAddress::FromV4(static_cast<uint32_t>(key));
  }
  // The key as the response shows it (addresses as text).
  AggKey ResultKey(ColumnType type, const std::vector<std::string>* dict, uint64_t key) const;
  // An ip column's key as an address-keyed bucket key (AggResult::ip_keys).
  AggKey AddressKey(uint64_t key) const;
  // Keys below this fit an array of buckets (0: use a hash table).
  static uint64_t DenseSpace(ColumnType type, const std::vector<std::string>* dict);

 private:
  struct Key16Hash {
    size_t operator()(const std::array<uint8_t, 16>& k) const { return XXH3_64bits(k.data(), k.size()); }
  };
  absl::flat_hash_map<std::array<uint8_t, 16>, uint32_t, Key16Hash> v6_index_;
  std::vector<IpAddress> v6_;
};

class KeySource {
 public:
  // The keys of `field` in `seg`; *out is null when the segment has none of
  // its columns (nothing to bucket there). `selection`: as FieldCursor::Init.
  // `inventory` (may be null): an owner fact of a row stored without an
  // owner comes from the inventory at the row's start (query-time naming).
  static Status Make(const FieldBinding& field, const SegmentReader& seg, std::unique_ptr<KeySource>* out,
                     const roaring_bitmap_s* selection = nullptr, const InventoryHistory* inventory = nullptr);
  virtual ~KeySource() = default;

  // Appends the keys of `row` (none, one or several) to *keys.
  virtual Status Keys(uint32_t row, std::vector<uint64_t>* keys) = 0;
  // A key as the response shows it.
  virtual AggKey ResultKey(uint64_t key) const = 0;
  // Keys below this fit an array of buckets (0: use a hash table).
  virtual uint64_t DenseSpace() const { return 0; }
  // Buckets keyed by address (an ip field: AggResult::ip_keys), and the key.
  virtual bool AddressKeys() const { return false; }
  virtual AggKey AddressKey(uint64_t) const { return AggKey{}; }
  // A boolean field's 0 and 1 (AggResult::boolean_keys).
  virtual bool BooleanKeys() const { return false; }
  // A date field's epoch milliseconds (AggResult::date_keys).
  virtual bool DateKeys() const { return false; }
  // Whether a term query on the field for a result key finds exactly the
  // rows of its bucket (AggResult::unfilterable_keys).
  virtual bool Refindable() const = 0;
  // A stored column read as it is: the terms fast paths read its blocks
  // directly (nullptr for the others).
  struct Plain {
    FieldCursor* cursor;
    ValueKeys* values;
  };
  virtual Plain plain() { return {nullptr, nullptr}; }
};

}  // namespace flowdex
