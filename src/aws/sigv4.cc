#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <strings.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "util/strings.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Trims and collapses runs of whitespace (spaces, tabs, folded line breaks) to one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Dot segments removed and empty segments collapsed, as the AWS SDKs
// normalise paths for services other than S3; a trailing slash stays.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    i = j + 1;
  }
  std::string result;
  for (std::string_view seg : out) {
    result += '/';
    result += seg;
  }
  if (result.empty()) return "/";
  if (path.back() == '/') result += '/';
  return result;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view s) { return Decode(s, false); }
std::string FormDecode(std::string_view s) { return Decode(s, true); }

std::string HexEncode(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return HexEncode(digest, len);
}

std::string AmzDate(int64_t time_ms) {
  const CivilTime t = CivilFromSeconds(time_ms / 1000);
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

std::string CanonicalUri(std::string_view wire_path, bool s3_rules) {
  if (wire_path.empty()) return "/";
  const std::string decoded = PercentDecode(wire_path);
  if (s3_rules) return UriEncode(decoded, true);
  // The SDKs encode the (already encoded) path once more for non-S3 services.
  return UriEncode(UriEncode(NormalizePath(decoded), true), true);
}

std::string CanonicalQuery(std::string_view wire_query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = 0;
  while (i < wire_query.size()) {
    size_t j = wire_query.find('&', i);
    if (j == std::string_view::npos) j = wire_query.size();
    std::string_view pair = wire_query.substr(i, j - i);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      std::string name = UriEncode(PercentDecode(pair.substr(0, eq)), false);
      std::string value = eq == std::string_view::npos ? "" : UriEncode(PercentDecode(pair.substr(eq + 1)), false);
      params.emplace_back(std::move(name), std::move(value));
    }
    i = j + 1;
  }
  // Encode first, then sort (byte order of the encoded forms).
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

Status SignRequest(HttpRequest* request, const Credentials& credentials, const SigV4Scope& scope,
                   const SigV4Options& options, SigV4Result* result) {
  UrlParts url;
  Status s = ParseUrl(request->url, &url);
  if (!s.ok()) return s;
  const int64_t now = options.time_ms ? options.time_ms : CurrentTimeMillis();
  const std::string amz_date = AmzDate(now);
  const std::string date = amz_date.substr(0, 8);

  auto set_header = [&](std::string_view name, std::string value) {
    for (auto& [k, v] : request->headers) {
      if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
        v = std::move(value);
        return;
      }
    }
    request->headers.emplace_back(std::string(name), std::move(value));
  };
  // Drop a previous signature (a retried request is signed again).
  std::erase_if(request->headers, [](const auto& h) { return strcasecmp(h.first.c_str(), "authorization") == 0; });
  if (FindHeader(request->headers, "host").empty()) request->headers.emplace_back("Host", url.HostHeader());
  set_header("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) set_header("X-Amz-Security-Token", credentials.session_token);
  std::string payload_hash;
  if (options.s3_rules) {
    payload_hash = options.unsigned_payload ? std::string(kUnsignedPayload) : Sha256Hex(request->body);
    set_header("x-amz-content-sha256", payload_hash);
  } else {
    std::string_view given = FindHeader(request->headers, "x-amz-content-sha256");
    payload_hash = given.empty() ? Sha256Hex(request->body) : std::string(given);
  }

  // Canonical headers: lowercase names, merged duplicates, sorted by name.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request->headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "authorization" || lower == "user-agent" || lower == "expect" || lower == "content-length") continue;
    std::string v = CanonicalHeaderValue(TrimAsciiWhitespace(value));
    auto it = std::find_if(headers.begin(), headers.end(), [&](const auto& h) { return h.first == lower; });
    if (it == headers.end()) {
      headers.emplace_back(std::move(lower), std::move(v));
    } else {
      it->second += ',';
      it->second += v;
    }
  }
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  std::string method = request->method;
  std::transform(method.begin(), method.end(), method.begin(), ::toupper);
  const std::string canonical_request = method + "\n" + CanonicalUri(url.path, options.s3_rules) + "\n" +
                                        CanonicalQuery(url.query) + "\n" + canonical_headers + "\n" + signed_headers +
                                        "\n" + payload_hash;
  const std::string credential_scope = date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + credential_scope + "\n" + Sha256Hex(canonical_request);
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  key = HmacSha256(key, "aws4_request");
  const std::string mac = HmacSha256(key, string_to_sign);
  const std::string signature = HexEncode(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  std::string authorization = fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                                          credentials.access_key_id, credential_scope, signed_headers, signature);
  request->headers.emplace_back("Authorization", authorization);
  if (result) {
    result->canonical_request = canonical_request;
    result->string_to_sign = string_to_sign;
    result->signed_headers = signed_headers;
    result->signature = signature;
    result->authorization = std::move(authorization);
  }
  return Status::OK();
}

}  // namespace flowdex
