#include "inventory/inventory_sync.h"

#include "absl/container/flat_hash_map.h"

namespace flowdex {

Status ReadRegionInventory(const AwsConfig& config, const std::string& region, int page_size, RegionInventory* out) {
  out->region = region;
  Ec2Client ec2(config, region, page_size);
  Status s = ec2.DescribeNetworkInterfaces(&out->interfaces);
  if (s.ok()) s = ec2.DescribeInstances(&out->instances);
  if (s.ok()) s = ec2.DescribeSecurityGroups(&out->security_groups);
  if (s.ok()) s = ec2.DescribeSubnets(&out->subnets);
  if (s.ok()) s = ec2.DescribeVpcs(&out->vpcs);
  return s.ok() ? s : s.WithContext(region);
}

std::vector<AwsConfig> InventoryAccounts(const AwsConfig& base, const std::vector<std::string>& roles) {
  if (roles.empty()) return {base};
  std::vector<AwsConfig> out;
  for (const std::string& role : roles) {
    AwsConfig account = base;
    CredentialsOptions o;
    o.region = base.region;
    o.env = AwsEnvironment::FromProcess();
    o.assume_role_arn = role;
    o.source = base.credentials;
    account.credentials = std::make_shared<CredentialsProvider>(std::move(o));
    out.push_back(std::move(account));
  }
  return out;
}

void ObserveRegion(const RegionInventory& inv, std::vector<ObservedAddress>* out) {
  absl::flat_hash_map<std::string_view, std::string_view> instance_names, group_names, vpc_names;
  for (const Ec2Instance& i : inv.instances) instance_names[i.id] = i.name;
  for (const Ec2SecurityGroup& g : inv.security_groups) group_names[g.id] = g.name;
  for (const Ec2Vpc& v : inv.vpcs) vpc_names[v.id] = v.name;
  for (const Ec2NetworkInterface& eni : inv.interfaces) {
    auto owner = std::make_shared<AddressOwner>();
    owner->account_id = eni.owner_id;
    owner->region = inv.region;
    owner->interface_id = eni.id;
    owner->interface_type = eni.type;
    owner->interface_description = eni.description;
    owner->instance_id = eni.instance_id;
    if (auto it = instance_names.find(eni.instance_id); it != instance_names.end()) {
      owner->instance_name = std::string(it->second);
    }
    for (const auto& [id, name] : eni.security_groups) {
      owner->security_group_ids.push_back(id);
      auto it = group_names.find(id);
      owner->security_group_names.push_back(it != group_names.end() ? std::string(it->second) : name);
    }
    owner->subnet_id = eni.subnet_id;
    owner->vpc_id = eni.vpc_id;
    if (auto it = vpc_names.find(eni.vpc_id); it != vpc_names.end()) owner->vpc_name = std::string(it->second);
    owner->Seal();
    for (const std::string& text : eni.addresses) {
      ObservedAddress o;
      if (!ParseIpAddress(text, &o.ip)) continue;
      o.owner = owner;
      o.since_ms = eni.attach_time_ms;
      out->push_back(std::move(o));
    }
  }
}

}  // namespace flowdex
