#include "enrich/geoip_directory.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "util/time_util.h"

namespace flowdex {

Status GeoIpDatabases::Lookup(const IpAddress& ip, GeoIpRecord* record) const {
  if (IsSpecialPurposeAddress(ip)) return Status::OK();
  if (place != nullptr) {
    Status s = place->Lookup(ip, record);
    if (!s.ok()) return s;
  }
  if (asn != nullptr) return asn->Lookup(ip, record);
  return Status::OK();
}

std::string GeoIpDatabases::Describe() const {
  std::string out;
  for (const GeoIpDatabase* db : {place.get(), asn.get()}) {
    if (db == nullptr) continue;
    const CivilTime c = CivilFromSeconds(db->build_epoch());
    out += fmt::format("{}{} {:04}-{:02}-{:02}", out.empty() ? "" : ", ", db->type(), c.year, c.month, c.day);
  }
  return out;
}

Status GeoIpDirectory::Scan(std::string* signature, std::vector<std::string>* paths) const {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return Status::InvalidArgument(fmt::format("GeoIP folder {}: {}", dir_, std::strerror(err)));
    }
    return Status::FromErrno("GeoIP folder " + dir_, err);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() > 5 && name.ends_with(".mmdb")) names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  signature->clear();
  paths->clear();
  for (const std::string& name : names) {
    const std::string path = dir_ + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    *signature += fmt::format("{}:{}:{}:{}.{};", name, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    paths->push_back(path);
  }
  return Status::OK();
}

Status GeoIpDirectory::Load(const std::vector<std::string>& paths, uint64_t generation,
                            std::shared_ptr<GeoIpDatabases>* out) const {
  auto set = std::make_shared<GeoIpDatabases>();
  set->generation = generation;
  for (const std::string& path : paths) {
    std::unique_ptr<GeoIpDatabase> db;
    Status s = GeoIpDatabase::Open(path, &db);
    if (!s.ok()) return s;
    switch (db->kind()) {
      case GeoIpDatabase::Kind::kCity: set->place = std::move(db); break;  // City beats Country
      case GeoIpDatabase::Kind::kCountry:
        if (set->place == nullptr || set->place->kind() != GeoIpDatabase::Kind::kCity) set->place = std::move(db);
        break;
      case GeoIpDatabase::Kind::kAsn: set->asn = std::move(db); break;
      case GeoIpDatabase::Kind::kOther: break;  // an ISP, anonymous-IP, ... file: not used
    }
  }
  if (set->place == nullptr && set->asn == nullptr) {
    return Status::InvalidArgument(
        fmt::format("GeoIP folder {} has no City, Country or ASN database (*.mmdb, e.g. GeoLite2-City.mmdb)", dir_));
  }
  *out = std::move(set);
  return Status::OK();
}

Status GeoIpDirectory::Open(const std::string& dir, std::unique_ptr<GeoIpDirectory>* out) {
  std::unique_ptr<GeoIpDirectory> d(new GeoIpDirectory(dir));
  std::vector<std::string> paths;
  Status s = d->Scan(&d->signature_, &paths);
  if (!s.ok()) return s;
  std::shared_ptr<GeoIpDatabases> set;
  s = d->Load(paths, 1, &set);
  if (!s.ok()) return s;
  d->current_ = std::move(set);
  d->next_check_ = std::chrono::steady_clock::now() + d->recheck_;
  *out = std::move(d);
  return Status::OK();
}

std::shared_ptr<const GeoIpDatabases> GeoIpDirectory::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now < next_check_) return current_;
  next_check_ = now + recheck_;
  std::string signature;
  std::vector<std::string> paths;
  Status s = Scan(&signature, &paths);
  if (s.ok() && signature == signature_) return current_;
  std::shared_ptr<GeoIpDatabases> set;
  if (s.ok()) s = Load(paths, current_->generation + 1, &set);
  if (!s.ok()) {
    last_error_ = s.ToString();
    return current_;
  }
  signature_ = std::move(signature);
  last_error_.clear();
  current_ = std::move(set);
  return current_;
}

std::string GeoIpDirectory::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace flowdex
