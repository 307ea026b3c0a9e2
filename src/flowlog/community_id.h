// Community ID flow hashing, version 1
// (https://github.com/corelight/community-id-spec), as Elasticsearch's
// community_id ingest processor computes it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flowlog/ip_address.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace flowdex {

// "1:" + base64 of a 20-byte SHA-1 is 30 characters.
inline constexpr size_t kCommunityIdLength = 30;

class CommunityIdHasher {
 public:
  explicit CommunityIdHasher(uint16_t seed = 0);
  ~CommunityIdHasher();
  CommunityIdHasher(const CommunityIdHasher&) = delete;
  CommunityIdHasher& operator=(const CommunityIdHasher&) = delete;

  // Writes the community ID of the flow into out (kCommunityIdLength bytes, no
  // NUL) and returns true, or returns false when none can be computed (an
  // address is unset). Ports are used for TCP, UDP and SCTP; for ICMP (1) and
  // ICMPv6 (58) src_port is the type and dst_port the code, and two-way
  // message types are paired with their counterparts; other protocols hash
  // without ports. The endpoints are ordered so that both directions of a
  // flow get the same ID, an IPv4 endpoint sorting before an IPv6 one.
  bool Compute(const IpAddress& src, const IpAddress& dst, uint16_t src_port, uint16_t dst_port, uint8_t protocol,
               char* out);

 private:
  uint16_t seed_;
  EVP_MD_CTX* ctx_;
};

}  // namespace flowdex
