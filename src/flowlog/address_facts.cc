#include "flowlog/address_facts.h"

#include <array>
#include <atomic>
#include <charconv>
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
    {FF::kInterfaceId, "aws.interface.id",
     "The network interface (ENI) that held the address at the flow's time (inventory)."},
    {FF::kInterfaceType, "aws.interface.type",
     "The interface's type as EC2 names it: interface, nat_gateway, lambda, vpc_endpoint, ... (inventory)."},
    {FF::kInterfaceDescription, "aws.interface.description",
     "The interface's description, e.g. ELB app/my-alb/... (inventory)."},
    {FF::kInstanceId, "aws.instance.id", "The EC2 instance the interface was attached to (inventory)."},
    {FF::kInstanceName, "aws.instance.name", "The instance's Name tag (inventory)."},
    {FF::kSecurityGroupId, "aws.security_group.id", "The interface's security groups (inventory; a list)."},
    {FF::kSecurityGroupName, "aws.security_group.name",
     "The names of the interface's security groups (inventory; a list)."},
    {FF::kSubnetId, "aws.subnet.id", "The interface's subnet (inventory)."},
    {FF::kVpcId, "aws.vpc.id", "The interface's VPC (inventory)."},
    {FF::kVpcName, "aws.vpc.name", "The VPC's Name tag (inventory)."},
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
    case FF::kInterfaceId: return a.interface_id;
    case FF::kInterfaceType: return a.interface_type;
    case FF::kInterfaceDescription: return a.interface_description;
    case FF::kInstanceId: return a.instance_id;
    case FF::kInstanceName: return a.instance_name;
    case FF::kSecurityGroupId: return a.security_group_ids;
    case FF::kSecurityGroupName: return a.security_group_names;
    case FF::kSubnetId: return a.subnet_id;
    case FF::kVpcId: return a.vpc_id;
    case FF::kVpcName: return a.vpc_name;
  }
  return {};
}

namespace {
constexpr char kFactSeparator = '\x1f';
}  // namespace

void SerializeFacts(const AddressFacts& facts, std::string* out) {
  out->clear();
  if (facts.empty()) return;
  char number[16];
  for (int i = 0; i < kFactFieldCount; ++i) {
    const FactField f = static_cast<FactField>(i);
    if (i > 0) out->push_back(kFactSeparator);
    if (f == FF::kAsNumber) {
      if (facts.has_as_number) {
        const auto [p, ec] = std::to_chars(number, number + sizeof(number), facts.as_number);
        out->append(number, p);
      }
      continue;
    }
    out->append(FactText(facts, f));
  }
  // Absent trailing facts read as absent: a set without an owner stays as
  // short as before the owner facts existed.
  while (!out->empty() && out->back() == kFactSeparator) out->pop_back();
}

std::string_view ExtractFact(std::string_view text, FactField f) {
  int index = static_cast<int>(f);
  size_t start = 0;
  while (index > 0) {
    const size_t sep = text.find(kFactSeparator, start);
    if (sep == std::string_view::npos) return {};
    start = sep + 1;
    --index;
  }
  const size_t end = text.find(kFactSeparator, start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

void ParseFacts(std::string_view text, AddressFacts* out) {
  *out = AddressFacts{};
  size_t start = 0;
  for (int i = 0; i < kFactFieldCount && start <= text.size(); ++i) {
    const size_t sep = text.find(kFactSeparator, start);
    const std::string_view part =
        text.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start);
    switch (static_cast<FactField>(i)) {
      case FF::kContinentName: out->continent_name = part; break;
      case FF::kCountryIsoCode: out->country_iso_code = part; break;
      case FF::kCountryName: out->country_name = part; break;
      case FF::kRegionIsoCode: out->region_iso_code = part; break;
      case FF::kRegionName: out->region_name = part; break;
      case FF::kCityName: out->city_name = part; break;
      case FF::kLocation: out->location = part; break;
      case FF::kAsNumber: {
        uint32_t n = 0;
        const auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        out->has_as_number = !part.empty() && ec == std::errc() && p == part.data() + part.size();
        out->as_number = out->has_as_number ? n : 0;
        break;
      }
      case FF::kAsOrganizationName: out->as_organization_name = part; break;
      case FF::kAwsService: out->aws_service = part; break;
      case FF::kAwsRegion: out->aws_region = part; break;
      case FF::kInterfaceId: out->interface_id = part; break;
      case FF::kInterfaceType: out->interface_type = part; break;
      case FF::kInterfaceDescription: out->interface_description = part; break;
      case FF::kInstanceId: out->instance_id = part; break;
      case FF::kInstanceName: out->instance_name = part; break;
      case FF::kSecurityGroupId: out->security_group_ids = part; break;
      case FF::kSecurityGroupName: out->security_group_names = part; break;
      case FF::kSubnetId: out->subnet_id = part; break;
      case FF::kVpcId: out->vpc_id = part; break;
      case FF::kVpcName: out->vpc_name = part; break;
    }
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
}

void SanitizeFactText(std::string* text) {
  for (char& c : *text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
}

}  // namespace flowdex
