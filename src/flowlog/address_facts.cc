#include "flowlog/address_facts.h"

#include <array>
#include <atomic>
#include <string>

namespace flowdex {

namespace {

using FF = FactField;
constexpr std::array<FactFieldInfo, kFactFieldCount> kFacts = {{
    {FF::kContinentName, "geo.continent_name", "The continent (GeoIP, English name)."},
    {FF::kCountryIsoCode, "geo.country_iso_code", "The country's ISO 3166-1 code (GeoIP)."},
    {FF::kCountryName, "geo.country_name", "The country (GeoIP, English name)."},
    {FF::kRegionIsoCode, "geo.region_iso_code", "The region's ISO 3166-2 code, e.g. US-CA (GeoIP)."},
    {FF::kRegionName, "geo.region_name", "The region: the most specific subdivision (GeoIP, English name)."},
    {FF::kCityName, "geo.city_name", "The city (GeoIP, English name)."},
    {FF::kLocation, "geo.location", "Where the address is, as {lat, lon} (GeoIP)."},
    {FF::kAsNumber, "as.number", "The autonomous system number (GeoIP ASN database)."},
    {FF::kAsOrganizationName, "as.organization.name", "The autonomous system's organisation (GeoIP ASN database)."},
    {FF::kAwsService, "aws.service", "The AWS service whose published range holds the address (S3, EC2, AMAZON, ...)."},
    {FF::kAwsRegion, "aws.region", "The region of that AWS range (us-east-1, GLOBAL, ...)."},
}};

}  // namespace

uint64_t NextAddressFactsId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

const FactFieldInfo& GetFactFieldInfo(FactField f) { return kFacts[static_cast<int>(f)]; }

std::string_view FactFieldName(FlowSide side, FactField f) {
  static const std::array<std::array<std::string, kFactFieldCount>, 2> names = [] {
    std::array<std::array<std::string, kFactFieldCount>, 2> n;
    for (int i = 0; i < kFactFieldCount; ++i) {
      n[0][i] = "source." + std::string(kFacts[i].key);
      n[1][i] = "destination." + std::string(kFacts[i].key);
    }
    return n;
  }();
  return names[static_cast<int>(side)][static_cast<int>(f)];
}

std::string_view FactText(const AddressFacts& a, FactField f) {
  switch (f) {
    case FF::kContinentName: return a.continent_name;
    case FF::kCountryIsoCode: return a.country_iso_code;
    case FF::kCountryName: return a.country_name;
    case FF::kRegionIsoCode: return a.region_iso_code;
    case FF::kRegionName: return a.region_name;
    case FF::kCityName: return a.city_name;
    case FF::kLocation: return a.location;
    case FF::kAsNumber: return {};
    case FF::kAsOrganizationName: return a.as_organization_name;
    case FF::kAwsService: return a.aws_service;
    case FF::kAwsRegion: return a.aws_region;
  }
  return {};
}

}  // namespace flowdex
