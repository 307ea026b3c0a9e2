#include "enrich/geoip_enricher.h"

#include <cstring>

namespace flowdex {

GeoIpEnricher::GeoIpEnricher(GeoIpDirectory* dir, size_t max_cached) : dir_(dir), max_cached_(max_cached) {}
GeoIpEnricher::~GeoIpEnricher() = default;

GeoIpEnricher::Key GeoIpEnricher::KeyOf(const IpAddress& ip) {
  Key k;
  std::memcpy(&k.hi, ip.bytes.data(), 8);
  std::memcpy(&k.lo, ip.bytes.data() + 8, 8);
  // IPv4 keeps bytes 4..15 zero; mark it so 1.2.3.4 and 102:304:: differ.
  if (ip.is_v4()) k.lo = ~uint64_t{0};
  return k;
}

void GeoIpEnricher::Reset() {
  cache_.clear();
  entries_.clear();
}

void GeoIpEnricher::BeginStream() {
  std::shared_ptr<const GeoIpDatabases> current = dir_->Current();
  if (current == databases_) return;
  Reset();
  databases_ = std::move(current);
  described_ = databases_->Describe();
}

const AddressFacts* GeoIpEnricher::Lookup(const IpAddress& ip) {
  if (databases_ == nullptr) BeginStream();
  if (ip.family == IpAddress::Family::kNone || IsSpecialPurposeAddress(ip)) return nullptr;
  const Key key = KeyOf(ip);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  ++lookups_;
  GeoIpRecord record;
  Status s = databases_->Lookup(ip, &record);
  if (!s.ok()) {
    ++errors_;
    last_error_ = s.ToString();
  }
  const AddressFacts* facts = nullptr;
  if (s.ok() && !record.empty()) {
    Entry& e = entries_.emplace_back();
    e.record = std::move(record);
    e.facts = e.record.Facts();
    e.facts.id = NextAddressFactsId();
    facts = &e.facts;
  }
  cache_.emplace(key, facts);
  return facts;
}

void GeoIpEnricher::Enrich(FlowRecord* record) {
  // Start over between records, never within one: the facts of the
  // record's source must stay valid while its destination is looked up.
  if (cache_.size() + 2 > max_cached_) Reset();
  if (record->has(FlowField::kSrcAddr)) record->set_facts(FlowSide::kSource, Lookup(record->src_addr()));
  if (record->has(FlowField::kDstAddr)) record->set_facts(FlowSide::kDestination, Lookup(record->dst_addr()));
}

}  // namespace flowdex
