// AwsIpRanges: AWS's published address ranges (ip-ranges.json, from
// https://ip-ranges.amazonaws.com/ip-ranges.json or a saved copy), so that
// a public address of AWS is named by its service and region
// (source.aws.service "S3", source.aws.region "us-east-1").
//
// A range listed under several services (every range is also under
// AMAZON) names its most specific: the longest prefix wins, and on equal
// prefixes a named service wins over AMAZON.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/ip_address.h"
#include "util/status.h"

namespace flowdex {

class AwsIpRanges {
 public:
  struct Range {
    std::string service;  // "S3", "EC2", "AMAZON", ...
    std::string region;   // "us-east-1", "GLOBAL"
  };

  // Parses the JSON of ip-ranges.json. InvalidArgument (naming `origin`)
  // when it is not that document: no "prefixes", or a prefix that does not
  // parse.
  static Status Parse(std::string_view json, std::string_view origin, std::unique_ptr<AwsIpRanges>* out);

  // The most specific range holding `ip`, or nullptr.
  const Range* Find(const IpAddress& ip) const;

  // "AWS ip-ranges 2026-12-01-20-13-09" (its createDate), for the record of
  // what enriched a file.
  const std::string& description() const { return description_; }
  size_t size() const { return ranges_.size(); }

 private:
  // Disjoint intervals of 128-bit keys (IPv4 mapped into ::ffff:0:0/96),
  // sorted, each naming a range.
  struct Interval {
    std::array<uint8_t, 16> first, last;
    uint32_t range;
  };
  std::vector<Range> ranges_;
  std::vector<Interval> intervals_;
  std::string description_;
};

}  // namespace flowdex
