// GeoIpDirectory: the MaxMind-format databases in one folder (--geoip-dir),
// reopened when a file in it is replaced (geoipupdate renames new files into
// place), so a long-running serve or worker picks up a new database without
// a restart. Readers take a snapshot (GeoIpDatabases) and keep it for as
// long as they use what it returned.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "enrich/geoip_database.h"
#include "util/status.h"

namespace flowdex {

// One consistent set: a City (or Country) database and an ASN database,
// either possibly missing.
struct GeoIpDatabases {
  std::unique_ptr<GeoIpDatabase> place;  // City, else Country
  std::unique_ptr<GeoIpDatabase> asn;
  uint64_t generation = 0;  // grows with every reload

  // What each database has for `ip`, in one record; special-purpose
  // addresses (IsSpecialPurposeAddress) get nothing.
  Status Lookup(const IpAddress& ip, GeoIpRecord* record) const;
  // "GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-12-01": the types and
  // build dates, recorded with each file enriched with them.
  std::string Describe() const;
};

class GeoIpDirectory {
 public:
  // Opens the *.mmdb files in `dir`. InvalidArgument when the folder is
  // missing or holds no City, Country or ASN database; a file that cannot be
  // opened is an error too (better refuse to start than enrich silently less).
  static Status Open(const std::string& dir, std::unique_ptr<GeoIpDirectory>* out);

  // The current databases. Every `recheck` (1 s by default) it looks at the
  // files' sizes, times and inodes and reopens them when one changed; a
  // replacement that fails to open keeps the previous set (and is retried).
  // Thread-safe.
  std::shared_ptr<const GeoIpDatabases> Current();

  const std::string& dir() const { return dir_; }
  // How often Current() looks at the files (from the next call on).
  void set_recheck(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    recheck_ = d;
    next_check_ = {};
  }
  // The error of the last failed reload ("" when the last one worked).
  std::string last_error() const;

 private:
  explicit GeoIpDirectory(std::string dir) : dir_(std::move(dir)) {}
  // The folder's database files and their identity, sorted by name.
  Status Scan(std::string* signature, std::vector<std::string>* paths) const;
  Status Load(const std::vector<std::string>& paths, uint64_t generation, std::shared_ptr<GeoIpDatabases>* out) const;

  const std::string dir_;
  mutable std::mutex mu_;
  std::shared_ptr<const GeoIpDatabases> current_;
  std::string signature_;
  std::string last_error_;
  std::chrono::steady_clock::time_point next_check_{};
  std::chrono::milliseconds recheck_{1000};
};

}  // namespace flowdex
