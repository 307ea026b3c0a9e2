#include "enrich/geoip_database.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <cstring>

#include <fmt/format.h>

#include "util/geo_point.h"

namespace flowdex {

namespace {

// The value at `path` in the entry when it is a UTF-8 string.
bool GetString(MMDB_entry_s* entry, const char* const* path, std::string* out) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size == 0) {
    return false;
  }
  out->assign(data.utf8_string, data.data_size);
  SanitizeFactText(out);
  return true;
}

bool GetDouble(MMDB_entry_s* entry, const char* const* path, double* out) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data) return false;
  if (data.type == MMDB_DATA_TYPE_DOUBLE) {
    *out = data.double_value;
  } else if (data.type == MMDB_DATA_TYPE_FLOAT) {
    *out = data.float_value;
  } else {
    return false;
  }
  return true;
}

bool GetUint32(MMDB_entry_s* entry, const char* const* path, uint32_t* out) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data) return false;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16: *out = data.uint16; return true;
    case MMDB_DATA_TYPE_UINT32: *out = data.uint32; return true;
    case MMDB_DATA_TYPE_UINT64:
      if (data.uint64 > UINT32_MAX) return false;
      *out = static_cast<uint32_t>(data.uint64);
      return true;
    default: return false;
  }
}

// The length of the array at `path` (0 when it is none).
uint32_t ArraySize(MMDB_entry_s* entry, const char* const* path) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_ARRAY) {
    return 0;
  }
  return data.data_size;
}

GeoIpDatabase::Kind KindOf(std::string_view type) {
  if (type.find("ASN") != std::string_view::npos) return GeoIpDatabase::Kind::kAsn;
  if (type.find("City") != std::string_view::npos) return GeoIpDatabase::Kind::kCity;
  if (type.find("Country") != std::string_view::npos) return GeoIpDatabase::Kind::kCountry;
  return GeoIpDatabase::Kind::kOther;
}

// The place fields, as Elastic's geoip processor reads a City or Country
// response (English names; the region from the most specific subdivision).
void ReadPlace(MMDB_entry_s* e, GeoIpRecord* r) {
  static const char* const kContinent[] = {"continent", "names", "en", nullptr};
  static const char* const kCountryIso[] = {"country", "iso_code", nullptr};
  static const char* const kCountryName[] = {"country", "names", "en", nullptr};
  static const char* const kCity[] = {"city", "names", "en", nullptr};
  static const char* const kSubdivisions[] = {"subdivisions", nullptr};
  static const char* const kLatitude[] = {"location", "latitude", nullptr};
  static const char* const kLongitude[] = {"location", "longitude", nullptr};
  GetString(e, kContinent, &r->continent_name);
  GetString(e, kCountryIso, &r->country_iso_code);
  GetString(e, kCountryName, &r->country_name);
  const uint32_t subdivisions = ArraySize(e, kSubdivisions);
  if (subdivisions > 0) {
    char index[16];
    *fmt::format_to(index, "{}", subdivisions - 1) = '\0';
    const char* const iso[] = {"subdivisions", index, "iso_code", nullptr};
    const char* const name[] = {"subdivisions", index, "names", "en", nullptr};
    std::string subdivision_iso;
    if (GetString(e, iso, &subdivision_iso) && !r->country_iso_code.empty()) {
      r->region_iso_code = r->country_iso_code + "-" + subdivision_iso;
    }
    GetString(e, name, &r->region_name);
  }
  GetString(e, kCity, &r->city_name);
  double lat = 0, lon = 0;
  if (GetDouble(e, kLatitude, &lat) && GetDouble(e, kLongitude, &lon)) r->location = FormatGeoPoint(GeoPoint{lat, lon});
}

void ReadAsn(MMDB_entry_s* e, GeoIpRecord* r) {
  static const char* const kNumber[] = {"autonomous_system_number", nullptr};
  static const char* const kOrganization[] = {"autonomous_system_organization", nullptr};
  r->has_as_number = GetUint32(e, kNumber, &r->as_number);
  GetString(e, kOrganization, &r->as_organization_name);
}

}  // namespace

AddressFacts GeoIpRecord::Facts() const {
  AddressFacts f;
  f.continent_name = continent_name;
  f.country_iso_code = country_iso_code;
  f.country_name = country_name;
  f.region_iso_code = region_iso_code;
  f.region_name = region_name;
  f.city_name = city_name;
  f.location = location;
  f.has_as_number = has_as_number;
  f.as_number = as_number;
  f.as_organization_name = as_organization_name;
  return f;
}

Status GeoIpDatabase::Open(const std::string& path, std::unique_ptr<GeoIpDatabase>* out) {
  std::unique_ptr<GeoIpDatabase> db(new GeoIpDatabase());
  db->mmdb_ = std::make_unique<MMDB_s>();
  const int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db->mmdb_.get());
  if (rc != MMDB_SUCCESS) {
    db->mmdb_.reset();  // MMDB_open frees what it allocated on failure
    const std::string msg = fmt::format("{}: {}", path, MMDB_strerror(rc));
    return rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR ? Status::IoError(msg) : Status::Corruption(msg);
  }
  db->path_ = path;
  if (db->mmdb_->metadata.database_type != nullptr) db->type_ = db->mmdb_->metadata.database_type;
  db->kind_ = KindOf(db->type_);
  db->build_epoch_ = static_cast<int64_t>(db->mmdb_->metadata.build_epoch);
  *out = std::move(db);
  return Status::OK();
}

GeoIpDatabase::~GeoIpDatabase() {
  if (mmdb_ != nullptr) MMDB_close(mmdb_.get());
}

Status GeoIpDatabase::Lookup(const IpAddress& ip, GeoIpRecord* record) const {
  sockaddr_storage ss{};
  if (ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip.bytes.data(), 4);
  } else if (ip.is_v6()) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip.bytes.data(), 16);
  } else {
    return Status::OK();
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(mmdb_.get(), reinterpret_cast<const sockaddr*>(&ss), &error);
  if (error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) return Status::OK();  // an IPv4-only file has no answer
  if (error != MMDB_SUCCESS) return Status::Corruption(fmt::format("{}: {}", path_, MMDB_strerror(error)));
  if (!result.found_entry) return Status::OK();
  switch (kind_) {
    case Kind::kCity:
    case Kind::kCountry: ReadPlace(&result.entry, record); break;
    case Kind::kAsn: ReadAsn(&result.entry, record); break;
    case Kind::kOther: break;
  }
  return Status::OK();
}

}  // namespace flowdex
