// GeoIpEnricher: the FlowRecordEnricher that adds GeoIP and ASN facts to
// both addresses of every record, as Elastic's aws.vpcflow pipeline does
// (source.geo, source.as, destination.geo, destination.as). Lookups are
// cached per address: a VPC talks to few public addresses, so most records
// cost two hash probes. One per reader (not thread-safe); the databases
// behind it are shared.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "enrich/geoip_directory.h"
#include "flowlog/flow_log_reader.h"

namespace flowdex {

class GeoIpEnricher final : public FlowRecordEnricher {
 public:
  // `dir` must outlive the enricher. At most `max_cached` addresses are
  // remembered; the cache starts over when it is full.
  explicit GeoIpEnricher(GeoIpDirectory* dir, size_t max_cached = 1 << 16);
  ~GeoIpEnricher() override;

  // Takes the directory's current databases (a replaced file is picked up
  // here, between streams, never in the middle of one).
  void BeginStream() override;
  void Enrich(FlowRecord* record) override;

  // The facts for one address (nullptr when there are none); valid until
  // the next call that may look an address up.
  const AddressFacts* Lookup(const IpAddress& ip);

  // The databases in use (GeoIpDatabases::Describe), "" before BeginStream.
  const std::string& databases() const { return described_; }
  uint64_t lookups() const { return lookups_; }  // database lookups (cache misses)
  uint64_t errors() const { return errors_; }    // lookups that failed (damaged file)
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

  GeoIpDirectory* dir_;
  size_t max_cached_;
  std::shared_ptr<const GeoIpDatabases> databases_;
  std::string described_;
  absl::flat_hash_map<Key, const AddressFacts*> cache_;  // nullptr: nothing known
  std::deque<Entry> entries_;                            // stable addresses for the facts
  uint64_t lookups_ = 0, errors_ = 0;
  std::string last_error_;
};

}  // namespace flowdex
