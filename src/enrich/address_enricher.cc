#include "enrich/address_enricher.h"

#include <cstring>

namespace flowdex {

AddressEnricher::AddressEnricher(EnrichmentSources sources, size_t max_cached)
    : sources_(std::move(sources)), max_cached_(max_cached) {}
AddressEnricher::~AddressEnricher() = default;

AddressEnricher::Key AddressEnricher::KeyOf(const IpAddress& ip) {
  Key k;
  std::memcpy(&k.hi, ip.bytes.data(), 8);
  std::memcpy(&k.lo, ip.bytes.data() + 8, 8);
  // IPv4 keeps bytes 4..15 zero; mark it so 1.2.3.4 and 102:304:: differ.
  if (ip.is_v4()) k.lo = ~uint64_t{0};
  return k;
}

void AddressEnricher::Reset() {
  cache_.clear();
  entries_.clear();
}

void AddressEnricher::BeginStream() {
  std::shared_ptr<const GeoIpDatabases> current = sources_.geoip ? sources_.geoip->Current() : nullptr;
  if (current == databases_ && !described_.empty()) return;
  Reset();
  databases_ = std::move(current);
  described_ = databases_ ? databases_->Describe() : std::string();
  if (sources_.aws_ip_ranges) {
    described_ += (described_.empty() ? "" : ", ") + sources_.aws_ip_ranges->description();
  }
}

const AddressFacts* AddressEnricher::Lookup(const IpAddress& ip) {
  if (described_.empty()) BeginStream();
  if (ip.family == IpAddress::Family::kNone || IsSpecialPurposeAddress(ip)) return nullptr;
  const Key key = KeyOf(ip);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  ++lookups_;
  GeoIpRecord record;
  Status s = databases_ ? databases_->Lookup(ip, &record) : Status::OK();
  if (!s.ok()) {
    ++errors_;
    last_error_ = s.ToString();
    record = GeoIpRecord{};
  }
  const AwsIpRanges::Range* aws = sources_.aws_ip_ranges ? sources_.aws_ip_ranges->Find(ip) : nullptr;
  const AddressFacts* facts = nullptr;
  if (!record.empty() || aws != nullptr) {
    Entry& e = entries_.emplace_back();
    e.record = std::move(record);
    e.facts = e.record.Facts();
    if (aws != nullptr) {
      // The ranges outlive the entry: sources_ holds them.
      e.facts.aws_service = aws->service;
      e.facts.aws_region = aws->region;
    }
    e.facts.id = NextAddressFactsId();
    facts = &e.facts;
  }
  cache_.emplace(key, facts);
  return facts;
}

void AddressEnricher::Enrich(FlowRecord* record) {
  // Start over between records, never within one: the facts of the
  // record's source must stay valid while its destination is looked up.
  if (cache_.size() + 2 > max_cached_) Reset();
  if (record->has(FlowField::kSrcAddr)) record->set_facts(FlowSide::kSource, Lookup(record->src_addr()));
  if (record->has(FlowField::kDstAddr)) record->set_facts(FlowSide::kDestination, Lookup(record->dst_addr()));
}

}  // namespace flowdex
