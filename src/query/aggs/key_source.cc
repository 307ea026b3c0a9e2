#include "query/aggs/key_source.h"

#include <charconv>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "flowlog/address_facts.h"
#include "flowlog/community_id.h"
#include "flowlog/ecs_fields.h"
#include "inventory/inventory_history.h"
#include "query/aggs/metric_collector.h"
#include "schema/field_catalog.h"

namespace flowdex {

namespace {

std::string AddressText(const IpAddress& ip) {
  char buf[kMaxIpTextLength];
  return std::string(buf, FormatIpAddress(ip, buf));
}

// A stored column's values (several columns: each one's).
class ColumnKeys final : public KeySource {
 public:
  explicit ColumnKeys(FieldCursor cursor) : cursor_(std::move(cursor)) {}
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) { keys->push_back(values_.KeyOf(b, k)); });
  }
  AggKey ResultKey(uint64_t key) const override { return values_.ResultKey(cursor_.type(), cursor_.dictionary(), key); }
  uint64_t DenseSpace() const override { return ValueKeys::DenseSpace(cursor_.type(), cursor_.dictionary()); }
  bool AddressKeys() const override { return cursor_.type() == ColumnType::kIp; }
  AggKey AddressKey(uint64_t key) const override { return values_.AddressKey(key); }
  bool BooleanKeys() const override { return cursor_.type() == ColumnType::kBool; }
  bool DateKeys() const override { return cursor_.type() == ColumnType::kTimestamp; }
  bool Refindable() const override {
    // Keywords, addresses and integers: what a term query matches exactly
    // (not booleans, doubles, dates or unsigned 64-bit keys shown as doubles).
    const ColumnType type = cursor_.type();
    return HasDictionary(type) || type == ColumnType::kIp || type == ColumnType::kUInt8 ||
           type == ColumnType::kUInt16 || type == ColumnType::kUInt32 || type == ColumnType::kInt64;
  }
  Plain plain() override { return cursor_.simple() ? Plain{&cursor_, &values_} : Plain{nullptr, nullptr}; }

 private:
  FieldCursor cursor_;
  ValueKeys values_;
};

// A keyword kept as an integer column: keyed by the integer, shown as its text.
class DecimalTextKeys final : public KeySource {
 public:
  explicit DecimalTextKeys(FieldCursor cursor) : cursor_(std::move(cursor)) {}
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) { keys->push_back(b.values[k]); });
  }
  AggKey ResultKey(uint64_t key) const override { return std::to_string(key); }
  uint64_t DenseSpace() const override { return ValueKeys::DenseSpace(cursor_.type(), nullptr); }
  bool Refindable() const override { return true; }

 private:
  FieldCursor cursor_;
};

// An address column's text: keyed by the address, shown (and ordered) as text.
class AddressTextKeys final : public KeySource {
 public:
  explicit AddressTextKeys(FieldCursor cursor) : cursor_(std::move(cursor)) {}
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
      if (b.type == ColumnType::kIp) keys->push_back(values_.KeyOf(b, k));
    });
  }
  AggKey ResultKey(uint64_t key) const override { return AddressText(values_.Address(key)); }
  bool Refindable() const override { return true; }

 private:
  FieldCursor cursor_;
  ValueKeys values_;
};

