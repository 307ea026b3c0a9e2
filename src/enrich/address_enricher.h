// AddressEnricher: the FlowRecordEnricher that says what each address of a
// record is, from the enrichment sources given: GeoIP and ASN databases
// (source.geo, source.as, as Elastic's aws.vpcflow pipeline adds them) and
// AWS's published ranges (source.aws.service / .region). Lookups are cached
// per address: a VPC talks to few public addresses, so most records cost
// two hash probes. One per reader (not thread-safe); the sources behind it
// are shared.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "enrich/aws_ip_ranges.h"
#include "enrich/geoip_directory.h"
#include "flowlog/flow_log_reader.h"

namespace flowdex {

// What records are enriched from (either may be missing).
struct EnrichmentSources {
  std::shared_ptr<GeoIpDirectory> geoip;             // --geoip-dir
  std::shared_ptr<const AwsIpRanges> aws_ip_ranges;  // --aws-ip-ranges
  bool active() const { return geoip != nullptr || aws_ip_ranges != nullptr; }
};

class AddressEnricher final : public FlowRecordEnricher {
 public:
  // At most `max_cached` addresses are remembered; the cache starts over
  // when it is full.
  explicit AddressEnricher(EnrichmentSources sources, size_t max_cached = 1 << 16);
  ~AddressEnricher() override;

  // Takes the current GeoIP databases (a replaced file is picked up here,
  // between streams, never in the middle of one).
  void BeginStream() override;
  void Enrich(FlowRecord* record) override;

  // The facts for one address (nullptr when there are none); valid until
  // the next BeginStream or Enrich (Lookup itself never evicts).
  const AddressFacts* Lookup(const IpAddress& ip);

  // What enriches the records ("GeoLite2-City 2025-12-01, GeoLite2-ASN
  // 2025-12-01, AWS ip-ranges 2026-12-01-20-13-09"), recorded per file.
  const std::string& sources_description() const { return described_; }
  uint64_t lookups() const { return lookups_; }  // lookups in the sources (cache misses)
  uint64_t errors() const { return errors_; }    // GeoIP lookups that failed (damaged file)
  const std::string& last_error() const { return last_error_; }

 private:
  struct Key {
    uint64_t hi = 0, lo = 0;
    bool operator==(const Key& o) const { return hi == o.hi && lo == o.lo; }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.hi, k.lo);
    }
  };
  struct Entry {
    GeoIpRecord record;
    AddressFacts facts;
  };
  static Key KeyOf(const IpAddress& ip);
  void Reset();

  EnrichmentSources sources_;
  size_t max_cached_;
  std::shared_ptr<const GeoIpDatabases> databases_;
  std::string described_;
  absl::flat_hash_map<Key, const AddressFacts*> cache_;  // nullptr: nothing known
  std::deque<Entry> entries_;                            // stable addresses for the facts
  uint64_t lookups_ = 0, errors_ = 0;
  std::string last_error_;
};

}  // namespace flowdex
