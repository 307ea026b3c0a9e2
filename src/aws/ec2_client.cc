#include "aws/ec2_client.h"

#include <fmt/format.h>

#include <algorithm>

#include "aws/sigv4.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// EC2's API version of the query protocol (the one every SDK sends).
constexpr const char* kEc2ApiVersion = "2016-11-15";

// Calls fn(item) for each <item> of the list element `list` of `parent`.
template <typename Fn>
void ForEachItem(const XmlElement& parent, std::string_view list, Fn&& fn) {
  const XmlElement* set = parent.Child(list);
  if (set == nullptr) return;
  for (const XmlElement& item : set->children) {
    if (item.name == "item") fn(item);
  }
}

Status Malformed(const std::string& action, const Status& s) {
  return Status::Corruption(fmt::format("EC2 {}: {}", action, s.message()));
}

}  // namespace

std::string Ec2TagValue(const XmlElement& item, std::string_view key) {
  std::string value;
  ForEachItem(item, "tagSet", [&](const XmlElement& tag) {
    if (tag.ChildText("key") == key) value = tag.ChildText("value");
  });
  return value;
}

void ReadNetworkInterfaces(const XmlElement& page, std::vector<Ec2NetworkInterface>* out) {
  ForEachItem(page, "networkInterfaceSet", [&](const XmlElement& item) {
    Ec2NetworkInterface& eni = out->emplace_back();
    eni.id = item.ChildText("networkInterfaceId");
    eni.type = item.ChildText("interfaceType");
    eni.description = item.ChildText("description");
    eni.status = item.ChildText("status");
    eni.owner_id = item.ChildText("ownerId");
    eni.subnet_id = item.ChildText("subnetId");
    eni.vpc_id = item.ChildText("vpcId");
    if (const XmlElement* a = item.Child("attachment")) {
      eni.instance_id = a->ChildText("instanceId");
      int64_t ms = 0;
      if (ParseIsoDate(a->ChildText("attachTime"), &ms)) eni.attach_time_ms = ms;
    }
    auto add = [&](std::string ip) {
      if (ip.empty()) return;
      for (const std::string& have : eni.addresses) {
        if (have == ip) return;
      }
      eni.addresses.push_back(std::move(ip));
    };
    add(item.ChildText("privateIpAddress"));
    ForEachItem(item, "privateIpAddressesSet", [&](const XmlElement& p) {
      add(p.ChildText("privateIpAddress"));
      if (const XmlElement* assoc = p.Child("association")) add(assoc->ChildText("publicIp"));
    });
    if (const XmlElement* assoc = item.Child("association")) add(assoc->ChildText("publicIp"));
    ForEachItem(item, "ipv6AddressesSet", [&](const XmlElement& p) { add(p.ChildText("ipv6Address")); });
    ForEachItem(item, "groupSet", [&](const XmlElement& g) {
      eni.security_groups.emplace_back(g.ChildText("groupId"), g.ChildText("groupName"));
    });
    if (eni.id.empty()) out->pop_back();
  });
}

void ReadInstances(const XmlElement& page, std::vector<Ec2Instance>* out) {
  ForEachItem(page, "reservationSet", [&](const XmlElement& reservation) {
    ForEachItem(reservation, "instancesSet", [&](const XmlElement& item) {
      Ec2Instance instance{item.ChildText("instanceId"), Ec2TagValue(item, "Name")};
      if (!instance.id.empty()) out->push_back(std::move(instance));
    });
  });
}

void ReadSecurityGroups(const XmlElement& page, std::vector<Ec2SecurityGroup>* out) {
  ForEachItem(page, "securityGroupInfo", [&](const XmlElement& item) {
    Ec2SecurityGroup g{item.ChildText("groupId"), item.ChildText("groupName"), item.ChildText("vpcId")};
    if (!g.id.empty()) out->push_back(std::move(g));
  });
}