// An enumerated field: the key is the index of the value in the field's
// table; a row has every value whose condition its column meets.
class EnumeratedKeys final : public KeySource {
 public:
  EnumeratedKeys(const EnumeratedField* field, FieldCursor cursor, bool has_column)
      : field_(field), cursor_(std::move(cursor)), has_column_(has_column) {
    for (size_t i = 0; i < field_->values.size(); ++i) {
      if (field_->values[i].when == EnumeratedValue::When::kAlways) always_.push_back(i);
    }
    if (const auto* dict = cursor_.dictionary()) {
      // Per dictionary code, once: the values it gives.
      by_code_.resize(dict->size());
      for (size_t code = 0; code < dict->size(); ++code) {
        for (size_t i = 0; i < field_->values.size(); ++i) {
          const EnumeratedValue& v = field_->values[i];
          if (v.when == EnumeratedValue::When::kKeywordEquals && v.keyword == (*dict)[code])
            by_code_[code].push_back(i);
        }
      }
    }
  }
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    for (size_t i : always_) keys->push_back(i);
    if (!has_column_) return Status::OK();
    return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
      if (!by_code_.empty()) {
        if (b.values[k] < by_code_.size()) {
          for (size_t i : by_code_[b.values[k]]) keys->push_back(i);
        }
        return;
      }
      for (size_t i = 0; i < field_->values.size(); ++i) {
        const EnumeratedValue& v = field_->values[i];
        bool hit = false;
        switch (v.when) {
          case EnumeratedValue::When::kIntegerEquals:
            hit = b.type != ColumnType::kIp && b.values[k] == v.integer;
            break;
          case EnumeratedValue::When::kBitSet: hit = b.type != ColumnType::kIp && (b.values[k] & v.integer) != 0; break;
          case EnumeratedValue::When::kIpFamily:
            hit = b.type == ColumnType::kIp && (v.integer == 4 ? b.ip(k).is_v4() : b.ip(k).is_v6());
            break;
          default: break;
        }
        if (hit) keys->push_back(i);
      }
    });
  }
  AggKey ResultKey(uint64_t key) const override { return std::string(field_->values[key].value); }
  uint64_t DenseSpace() const override { return field_->values.size(); }
  bool Refindable() const override { return true; }

 private:
  const EnumeratedField* field_;
  FieldCursor cursor_;
  bool has_column_;
  std::vector<size_t> always_;
  std::vector<std::vector<size_t>> by_code_;  // keyword columns: the values of each code
};

// The Community ID of each row, computed from its 5-tuple and interned.
class CommunityIdKeys final : public KeySource {
 public:
  explicit CommunityIdKeys(std::vector<FieldCursor> parts) : parts_(std::move(parts)) {}
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    IpAddress ips[2];
    uint64_t numbers[3] = {0, 0, 0};
    bool have[5] = {};
    for (int c = 0; c < 5; ++c) {
      Status s = parts_[c].ForEach(row, [&](const ColumnBlock& b, size_t k) {
        have[c] = true;
        if (c < 2) {
          ips[c] = b.ip(k);
        } else {
          numbers[c - 2] = b.values[k];
        }
      });
      if (!s.ok()) return s;
    }
    const uint8_t protocol = static_cast<uint8_t>(numbers[2]);
    if (!have[0] || !have[1] || !have[4] || (CommunityIdUsesPorts(protocol) && (!have[2] || !have[3]))) {
      return Status::OK();
    }
    char cid[kCommunityIdLength];
    if (!hasher_.Compute(ips[0], ips[1], static_cast<uint16_t>(numbers[0]), static_cast<uint16_t>(numbers[1]), protocol,
                         cid)) {
      return Status::OK();
    }
    auto [it, fresh] = ids_.try_emplace(std::string(cid, kCommunityIdLength), texts_.size());
    if (fresh) texts_.push_back(it->first);
    keys->push_back(it->second);
    return Status::OK();
  }
  AggKey ResultKey(uint64_t key) const override { return texts_[key]; }
  bool Refindable() const override { return false; }  // a term query on it computes every row's: not worth it

 private:
  std::vector<FieldCursor> parts_;  // src, dst, src port, dst port, protocol
  CommunityIdHasher hasher_;
  absl::flat_hash_map<std::string, uint64_t> ids_;
  std::vector<std::string> texts_;
};

