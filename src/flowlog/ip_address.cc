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

}  // namespace flowdex
