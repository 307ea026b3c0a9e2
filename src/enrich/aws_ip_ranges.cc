#include "enrich/aws_ip_ranges.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "flowlog/address_facts.h"

namespace flowdex {

namespace {

using Key = std::array<uint8_t, 16>;

// The 128-bit key of an address (IPv4 as ::ffff:a.b.c.d).
Key KeyOf(const IpAddress& ip) {
  Key k{};
  if (ip.is_v4()) {
    k[10] = k[11] = 0xff;
    std::copy(ip.bytes.begin(), ip.bytes.begin() + 4, k.begin() + 12);
  } else {
    k = ip.bytes;
  }
  return k;
}

struct Prefix {
  Key first, last;
  int bits;     // of the 128-bit key
  bool amazon;  // the catch-all service
  uint32_t range;
};

// "3.5.140.0/22" or "2600:1f14::/35" as the key range it covers.
bool ParsePrefix(std::string_view text, Prefix* out) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  IpAddress ip;
  if (!ParseIpAddress(text.substr(0, slash), &ip)) return false;
  int bits = 0;
  const std::string_view len = text.substr(slash + 1);
  auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
  if (ec != std::errc() || p != len.data() + len.size() || bits < 0 || bits > (ip.is_v4() ? 32 : 128)) return false;
  if (ip.is_v4()) bits += 96;
  out->first = out->last = KeyOf(ip);
  for (int i = bits; i < 128; ++i) {
    out->first[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
    out->last[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  }
  out->bits = bits;
  return true;
}

Key Next(Key k) {
  for (int i = 15; i >= 0; --i) {
    if (++k[i] != 0) break;
  }
  return k;
}
Key Prev(Key k) {
  for (int i = 15; i >= 0; --i) {
    if (k[i]-- != 0) break;
  }
  return k;
}

}  // namespace

Status AwsIpRanges::Parse(std::string_view json, std::string_view origin, std::unique_ptr<AwsIpRanges>* out) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("{}: not AWS's ip-ranges.json: {}", origin, why));
  };
  if (d.HasParseError() || !d.IsObject()) return bad("not a JSON object");
  auto prefixes = d.FindMember("prefixes");
  if (prefixes == d.MemberEnd() || !prefixes->value.IsArray()) return bad("no \"prefixes\" array");
  auto result = std::unique_ptr<AwsIpRanges>(new AwsIpRanges());
  std::map<std::pair<std::string, std::string>, uint32_t> range_ids;
  std::vector<Prefix> all;
  auto add = [&](const rapidjson::Value& list, const char* key) -> Status {
    for (const auto& e : list.GetArray()) {
      if (!e.IsObject()) return bad("an entry is not an object");
      auto p = e.FindMember(key);
      auto service = e.FindMember("service");
      auto region = e.FindMember("region");
      if (p == e.MemberEnd() || !p->value.IsString() || service == e.MemberEnd() || !service->value.IsString() ||
          region == e.MemberEnd() || !region->value.IsString()) {
        return bad(fmt::format("an entry lacks {}, service or region", key));
      }
      Prefix prefix;
      if (!ParsePrefix(std::string_view(p->value.GetString(), p->value.GetStringLength()), &prefix)) {
        return bad(fmt::format("bad prefix \"{}\"", p->value.GetString()));
      }
      const std::pair<std::string, std::string> name(service->value.GetString(), region->value.GetString());
      auto [it, fresh] = range_ids.try_emplace(name, static_cast<uint32_t>(result->ranges_.size()));
      if (fresh) {
        Range range{name.first, name.second};
        SanitizeFactText(&range.service);
        SanitizeFactText(&range.region);
        result->ranges_.push_back(std::move(range));
      }
      prefix.range = it->second;
      prefix.amazon = name.first == "AMAZON";
      all.push_back(prefix);
    }
    return Status::OK();
  };
  Status s = add(prefixes->value, "ip_prefix");
  if (!s.ok()) return s;
  if (auto v6 = d.FindMember("ipv6_prefixes"); v6 != d.MemberEnd() && v6->value.IsArray()) {
    s = add(v6->value, "ipv6_prefix");
    if (!s.ok()) return s;
  }
  // Paint the prefixes from the least to the most specific into disjoint
  // intervals: what is painted last wins.
  std::stable_sort(all.begin(), all.end(), [](const Prefix& a, const Prefix& b) {
    return a.bits != b.bits ? a.bits < b.bits : a.amazon > b.amazon;
  });
  std::map<Key, Interval> painted;  // by first key
  for (const Prefix& p : all) {
    // Cut the intervals overlapping [first, last] and put this one there.
    auto it = painted.upper_bound(p.first);
    if (it != painted.begin()) --it;
    std::vector<Interval> keep;
    while (it != painted.end() && it->second.first <= p.last) {
      const Interval iv = it->second;
      if (iv.last >= p.first) {
        it = painted.erase(it);
        if (iv.first < p.first) keep.push_back(Interval{iv.first, Prev(p.first), iv.range});
        if (iv.last > p.last) keep.push_back(Interval{Next(p.last), iv.last, iv.range});
      } else {
        ++it;
      }
    }
    for (const Interval& iv : keep) painted[iv.first] = iv;
    painted[p.first] = Interval{p.first, p.last, p.range};
  }
  for (const auto& [first, iv] : painted) result->intervals_.push_back(iv);
  std::string created = "unknown date";
  if (auto c = d.FindMember("createDate"); c != d.MemberEnd() && c->value.IsString()) created = c->value.GetString();
  result->description_ = "AWS ip-ranges " + created;
  *out = std::move(result);
  return Status::OK();
}

const AwsIpRanges::Range* AwsIpRanges::Find(const IpAddress& ip) const {
  if (ip.family == IpAddress::Family::kNone) return nullptr;
  const Key k = KeyOf(ip);
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), k,
                             [](const Key& key, const Interval& iv) { return key < iv.first; });
  if (it == intervals_.begin()) return nullptr;
  --it;
  return k <= it->last ? &ranges_[it->range] : nullptr;
}

}  // namespace flowdex
