#include "inventory/address_owner.h"

namespace flowdex {

namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out.push_back(kFactListSeparator);
    std::string clean = p;
    SanitizeFactText(&clean);
    out += clean;
  }
  return out;
}

}  // namespace

void AddressOwner::Seal() {
  // Facts are one keyword: no field may hold the separators.
  for (std::string* s : {&account_id, &region, &interface_id, &interface_type, &interface_description, &instance_id,
                         &instance_name, &subnet_id, &vpc_id, &vpc_name}) {
    SanitizeFactText(s);
  }
  joined_group_ids_ = Join(security_group_ids);
  joined_group_names_ = Join(security_group_names);
  facts_ = AddressFacts{};
  facts_.interface_id = interface_id;
  facts_.interface_type = interface_type;
  facts_.interface_description = interface_description;
  facts_.instance_id = instance_id;
  facts_.instance_name = instance_name;
  facts_.security_group_ids = joined_group_ids_;
  facts_.security_group_names = joined_group_names_;
  facts_.subnet_id = subnet_id;
  facts_.vpc_id = vpc_id;
  facts_.vpc_name = vpc_name;
  facts_.id = NextAddressFactsId();
}

bool AddressOwner::SameAs(const AddressOwner& o) const {
  return account_id == o.account_id && region == o.region && interface_id == o.interface_id &&
         interface_type == o.interface_type && interface_description == o.interface_description &&
         instance_id == o.instance_id && instance_name == o.instance_name &&
         security_group_ids == o.security_group_ids && security_group_names == o.security_group_names &&
         subnet_id == o.subnet_id && vpc_id == o.vpc_id && vpc_name == o.vpc_name;
}

}  // namespace flowdex
