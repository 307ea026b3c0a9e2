#include "flowlog/ip_address.h"

#include <arpa/inet.h>
#include <cstring>

#include <fmt/format.h>

namespace flowdex {

IpAddress IpAddress::FromV4(uint32_t v) {
  IpAddress ip;
  ip.family = Family::kV4;
  ip.bytes[0] = static_cast<uint8_t>(v >> 24);
  ip.bytes[1] = static_cast<uint8_t>(v >> 16);
  ip.bytes[2] = static_cast<uint8_t>(v >> 8);
  ip.bytes[3] = static_cast<uint8_t>(v);
  return ip;
}

namespace {

// Fast path for the common case; flow logs are mostly IPv4.
bool ParseV4(std::string_view s, IpAddress* out) {
  const char* p = s.data();
  const char* const end = p + s.size();
  if (s.size() < 7 || s.size() > 15) return false;
  uint8_t parts[4];
  for (int part = 0; part < 4; ++part) {
    if (p == end) return false;
    unsigned v = static_cast<unsigned char>(*p) - '0';
    if (v > 9) return false;
    ++p;
    if (p != end && static_cast<unsigned>(static_cast<unsigned char>(*p) - '0') <= 9) {
      if (v == 0) return false;  // no leading zeros
      v = v * 10 + (static_cast<unsigned char>(*p++) - '0');
      if (p != end && static_cast<unsigned>(static_cast<unsigned char>(*p) - '0') <= 9) {
        v = v * 10 + (static_cast<unsigned char>(*p++) - '0');
        if (v > 255) return false;
      }
    }
    parts[part] = static_cast<uint8_t>(v);
    if (part < 3) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  if (p != end) return false;
  out->family = IpAddress::Family::kV4;
  out->bytes = {};
  std::memcpy(out->bytes.data(), parts, 4);
  return true;
}

}  // namespace

bool ParseIpAddress(std::string_view text, IpAddress* out) {
  if (ParseV4(text, out)) return true;
  if (text.size() > kMaxIpTextLength || text.find(':') == std::string_view::npos) return false;
  char buf[kMaxIpTextLength + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET6, buf, out->bytes.data()) != 1) return false;
  out->family = IpAddress::Family::kV6;
  return true;
}

size_t FormatIpAddress(const IpAddress& ip, char* out) {
  if (ip.is_v4()) {
    // The common case, without inet_ntop's printf machinery (aggregation
    // keys format one address per bucket).
    const uint32_t v = ip.v4();
    return static_cast<size_t>(
        fmt::format_to(out, "{}.{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff) - out);
  }
  char buf[INET6_ADDRSTRLEN];
  const char* r = nullptr;
  if (ip.is_v6()) {
    r = inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof(buf));
  }
  if (r == nullptr) return 0;
  size_t n = std::strlen(buf);
  std::memcpy(out, buf, n);
  return n;
}

namespace {

struct V4Block {
  uint32_t base;
  int bits;
};
// IPv4 blocks that are not globally reachable (IANA IPv4 special-purpose
// registry), plus multicast and the reserved 240/4.
constexpr V4Block kSpecialV4[] = {
    {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},  {0xA9FE0000, 16},
    {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
    {0xC6336400, 24}, {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
};

bool IsSpecialV4(uint32_t a) {
  for (const V4Block& b : kSpecialV4) {
    if ((a >> (32 - b.bits)) == (b.base >> (32 - b.bits))) return true;
  }
  return false;
}

}  // namespace

bool IsSpecialPurposeAddress(const IpAddress& ip) {
  if (ip.is_v4()) return IsSpecialV4(ip.v4());
  if (!ip.is_v6()) return true;
  const auto& b = ip.bytes;
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (mapped).
  bool zero80 = true;
  for (int i = 0; i < 10; ++i) zero80 = zero80 && b[i] == 0;
  if (zero80 && ((b[10] == 0 && b[11] == 0) || (b[10] == 0xff && b[11] == 0xff))) {
    if (b[10] == 0) return true;
    return IsSpecialV4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15]);
  }
  if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
  if (b[0] == 0xff) return true;                           // ff00::/8 multicast
  if (b[0] == 0x20 && b[1] == 0x01) {
    if (b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32 documentation
    if (b[2] <= 0x01) return true;                  // 2001::/23 IETF protocol assignments
  }
  if (b[0] == 0x01 && b[1] == 0x00 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0) {
    return true;  // 100::/64 discard-only
  }
  return false;
}

}  // namespace flowdex
