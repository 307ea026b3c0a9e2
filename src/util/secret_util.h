// Small helpers for credentials on the wire: base64 (as HTTP Basic and API
// keys carry them, through OpenSSL) and comparison that takes the same time
// wherever two secrets differ.
#pragma once

#include <string>
#include <string_view>

namespace flowdex {

// Decodes standard base64 (with '=' padding; no line breaks). Returns false,
// leaving *out unspecified, when `in` is not valid base64.
bool Base64Decode(std::string_view in, std::string* out);

// True when a and b are equal, in time that depends only on their lengths.
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace flowdex
