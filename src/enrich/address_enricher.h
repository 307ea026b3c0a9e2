// AddressEnricher: the FlowRecordEnricher that says what each address of a
// record is, from the enrichment sources given: GeoIP and ASN databases
// (source.geo, source.as, as Elastic's aws.vpcflow pipeline adds them),
// AWS's published ranges (source.aws.service / .region) and the AWS
// inventory's history (source.aws.instance.name, ...: the owner at the
// flow's start). Lookups are cached per address (and owner range): a VPC
// talks to few addresses, so most records cost a few hash probes. One per
// reader (not thread-safe); the sources behind it are shared.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "enrich/aws_ip_ranges.h"
#include "enrich/geoip_directory.h"
#include "flowlog/flow_log_reader.h"
#include "inventory/inventory_file.h"
#include "inventory/inventory_refresher.h"

namespace flowdex {

// What records are enriched from (either may be missing).
struct EnrichmentSources {
  std::shared_ptr<GeoIpDirectory> geoip;             // --geoip-dir
  std::shared_ptr<const AwsIpRanges> aws_ip_ranges;  // --aws-ip-ranges
  std::shared_ptr<InventoryFile> inventory;          // --inventory
  // --inventory-refresh: keeps the file synced while a copy of the sources lives.
  std::shared_ptr<InventoryRefresher> inventory_refresher;
  bool active() const { return geoip != nullptr || aws_ip_ranges != nullptr || inventory != nullptr; }
};

class AddressEnricher final : public FlowRecordEnricher {
 public:
  // At most `max_cached` addresses are remembered; the cache starts over
  // when it is full.
  explicit AddressEnricher(EnrichmentSources sources, size_t max_cached = 1 << 16);
  ~AddressEnricher() override;

  // Takes the current GeoIP databases and inventory history (a replaced
  // file is picked up here, between streams, never in the middle of one).
  void BeginStream() override;
  void Enrich(FlowRecord* record) override;

  // The facts for one address (nullptr when there are none); valid until
  // the next BeginStream or Enrich (Lookup itself never evicts).
  const AddressFacts* Lookup(const IpAddress& ip);
  // Lookup's facts plus the inventory's owner of `ip` at `time_ms` (in
  // `vpc`'s VPC when the address is in several); same lifetime.
  const AddressFacts* LookupAt(const IpAddress& ip, int64_t time_ms, std::string_view vpc);

  // What enriches the records ("GeoLite2-City 2025-12-01, GeoLite2-ASN
  // 2025-12-01, AWS ip-ranges 2026-12-01-20-13-09"), recorded per file.
  const std::string& sources_description() const { return described_; }
  uint64_t lookups() const { return lookups_; }  // lookups in the sources (cache misses)
  uint64_t errors() const { return errors_; }    // GeoIP lookups that failed (damaged file)
  const std::string& last_error() const { return last_error_; }

 private:
  using Key = IpHashKey;
  struct Entry {
    GeoIpRecord record;
    AddressFacts facts;
  };
  static Key KeyOf(const IpAddress& ip) { return IpHashKey::Of(ip); }
  void Reset();

  EnrichmentSources sources_;
  size_t max_cached_;
  std::shared_ptr<const GeoIpDatabases> databases_;
  std::shared_ptr<const InventoryHistory> history_;
  std::string described_;
  bool begun_ = false;                                   // BeginStream has run
  absl::flat_hash_map<Key, const AddressFacts*> cache_;  // nullptr: nothing known
  std::deque<Entry> entries_;                            // stable addresses for the facts
  // (owner range, facts without the owner) -> facts with the owner.
  absl::flat_hash_map<std::pair<const OwnerRange*, const AddressFacts*>, const AddressFacts*> owned_;
  std::deque<AddressFacts> owned_facts_;
  uint64_t lookups_ = 0, errors_ = 0;
  std::string last_error_;
};

}  // namespace flowdex
