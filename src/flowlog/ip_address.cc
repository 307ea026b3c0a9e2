#include "flowlog/ip_address.h"

#include <arpa/inet.h>
#include <cstring>

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
  if (s.size() < 7 || s.size() > 15) return false;
  uint8_t parts[4];
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    const size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && s[start] == '0')) return false;
    parts[part] = static_cast<uint8_t>(v);
  }
  if (i != s.size()) return false;
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
  char buf[INET6_ADDRSTRLEN];
  const char* r = nullptr;
  if (ip.is_v4()) {
    r = inet_ntop(AF_INET, ip.bytes.data(), buf, sizeof(buf));
  } else if (ip.is_v6()) {
    r = inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof(buf));
  }
  if (r == nullptr) return 0;
  size_t n = std::strlen(buf);
  std::memcpy(out, buf, n);
  return n;
}

}  // namespace flowdex