// One fact of the rows' facts column (source.geo.country_name, ...): each
// distinct set of facts (a dictionary code) is read once; its fact becomes
// an interned key (text), or the number itself for the AS number. A list
// fact (security groups) gives each element as a key.
class FactKeys final : public KeySource {
 public:
  FactKeys(FieldCursor cursor, const std::vector<std::string>* dict, FactField fact)
      : cursor_(std::move(cursor)),
        dict_(dict),
        fact_(fact),
        number_(fact == FactField::kAsNumber),
        list_(IsListFact(fact)) {}
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
      if (list_) {
        const uint64_t code = b.values[k];
        if (code < dict_->size()) {
          const std::vector<uint64_t>& list = ListKeysOfCode(code);
          keys->insert(keys->end(), list.begin(), list.end());
        }
        return;
      }
      const uint64_t key = KeyOfCode(b.values[k]);
      if (key != kNone) keys->push_back(key);
    });
  }
  AggKey ResultKey(uint64_t key) const override {
    if (number_) return static_cast<int64_t>(key);
    return texts_[key];
  }
  bool Refindable() const override { return true; }

 private:
  static constexpr uint64_t kNone = UINT64_MAX;
  uint64_t KeyOfCode(uint64_t code) {
    if (code >= dict_->size()) return kNone;
    if (by_code_.size() < dict_->size()) by_code_.resize(dict_->size(), kUnknown);
    uint64_t& key = by_code_[code];
    if (key != kUnknown) return key;
    const std::string_view fact = ExtractFact((*dict_)[code], fact_);
    if (fact.empty()) {
      key = kNone;
    } else if (number_) {
      uint64_t n = 0;
      const auto [p, ec] = std::from_chars(fact.data(), fact.data() + fact.size(), n);
      key = ec == std::errc() && p == fact.data() + fact.size() ? n : kNone;
    } else {
      key = Intern(fact);
    }
    return key;
  }
  uint64_t Intern(std::string_view text) {
    auto [it, fresh] = ids_.try_emplace(std::string(text), texts_.size());
    if (fresh) texts_.push_back(it->first);
    return it->second;
  }
  // A list fact's keys for one set of facts, worked out once per code.
  const std::vector<uint64_t>& ListKeysOfCode(uint64_t code) {
    if (list_by_code_.size() < dict_->size()) {
      list_by_code_.resize(dict_->size());
      list_known_.resize(dict_->size(), false);
    }
    if (!list_known_[code]) {
      list_known_[code] = true;
      ForEachFactElement(ExtractFact((*dict_)[code], fact_),
                         [&](std::string_view e) { list_by_code_[code].push_back(Intern(e)); });
    }
    return list_by_code_[code];
  }
  static constexpr uint64_t kUnknown = UINT64_MAX - 1;
  FieldCursor cursor_;
  const std::vector<std::string>* dict_;
  FactField fact_;
  bool number_;
  bool list_;                                        // a list fact: every element is a key
  std::vector<uint64_t> by_code_;                    // dictionary code -> key (kUnknown until seen)
  std::vector<std::vector<uint64_t>> list_by_code_;  // list facts: code -> keys
  std::vector<bool> list_known_;
  absl::flat_hash_map<std::string, uint64_t> ids_;
  std::vector<std::string> texts_;
};

