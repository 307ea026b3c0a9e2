// Byte sizes as people and Elasticsearch write them: "50GB", "512mb",
// "1.5g", "4096" (units b, kb, mb, gb, tb, pb, with or without the "b",
// any case; 1 kb = 1024 bytes, as in Elasticsearch's byte-size values).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace flowdex {

// Parses `text` into *bytes; InvalidArgument naming the text when it is not
// a size (no number, an unknown unit, negative, or more than 2^63 bytes).
Status ParseByteSize(std::string_view text, uint64_t* bytes);

}  // namespace flowdex