void ReadSubnets(const XmlElement& page, std::vector<Ec2Subnet>* out) {
  ForEachItem(page, "subnetSet", [&](const XmlElement& item) {
    Ec2Subnet s{item.ChildText("subnetId"), item.ChildText("vpcId"), item.ChildText("cidrBlock"),
                Ec2TagValue(item, "Name")};
    if (!s.id.empty()) out->push_back(std::move(s));
  });
}

void ReadVpcs(const XmlElement& page, std::vector<Ec2Vpc>* out) {
  ForEachItem(page, "vpcSet", [&](const XmlElement& item) {
    Ec2Vpc v{item.ChildText("vpcId"), item.ChildText("cidrBlock"), Ec2TagValue(item, "Name")};
    if (!v.id.empty()) out->push_back(std::move(v));
  });
}

Ec2Client::Ec2Client(AwsConfig config, std::string region, int page_size)
    : config_(std::move(config)), region_(std::move(region)), page_size_(std::clamp(page_size, 5, 1000)) {
  if (region_.empty()) region_ = config_.region.empty() ? "us-east-1" : config_.region;
  endpoint_ =
      config_.ec2_endpoint.empty() ? fmt::format("https://ec2.{}.amazonaws.com", region_) : config_.ec2_endpoint;
}

Status Ec2Client::Paginate(const std::string& action, const std::function<Status(const XmlElement&)>& on_page,
                           AwsError* error) {
  std::string token;
  // A service that hands back the same token forever must not loop us forever.
  for (int page = 0; page < 100'000; ++page) {
    HttpRequest req;
    req.method = "POST";
    req.url = endpoint_ + "/";
    req.timeout_ms = config_.timeout_ms;
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    req.body = fmt::format("Action={}&Version={}&MaxResults={}", action, kEc2ApiVersion, page_size_);
    if (!token.empty()) req.body += "&NextToken=" + UriEncode(token, false);
    HttpResponse resp;
    Status s =
        CallAws(config_, "EC2 " + action, std::move(req), SigV4Scope{region_, "ec2"}, SigV4Options{}, &resp, error);
    if (!s.ok()) return s;
    ++calls_;
    XmlElement root;
    s = ParseXml(resp.body, &root);
    if (!s.ok()) return Malformed(action, s);
    s = on_page(root);
    if (!s.ok()) return s;
    std::string next = root.ChildText("nextToken");
    if (next.empty() || next == token) return Status::OK();
    token = std::move(next);
  }
  return Status::Corruption(fmt::format("EC2 {}: more than 100000 pages", action));
}

Status Ec2Client::DescribeNetworkInterfaces(std::vector<Ec2NetworkInterface>* out, AwsError* error) {
  out->clear();
  return Paginate(
      "DescribeNetworkInterfaces",
      [&](const XmlElement& page) {
        ReadNetworkInterfaces(page, out);
        return Status::OK();
      },
      error);
}

Status Ec2Client::DescribeInstances(std::vector<Ec2Instance>* out, AwsError* error) {
  out->clear();
  return Paginate(
      "DescribeInstances",
      [&](const XmlElement& page) {
        ReadInstances(page, out);
        return Status::OK();
      },
      error);
}

Status Ec2Client::DescribeSecurityGroups(std::vector<Ec2SecurityGroup>* out, AwsError* error) {
  out->clear();
  return Paginate(
      "DescribeSecurityGroups",
      [&](const XmlElement& page) {
        ReadSecurityGroups(page, out);
        return Status::OK();
      },
      error);
}

Status Ec2Client::DescribeSubnets(std::vector<Ec2Subnet>* out, AwsError* error) {
  out->clear();
  return Paginate(
      "DescribeSubnets",
      [&](const XmlElement& page) {
        ReadSubnets(page, out);
        return Status::OK();
      },
      error);
}

Status Ec2Client::DescribeVpcs(std::vector<Ec2Vpc>* out, AwsError* error) {
  out->clear();
  return Paginate(
      "DescribeVpcs",
      [&](const XmlElement& page) {
        ReadVpcs(page, out);
        return Status::OK();
      },
      error);
}

}  // namespace flowdex