// An owner fact (source.aws.instance.name, ...) with query-time naming:
// from the facts column when the row was stored with an owner, else from
// the inventory's owner of the row's address at its start (in its VPC).
class OwnerFactKeys final : public KeySource {
 public:
  OwnerFactKeys(FieldCursor facts, const std::vector<std::string>* dict, FactField fact, FieldCursor ip,
                FieldCursor start, FieldCursor vpc, const std::vector<std::string>* vpc_dict, FieldCursor eni,
                const std::vector<std::string>* eni_dict, const InventoryHistory* inventory)
      : facts_(std::move(facts)),
        dict_(dict),
        fact_(fact),
        ip_(std::move(ip)),
        start_(std::move(start)),
        vpc_(std::move(vpc)),
        vpc_dict_(vpc_dict),
        eni_(std::move(eni)),
        eni_dict_(eni_dict),
        inventory_(inventory) {}
  Status Keys(uint32_t row, std::vector<uint64_t>* keys) override {
    bool stored = false;
    Status s = dict_ == nullptr ? Status::OK() : facts_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
      const uint64_t code = b.values[k];
      if (code >= dict_->size()) return;
      const CodeKeys& known = OfCode(code);
      if (!known.has_owner) return;
      stored = true;
      keys->insert(keys->end(), known.keys.begin(), known.keys.end());
    });
    if (!s.ok() || stored) return s;
    IpAddress ip;
    int64_t start = 0;
    std::string_view vpc, eni;
    bool have_ip = false;
    s = ip_.ForEach(row, [&](const ColumnBlock& b, size_t k) { ip = b.ip(k), have_ip = true; });
    if (s.ok())
      s = start_.ForEach(row, [&](const ColumnBlock& b, size_t k) { start = static_cast<int64_t>(b.values[k]); });
    if (s.ok() && vpc_dict_ != nullptr) {
      s = vpc_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        if (b.values[k] < vpc_dict_->size()) vpc = (*vpc_dict_)[b.values[k]];
      });
    }
    if (s.ok() && eni_dict_ != nullptr) {
      s = eni_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        if (b.values[k] < eni_dict_->size()) eni = (*eni_dict_)[b.values[k]];
      });
    }
    if (!s.ok() || !have_ip) return s;
    const OwnerRange* range = inventory_->Find(ip, start, inventory_->VpcHint(vpc, eni));
    if (range == nullptr) return Status::OK();
    // (No structured binding: clang refuses lambdas that capture one.)
    const auto inserted = by_range_.try_emplace(range);
    std::vector<uint64_t>& list = inserted.first->second;
    if (inserted.second) {
      ForEachFactElement(FactText(range->owner->facts(), fact_),
                         [&](std::string_view e) { list.push_back(Intern(e)); });
    }
    keys->insert(keys->end(), list.begin(), list.end());
    return Status::OK();
  }
  AggKey ResultKey(uint64_t key) const override { return texts_[key]; }
  bool Refindable() const override { return true; }

 private:
  // What one set of facts (a dictionary code) says, worked out once.
  struct CodeKeys {
    bool known = false, has_owner = false;
    std::vector<uint64_t> keys;
  };
  const CodeKeys& OfCode(uint64_t code) {
    if (by_code_.size() < dict_->size()) by_code_.resize(dict_->size());
    CodeKeys& c = by_code_[code];
    if (!c.known) {
      c.known = true;
      const std::string_view text = (*dict_)[code];
      c.has_owner = FactsHaveOwner(text);
      if (c.has_owner)
        ForEachFactElement(ExtractFact(text, fact_), [&](std::string_view e) { c.keys.push_back(Intern(e)); });
    }
    return c;
  }
  uint64_t Intern(std::string_view text) {
    auto [it, fresh] = ids_.try_emplace(std::string(text), texts_.size());
    if (fresh) texts_.push_back(it->first);
    return it->second;
  }
  FieldCursor facts_;
  const std::vector<std::string>* dict_;  // null: the segment has no facts column
  FactField fact_;
  FieldCursor ip_, start_, vpc_;
  const std::vector<std::string>* vpc_dict_;  // null: the segment has no VPC column
  FieldCursor eni_;
  const std::vector<std::string>* eni_dict_;  // null: no interface column
  const InventoryHistory* inventory_;
  std::vector<CodeKeys> by_code_;                                           // stored owners, per code
  absl::flat_hash_map<const OwnerRange*, std::vector<uint64_t>> by_range_;  // the inventory's, per range
  absl::flat_hash_map<std::string, uint64_t> ids_;
  std::vector<std::string> texts_;
};

}  // namespace

AggKey ValueKeys::ResultKey(ColumnType type, const std::vector<std::string>* dict, uint64_t key) const {
  if (dict) return (*dict)[key];
  if (type == ColumnType::kIp) return AddressText(Address(key));
  if (type == ColumnType::kDouble) return AsDouble(type, key);
  if (type == ColumnType::kUInt64 && key > static_cast<uint64_t>(INT64_MAX)) return static_cast<double>(key);
  return static_cast<int64_t>(key);
}

AggKey ValueKeys::AddressKey(uint64_t key) const {
  if ((key & kV6Tag) == 0) return static_cast<int64_t>(static_cast<uint32_t>(key));
  const IpAddress& ip = v6_[key & 0xffffffff];
  return std::string(reinterpret_cast<const char*>(ip.bytes.data()), ip.bytes.size());
}

uint64_t ValueKeys::DenseSpace(ColumnType type, const std::vector<std::string>* dict) {
  if (dict) return dict->size();
  if (type == ColumnType::kUInt8) return 256;
  if (type == ColumnType::kUInt16) return 65536;
  if (type == ColumnType::kBool) return 2;
  return 0;
}

