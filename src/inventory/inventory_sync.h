// Reading the AWS inventory: the EC2 Describe calls of each region turned
// into observations (address -> owner) that InventoryHistory merges.
#pragma once

#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "aws/ec2_client.h"
#include "inventory/inventory_history.h"

namespace flowdex {

// One region's Describe answers.
struct RegionInventory {
  std::string region;
  std::vector<Ec2NetworkInterface> interfaces;
  std::vector<Ec2Instance> instances;
  std::vector<Ec2SecurityGroup> security_groups;
  std::vector<Ec2Subnet> subnets;
  std::vector<Ec2Vpc> vpcs;
};

// Calls the five Describe calls of `region` (paginated). AccessDenied and
// other AWS errors come back naming the call.
Status ReadRegionInventory(const AwsConfig& config, const std::string& region, int page_size, RegionInventory* out);

// One AWS configuration per account to read: `base` itself when `roles`
// is empty, else one per role ARN, whose credentials assume that role
// (STS AssumeRole) with base's credentials, as an organisation's accounts
// are reached from one place.
std::vector<AwsConfig> InventoryAccounts(const AwsConfig& base, const std::vector<std::string>& roles);

// Every address of every interface with its owner: names from the
// instances' and VPCs' Name tags, group names from DescribeSecurityGroups
// (else as the interface lists them). Appends to *out.
void ObserveRegion(const RegionInventory& inventory, std::vector<ObservedAddress>* out);

}  // namespace flowdex
