// GeoIpDatabase: one MaxMind-format database file (GeoLite2/GeoIP2 City,
// Country or ASN, or a DB-IP file of the same layout), read with
// libmaxminddb, and what Elastic's geoip processor takes from its records
// with the default properties: continent_name, country_iso_code,
// country_name, region_iso_code, region_name, city_name and location from a
// City or Country database; the AS number and organisation from an ASN one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "flowlog/address_facts.h"
#include "flowlog/ip_address.h"
#include "util/status.h"

struct MMDB_s;

namespace flowdex {

// What the databases say about one address, owning its text.
struct GeoIpRecord {
  std::string continent_name, country_iso_code, country_name, region_iso_code, region_name, city_name;
  std::string location;  // "lat,lon"
  bool has_as_number = false;
  uint32_t as_number = 0;
  std::string as_organization_name;

  // The record as facts (views into this record).
  AddressFacts Facts() const;
  bool empty() const { return Facts().empty(); }
};

class GeoIpDatabase {
 public:
  enum class Kind : uint8_t { kCity, kCountry, kAsn, kOther };

  // Opens `path` (memory-mapped). Corruption when it is not a MaxMind DB
  // file, IoError when it cannot be read.
  static Status Open(const std::string& path, std::unique_ptr<GeoIpDatabase>* out);
  ~GeoIpDatabase();
  GeoIpDatabase(const GeoIpDatabase&) = delete;
  GeoIpDatabase& operator=(const GeoIpDatabase&) = delete;

  const std::string& path() const { return path_; }
  // The metadata's database_type ("GeoLite2-City", "DBIP-ASN-Lite", ...).
  const std::string& type() const { return type_; }
  // From the type: ASN when it names ASN, City or Country likewise (DB-IP's
  // "DBIP-City-Lite" is a City database), else kOther.
  Kind kind() const { return kind_; }
  // When the database was built (Unix seconds).
  int64_t build_epoch() const { return build_epoch_; }

  // Adds to *record what this database has for `ip` (nothing when it has no
  // record; fields it cannot decode are left out). Thread-safe. Corruption
  // when the search tree is damaged.
  Status Lookup(const IpAddress& ip, GeoIpRecord* record) const;

 private:
  GeoIpDatabase() = default;
  std::unique_ptr<MMDB_s> mmdb_;
  std::string path_, type_;
  Kind kind_ = Kind::kOther;
  int64_t build_epoch_ = 0;
};

}  // namespace flowdex
