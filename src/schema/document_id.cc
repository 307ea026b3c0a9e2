#include "schema/document_id.h"

#include <openssl/evp.h>

#include <fmt/format.h>

namespace flowdex {

std::string DocumentIdFor(std::string_view source_key, uint64_t offset) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(source_key.data(), source_key.size(), digest, &len, EVP_sha256(), nullptr);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}-{}", digest[0], digest[1], digest[2], digest[3],
                     digest[4], digest[5], digest[6], digest[7], offset);
}

}  // namespace flowdex
