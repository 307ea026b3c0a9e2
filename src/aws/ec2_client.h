// Ec2Client: the read-only EC2 calls the inventory needs
// (DescribeNetworkInterfaces, DescribeInstances, DescribeSecurityGroups,
// DescribeSubnets, DescribeVpcs), in EC2's query protocol (form body,
// XML answers), each followed page by page through NextToken.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "aws/aws_client.h"
#include "aws/xml_document.h"

namespace flowdex {

struct Ec2NetworkInterface {
  std::string id;    // eni-...
  std::string type;  // interfaceType as EC2 answers it: interface, nat_gateway, lambda, ...
  std::string description;
  std::string status;    // in-use, available, ...
  std::string owner_id;  // the account
  std::string subnet_id;
  std::string vpc_id;
  std::string instance_id;     // attachment (empty: not attached to an instance)
  int64_t attach_time_ms = 0;  // attachment's attachTime (0: unknown)
  // Every address of the interface: private IPv4 (primary first), the
  // public IPv4 associated with them (Elastic IPs), IPv6.
  std::vector<std::string> addresses;
  std::vector<std::pair<std::string, std::string>> security_groups;  // id, name
};

struct Ec2Instance {
  std::string id;
  std::string name;  // the Name tag ("" when none)
};

struct Ec2SecurityGroup {
  std::string id;
  std::string name;
  std::string vpc_id;
};

struct Ec2Subnet {
  std::string id;
  std::string vpc_id;
  std::string cidr;
  std::string name;  // the Name tag
};

struct Ec2Vpc {
  std::string id;
  std::string cidr;
  std::string name;  // the Name tag
};

class Ec2Client {
 public:
  // Calls go to config.ec2_endpoint when set, else to
  // https://ec2.<region>.amazonaws.com; `region` empty: config.region.
  // `page_size`: MaxResults of each call (EC2 accepts 5-1000).
  Ec2Client(AwsConfig config, std::string region, int page_size = 1000);

  // Each fills *out with every item of every page. AWS errors come back as
  // CallAws reports them (UnauthorizedOperation: InvalidArgument).
  Status DescribeNetworkInterfaces(std::vector<Ec2NetworkInterface>* out, AwsError* error = nullptr);
  Status DescribeInstances(std::vector<Ec2Instance>* out, AwsError* error = nullptr);
  Status DescribeSecurityGroups(std::vector<Ec2SecurityGroup>* out, AwsError* error = nullptr);
  Status DescribeSubnets(std::vector<Ec2Subnet>* out, AwsError* error = nullptr);
  Status DescribeVpcs(std::vector<Ec2Vpc>* out, AwsError* error = nullptr);

  const std::string& region() const { return region_; }
  uint64_t calls() const { return calls_; }  // requests answered (pages)

 private:
  // Calls `action` page by page (MaxResults, then NextToken until the
  // answer has none) and hands each answer's root to on_page.
  Status Paginate(const std::string& action, const std::function<Status(const XmlElement&)>& on_page, AwsError* error);

  AwsConfig config_;
  std::string region_;
  std::string endpoint_;
  int page_size_;
  uint64_t calls_ = 0;
};

// The items of one Describe answer (its document element), appended to *out.
void ReadNetworkInterfaces(const XmlElement& page, std::vector<Ec2NetworkInterface>* out);
void ReadInstances(const XmlElement& page, std::vector<Ec2Instance>* out);
void ReadSecurityGroups(const XmlElement& page, std::vector<Ec2SecurityGroup>* out);
void ReadSubnets(const XmlElement& page, std::vector<Ec2Subnet>* out);
void ReadVpcs(const XmlElement& page, std::vector<Ec2Vpc>* out);

// The value of tag `key` in an EC2 item's tagSet ("" when absent).
std::string Ec2TagValue(const XmlElement& item, std::string_view key);

}  // namespace flowdex
