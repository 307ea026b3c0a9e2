#include "flowlog/community_id.h"

#include <openssl/evp.h>
#include <cstring>

namespace flowdex {

namespace {

constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmp6 = 58, kSctp = 132;

// The counterpart of a two-way ICMP message type, if it has one.
bool IcmpCounterpart(uint8_t protocol, uint16_t type, uint16_t* counterpart) {
  static constexpr uint16_t kV4[][2] = {{8, 0},   {0, 8},  {13, 14}, {14, 13}, {15, 16},
                                        {16, 15}, {10, 9}, {9, 10},  {17, 18}, {18, 17}};
  static constexpr uint16_t kV6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136},
                                        {136, 135}, {130, 131}, {131, 130}, {144, 145}, {145, 144}};
  if (protocol == kIcmp) {
    for (const auto& p : kV4) {
      if (p[0] == type) return *counterpart = p[1], true;
    }
  } else {
    for (const auto& p : kV6) {
      if (p[0] == type) return *counterpart = p[1], true;
    }
  }
  return false;
}

// Orders endpoints: shorter address family first, then address bytes, then port.
bool EndpointLess(const IpAddress& a, uint16_t ap, const IpAddress& b, uint16_t bp) {
  if (a.size() != b.size()) return a.size() < b.size();
  int c = std::memcmp(a.bytes.data(), b.bytes.data(), a.size());
  if (c != 0) return c < 0;
  return ap < bp;
}

}  // namespace

CommunityIdHasher::CommunityIdHasher(uint16_t seed) : seed_(seed), ctx_(EVP_MD_CTX_new()) {}

CommunityIdHasher::~CommunityIdHasher() { EVP_MD_CTX_free(ctx_); }

bool CommunityIdHasher::Compute(const IpAddress& src, const IpAddress& dst, uint16_t src_port, uint16_t dst_port,
                                uint8_t protocol, char* out) {
  if (src.size() == 0 || dst.size() == 0 || ctx_ == nullptr) return false;
  const IpAddress* a = &src;
  const IpAddress* b = &dst;
  uint16_t ap = src_port, bp = dst_port;
  const bool has_ports =
      protocol == kTcp || protocol == kUdp || protocol == kSctp || protocol == kIcmp || protocol == kIcmp6;
  bool one_way = false;
  if (protocol == kIcmp || protocol == kIcmp6) {
    uint16_t counterpart;
    if (IcmpCounterpart(protocol, ap, &counterpart)) {
      bp = counterpart;
    } else {
      one_way = true;  // (type, code) as they are, never swapped
    }
  }
  if (!one_way && !EndpointLess(*a, ap, *b, bp)) {
    std::swap(a, b);
    std::swap(ap, bp);
  }
  uint8_t input[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  input[n++] = static_cast<uint8_t>(seed_ >> 8);
  input[n++] = static_cast<uint8_t>(seed_);
  std::memcpy(input + n, a->bytes.data(), a->size());
  n += a->size();
  std::memcpy(input + n, b->bytes.data(), b->size());
  n += b->size();
  input[n++] = protocol;
  input[n++] = 0;  // padding
  if (has_ports) {
    input[n++] = static_cast<uint8_t>(ap >> 8);
    input[n++] = static_cast<uint8_t>(ap);
    input[n++] = static_cast<uint8_t>(bp >> 8);
    input[n++] = static_cast<uint8_t>(bp);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_DigestInit_ex(ctx_, EVP_sha1(), nullptr) != 1 || EVP_DigestUpdate(ctx_, input, n) != 1 ||
      EVP_DigestFinal_ex(ctx_, digest, &digest_len) != 1 || digest_len != 20) {
    return false;
  }
  unsigned char b64[32];
  const int len = EVP_EncodeBlock(b64, digest, 20);  // 28 chars + NUL
  if (len != 28) return false;
  out[0] = '1';
  out[1] = ':';
  std::memcpy(out + 2, b64, 28);
  return true;
}

}  // namespace flowdex
