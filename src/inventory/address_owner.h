// AddressOwner: what held an address in the AWS inventory: the network
// interface, its instance, security groups, subnet and VPC, as one
// immutable value that the addresses of an interface share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "flowlog/address_facts.h"

namespace flowdex {

struct AddressOwner {
  AddressOwner() = default;
  // facts() points into the fields: never copied or moved (share a pointer).
  AddressOwner(const AddressOwner&) = delete;
  AddressOwner& operator=(const AddressOwner&) = delete;

  std::string account_id;
  std::string region;
  std::string interface_id;
  std::string interface_type;
  std::string interface_description;
  std::string instance_id;
  std::string instance_name;
  std::vector<std::string> security_group_ids;
  std::vector<std::string> security_group_names;
  std::string subnet_id;
  std::string vpc_id;
  std::string vpc_name;

  // The owner as facts (views into this value; id set). Call Seal() once
  // the fields are final.
  const AddressFacts& facts() const { return facts_; }
  void Seal();

  // Same interface, instance, names and groups (account and region too).
  bool SameAs(const AddressOwner& o) const;

 private:
  std::string joined_group_ids_, joined_group_names_;  // kFactListSeparator between
  AddressFacts facts_;
};

using AddressOwnerPtr = std::shared_ptr<const AddressOwner>;

}  // namespace flowdex
