// Deterministic document ids for records read from files and objects: the
// same line of the same source always gets the same _id, so loading a source
// twice (an S3 redelivery, a re-run backfill) can be recognised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flowdex {

// "<16 hex digits of SHA-256(source key)>-<byte offset of the line>".
std::string DocumentIdFor(std::string_view source_key, uint64_t offset);

}  // namespace flowdex