Status KeySource::Make(const FieldBinding& field, const SegmentReader& seg, std::unique_ptr<KeySource>* out,
                       const roaring_bitmap_s* selection, const InventoryHistory* inventory) {
  out->reset();
  if (!field.known) return Status::OK();
  if (field.source == FieldSource::kCommunityId) {
    std::vector<FieldCursor> parts(5);
    for (int c = 0; c < 5; ++c) {
      Status s = parts[c].Init(seg, std::vector<int>{seg.FindColumn(field.columns[c])}, selection);
      if (!s.ok()) return s;
    }
    if (parts[0].parts() == 0 || parts[1].parts() == 0 || parts[4].parts() == 0) return Status::OK();
    *out = std::make_unique<CommunityIdKeys>(std::move(parts));
    return Status::OK();
  }
  if (field.source == FieldSource::kFact) {
    const FactField fact = static_cast<FactField>(field.fact);
    const bool named_by_inventory = IsOwnerFact(fact) && inventory != nullptr && inventory->addresses() > 0;
    const int column = seg.FindColumn(field.columns[0]);
    // Without a facts column nothing was enriched: only the inventory names.
    if (column < 0 && !named_by_inventory) return Status::OK();
    const std::vector<std::string>* dict = nullptr;
    FieldCursor cursor;
    if (column >= 0) {
      if (Status s = seg.Dictionary(column, &dict); !s.ok() || dict == nullptr) {
        return s.ok() ? Status::Corruption(fmt::format("{}: no dictionary", field.columns[0])) : s;
      }
      if (Status s = cursor.Init(seg, std::vector<int>{column}, selection); !s.ok()) return s;
    }
    if (named_by_inventory) {
      const FieldCatalog& flow = FieldCatalog::Flow();
      const bool source = field.name.starts_with("source.");
      FieldCursor ip, start, vpc, eni;
      const std::vector<std::string>* vpc_dict = nullptr;
      const std::vector<std::string>* eni_dict = nullptr;
      Status s = ip.Init(seg, flow.Resolve(source ? "source.ip" : "destination.ip"), selection);
      if (s.ok()) s = start.Init(seg, flow.Resolve("event.start"), selection);
      // A keyword column's cursor and dictionary (both left empty when absent).
      auto keyword = [&](const char* name, FieldCursor* c, const std::vector<std::string>** d) {
        const int col = seg.FindColumn(flow.Resolve(name).columns[0]);
        if (col < 0) return Status::OK();
        Status st = seg.Dictionary(col, d);
        return st.ok() ? c->Init(seg, std::vector<int>{col}, selection) : st;
      };
      if (s.ok()) s = keyword("aws.vpcflow.vpc_id", &vpc, &vpc_dict);
      if (s.ok()) s = keyword("aws.vpcflow.interface_id", &eni, &eni_dict);
      if (!s.ok()) return s;
      *out = std::make_unique<OwnerFactKeys>(std::move(cursor), dict, fact, std::move(ip), std::move(start),
                                             std::move(vpc), vpc_dict, std::move(eni), eni_dict, inventory);
      return Status::OK();
    }
    *out = std::make_unique<FactKeys>(std::move(cursor), dict, fact);
    return Status::OK();
  }
  FieldCursor cursor;
  Status s = cursor.Init(seg, field, selection);
  if (!s.ok()) return s;
  if (field.source == FieldSource::kEnumerated) {
    const bool has_column = cursor.parts() > 0;
    if (!field.columns.empty() && !has_column) return Status::OK();
    *out = std::make_unique<EnumeratedKeys>(field.enumerated, std::move(cursor), has_column);
    return Status::OK();
  }
  if (cursor.parts() == 0) return Status::OK();
  switch (field.source) {
    case FieldSource::kDecimalText: *out = std::make_unique<DecimalTextKeys>(std::move(cursor)); break;
    case FieldSource::kAddressText: *out = std::make_unique<AddressTextKeys>(std::move(cursor)); break;
    default: *out = std::make_unique<ColumnKeys>(std::move(cursor)); break;
  }
  return Status::OK();
}

}  // namespace flowdex
