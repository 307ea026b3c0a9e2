// AWS Signature Version 4 (AWS4-HMAC-SHA256), computed with OpenSSL.
//
// The rules follow AWS's SigV4 specification: canonical URI (non-S3 services:
// dot segments removed, repeated slashes collapsed, each segment encoded
// twice; S3: the path as is, encoded once), canonical query (each name and
// value encoded, then sorted by name and value), canonical headers (names
// lowercased, values trimmed with inner runs of spaces collapsed, repeated
// headers joined with commas in order, sorted), the payload's SHA-256 (or
// S3's UNSIGNED-PAYLOAD), and the derived signing key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"

namespace flowdex {

// SigV4's URI encoding: A-Z a-z 0-9 - . _ ~ stay, every other byte becomes
// %XX (uppercase hex); '/' stays only when keep_slash.
std::string UriEncode(std::string_view s, bool keep_slash);
// Percent-decoding ('+' is left alone: it is a space only in form encoding).
std::string PercentDecode(std::string_view s);
// Form decoding, as S3 event notifications encode keys: '+' is a space, then %XX.
std::string FormDecode(std::string_view s);

// Lowercase hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Lowercase hex of any byte string.
std::string HexEncode(const unsigned char* data, size_t n);

inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigV4Scope {
  std::string region;
  std::string service;  // "s3", "sqs", "sts", "es", ...
};

struct SigV4Options {
  bool s3_rules = false;          // S3 path rules and the x-amz-content-sha256 header
  bool unsigned_payload = false;  // S3 only: sign UNSIGNED-PAYLOAD instead of the body's hash
  int64_t time_ms = 0;            // signing time (epoch ms); 0: now
};

// The intermediate products, for tests and for error messages.
struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
  std::string signature;
  std::string authorization;
};

// Signs `request` in place: adds X-Amz-Date, Host (from the URL when
// absent), X-Amz-Security-Token (when the credentials have one) and, with
// s3_rules, x-amz-content-sha256, then Authorization. Every header present
// is signed (so each must be sent exactly as given). Returns InvalidArgument
// for a URL that cannot be parsed.
Status SignRequest(HttpRequest* request, const Credentials& credentials, const SigV4Scope& scope,
                   const SigV4Options& options, SigV4Result* result = nullptr);

// The pieces, exposed for tests.
std::string CanonicalUri(std::string_view wire_path, bool s3_rules);
std::string CanonicalQuery(std::string_view wire_query);
// "YYYYMMDDTHHMMSSZ" for epoch ms.
std::string AmzDate(int64_t time_ms);

}  // namespace flowdex
