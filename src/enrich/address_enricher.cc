#include "enrich/address_enricher.h"

#include <cstring>

#include <fmt/format.h>

#include "inventory/inventory_namer.h"
#include "util/time_util.h"

namespace flowdex {

AddressEnricher::AddressEnricher(EnrichmentSources sources, size_t max_cached)
    : sources_(std::move(sources)), max_cached_(max_cached) {}
AddressEnricher::~AddressEnricher() = default;

void AddressEnricher::Reset() {
  cache_.clear();
  entries_.clear();
  owned_.clear();
  owned_facts_.clear();
}

void AddressEnricher::BeginStream() {
  std::shared_ptr<const GeoIpDatabases> current = sources_.geoip ? sources_.geoip->Current() : nullptr;
  std::shared_ptr<const InventoryHistory> history = sources_.inventory ? sources_.inventory->Current() : nullptr;
  if (begun_ && current == databases_ && history == history_) return;
  begun_ = true;
  Reset();
  databases_ = std::move(current);
  history_ = std::move(history);
  described_ = databases_ ? databases_->Describe() : std::string();
  auto add = [&](const std::string& part) { described_ += (described_.empty() ? "" : ", ") + part; };
  if (sources_.aws_ip_ranges) add(sources_.aws_ip_ranges->description());
  if (history_ && !history_->syncs().empty()) {
    char when[32] = {};
    FormatIso8601Millis(history_->syncs().back().time_ms, when);
    add(fmt::format("AWS inventory synced {} ({} addresses)", when, history_->addresses()));
  }
}

const AddressFacts* AddressEnricher::Lookup(const IpAddress& ip) {
  if (!begun_) BeginStream();
  if (databases_ == nullptr && sources_.aws_ip_ranges == nullptr) return nullptr;  // only the inventory
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

const AddressFacts* AddressEnricher::LookupAt(const IpAddress& ip, int64_t time_ms, std::string_view vpc) {
  const AddressFacts* base = Lookup(ip);
  if (history_ == nullptr || history_->addresses() == 0) return base;
  const OwnerRange* range = history_->Find(ip, time_ms, vpc);
  if (range == nullptr) return base;
  auto [it, fresh] = owned_.try_emplace(std::make_pair(range, base), nullptr);
  if (fresh) {
    AddressFacts& f = owned_facts_.emplace_back();
    MergeOwnerFacts(base, range->owner->facts(), &f);
    f.id = NextAddressFactsId();
    it->second = &f;
  }
  return it->second;
}

void AddressEnricher::Enrich(FlowRecord* record) {
  if (!begun_) BeginStream();
  // Start over between records, never within one: the facts of the
  // record's source must stay valid while its destination is looked up.
  if (cache_.size() + owned_.size() + 4 > max_cached_) Reset();
  if (history_ == nullptr || history_->addresses() == 0) {
    if (databases_ == nullptr && sources_.aws_ip_ranges == nullptr) return;  // an inventory still to come
    if (record->has(FlowField::kSrcAddr)) record->set_facts(FlowSide::kSource, Lookup(record->src_addr()));
    if (record->has(FlowField::kDstAddr)) record->set_facts(FlowSide::kDestination, Lookup(record->dst_addr()));
    return;
  }
  // Named by the owner when the flow started (its end when it has no start).
  const int64_t time_ms = FlowNamingTimeMs(*record);
  const std::string_view vpc =
      history_->VpcHint(record->text(FlowField::kVpcId), record->text(FlowField::kInterfaceId));
  if (record->has(FlowField::kSrcAddr)) {
    record->set_facts(FlowSide::kSource, LookupAt(record->src_addr(), time_ms, vpc));
  }
  if (record->has(FlowField::kDstAddr)) {
    record->set_facts(FlowSide::kDestination, LookupAt(record->dst_addr(), time_ms, vpc));
  }
}

}  // namespace flowdex
