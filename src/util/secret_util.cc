#include "util/secret_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace flowdex {

bool Base64Decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  size_t padding = 0;
  if (!in.empty() && in.back() == '=') ++padding;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++padding;
  // EVP_DecodeBlock takes an int length: decode in pieces of whole quanta.
  constexpr size_t kPiece = size_t{1} << 28;  // a multiple of 4
  out->resize(in.size() / 4 * 3);
  size_t written = 0;
  for (size_t pos = 0; pos < in.size(); pos += kPiece) {
    const size_t n = std::min(kPiece, in.size() - pos);
    const int r = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data() + written),
                                  reinterpret_cast<const unsigned char*>(in.data() + pos), static_cast<int>(n));
    if (r < 0) return false;
    written += static_cast<size_t>(r);
  }
  // EVP_DecodeBlock counts the padding's zero bytes; '=' may only end the input.
  if (in.substr(0, in.size() - padding).find('=') != std::string_view::npos) return false;
  out->resize(written - padding);
  return true;
}

bool SecretEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace flowdex
