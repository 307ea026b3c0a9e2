// CRC-32C (Castagnoli) of on-disk blocks, computed by ISA-L (hardware
// accelerated where the CPU has it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flowdex {

uint32_t Crc32c(const void* data, size_t n);
inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }

}  // namespace flowdex
