// IpAddress: an IPv4 or IPv6 address in 16 bytes plus a family tag.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

namespace flowdex {

struct IpAddress {
  enum class Family : uint8_t { kNone = 0, kV4 = 4, kV6 = 6 };

  Family family = Family::kNone;
  // Network byte order. IPv4 uses bytes[0..3]; the rest stays zero.
  std::array<uint8_t, 16> bytes{};

  bool is_v4() const { return family == Family::kV4; }
  bool is_v6() const { return family == Family::kV6; }
  // Length in bytes of the address proper: 4, 16, or 0 when unset.
  size_t size() const { return is_v4() ? 4 : is_v6() ? 16 : 0; }
  // The IPv4 address as a host-order integer (only for is_v4()).
  uint32_t v4() const {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  }
  static IpAddress FromV4(uint32_t host_order);

  bool operator==(const IpAddress& o) const { return family == o.family && bytes == o.bytes; }
};

// An address as a hash key for absl containers: two words, IPv4 marked so
// that 1.2.3.4 and 102:304:: differ.
struct IpHashKey {
  uint64_t hi = 0, lo = 0;
  static IpHashKey Of(const IpAddress& ip) {
    IpHashKey k;
    std::memcpy(&k.hi, ip.bytes.data(), 8);
    std::memcpy(&k.lo, ip.bytes.data() + 8, 8);
    if (ip.is_v4()) k.lo = ~uint64_t{0};  // IPv4 keeps bytes 4..15 zero
    return k;
  }
  bool operator==(const IpHashKey& o) const { return hi == o.hi && lo == o.lo; }
  template <typename H>
  friend H AbslHashValue(H h, const IpHashKey& k) {
    return H::combine(std::move(h), k.hi, k.lo);
  }
};

// Parses dotted-quad IPv4 (no leading zeros, each part 0..255) or any textual
// IPv6 form inet_pton accepts (including IPv4-embedded). Returns false, leaving
// *out unspecified, for anything else. Never allocates.
bool ParseIpAddress(std::string_view text, IpAddress* out);

// True for addresses that are not globally routable, per IANA's
// special-purpose registries (RFC 6890 and successors): private (10/8,
// 172.16/12, 192.168/16, fc00::/7), shared (100.64/10), loopback,
// link-local, documentation, benchmarking, multicast, reserved, unspecified,
// and IPv4-mapped IPv6 forms of those. GeoIP and ASN lookups skip them.
bool IsSpecialPurposeAddress(const IpAddress& ip);

// Longest text FormatIpAddress writes (an IPv6 with an embedded IPv4).
inline constexpr size_t kMaxIpTextLength = 45;

// Writes the canonical text (RFC 5952 for IPv6) into out, which must hold
// kMaxIpTextLength bytes; returns the length written (0 for kNone).
size_t FormatIpAddress(const IpAddress& ip, char* out);

}  // namespace flowdex
