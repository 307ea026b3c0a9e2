// AddressFacts: what enrichment knows about one address of a flow beyond
// the log line: where it is (GeoIP) and who routes it (ASN), as Elastic's
// aws.vpcflow pipeline adds them under source.geo / source.as, and what
// holds it in the AWS inventory (the interface, instance, security groups,
// subnet and VPC the address belonged to at the flow's time). The text is
// owned elsewhere (an enricher's cache, a row decoder's dictionaries): the
// views stay valid while the record that points here is being consumed.
#pragma once

#include <cstdint>
#include <string_view>

namespace flowdex {

struct AddressFacts {
  // Unique to this set of facts in this process (0: not set), so that
  // consumers may cache what they derive from them (the segment writer's
  // dictionary codes) by id.
  uint64_t id = 0;
  // *.geo (empty: absent).
  std::string_view continent_name;
  std::string_view country_iso_code;
  std::string_view country_name;
  std::string_view region_iso_code;  // "US-CA": the country's code, "-", the subdivision's
  std::string_view region_name;
  std::string_view city_name;
  // *.geo.location as "lat,lon" in the shortest decimal text that reads back
  // as the database's doubles ("" when the database has none).
  std::string_view location;
  // *.as
  bool has_as_number = false;
  uint32_t as_number = 0;
  std::string_view as_organization_name;
  // *.aws: the AWS service and region of an address in AWS's published
  // ranges (ip-ranges.json).
  std::string_view aws_service;
  std::string_view aws_region;
  // *.aws.*: the owner of the address in the EC2 inventory (empty: none).
  // The security groups are lists: elements separated by kFactListSeparator.
  std::string_view interface_id;
  std::string_view interface_type;  // as EC2 names it: interface, nat_gateway, lambda, ...
  std::string_view interface_description;
  std::string_view instance_id;
  std::string_view instance_name;  // the instance's Name tag
  std::string_view security_group_ids;
  std::string_view security_group_names;
  std::string_view subnet_id;
  std::string_view vpc_id;
  std::string_view vpc_name;  // the VPC's Name tag

  bool has_geo() const {
    return !continent_name.empty() || !country_iso_code.empty() || !country_name.empty() || !region_iso_code.empty() ||
           !region_name.empty() || !city_name.empty() || !location.empty();
  }
  bool has_as() const { return has_as_number || !as_organization_name.empty(); }
  bool has_aws() const { return !aws_service.empty() || !aws_region.empty(); }
  // An owner from the inventory (every owner has an interface).
  bool has_owner() const { return !interface_id.empty(); }
  bool empty() const { return !has_geo() && !has_as() && !has_aws() && !has_owner(); }
};

// A fresh AddressFacts::id (thread-safe).
uint64_t NextAddressFactsId();

// Which end of a flow an address is.
enum class FlowSide : uint8_t { kSource = 0, kDestination = 1 };

// The facts as fields ("source.geo.country_iso_code"): shown in the document
// under that path, derived at query time from the side's facts column
// (SerializeFacts below). New facts go at the end: older text then reads
// them as absent.
enum class FactField : uint8_t {
  kContinentName,
  kCountryIsoCode,
  kCountryName,
  kRegionIsoCode,
  kRegionName,
  kCityName,
  kLocation,
  kAsNumber,
  kAsOrganizationName,
  kAwsService,
  kAwsRegion,
  kInterfaceId,
  kInterfaceType,
  kInterfaceDescription,
  kInstanceId,
  kInstanceName,
  kSecurityGroupId,    // a list
  kSecurityGroupName,  // a list
  kSubnetId,
  kVpcId,
  kVpcName,
};
inline constexpr int kFactFieldCount = static_cast<int>(FactField::kVpcName) + 1;
// The first fact that comes from the inventory (the owner's).
inline constexpr FactField kFirstOwnerFact = FactField::kInterfaceId;
inline bool IsOwnerFact(FactField f) { return f >= kFirstOwnerFact; }
// Whether the fact may hold several values (kFactListSeparator between).
inline bool IsListFact(FactField f) { return f == FactField::kSecurityGroupId || f == FactField::kSecurityGroupName; }
// Separates the elements of a list fact (U+001E; never in a fact's text).
inline constexpr char kFactListSeparator = '\x1e';

struct FactFieldInfo {
  FactField field;
  std::string_view key;  // below the side: "geo.country_iso_code", "as.organization.name"
  std::string_view description;
};
const FactFieldInfo& GetFactFieldInfo(FactField f);
// The full field name: "source.geo.country_iso_code".
std::string_view FactFieldName(FlowSide side, FactField f);
// The fact's text ("" when absent; the number has none: use as_number).
std::string_view FactText(const AddressFacts& facts, FactField f);

// One set of facts as one string, so that it can be a keyword: the facts in
// FactField order (the AS number in decimal), separated by U+001F (which
// the facts never hold: see SanitizeFactText). Facts of an empty set give "".
void SerializeFacts(const AddressFacts& facts, std::string* out);
// The facts of a SerializeFacts string, as views into it (id stays 0).
// Missing trailing parts (an older, shorter list) read as absent.
void ParseFacts(std::string_view text, AddressFacts* out);
// One fact of a SerializeFacts string ("" when absent).
std::string_view ExtractFact(std::string_view text, FactField f);
// Calls fn(element) for each element of a fact's text (one for a plain
// fact; each of a list fact's; none when empty).
template <typename Fn>
void ForEachFactElement(std::string_view fact, Fn&& fn) {
  while (!fact.empty()) {
    const size_t sep = fact.find(kFactListSeparator);
    fn(fact.substr(0, sep));
    if (sep == std::string_view::npos) break;
    fact.remove_prefix(sep + 1);
  }
}
// Whether a SerializeFacts string names an owner from the inventory.
inline bool FactsHaveOwner(std::string_view text) { return !ExtractFact(text, FactField::kInterfaceId).empty(); }
// Replaces control characters (U+001E and U+001F among them) in a fact
// from a database or the inventory by spaces.
void SanitizeFactText(std::string* text);

}  // namespace flowdex
