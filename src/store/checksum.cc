#include "store/checksum.h"

#include <isa-l/crc.h>
#include <climits>

namespace flowdex {

uint32_t Crc32c(const void* data, size_t n) {
  // crc32_iscsi takes an int length: feed large buffers in pieces. Standard
  // CRC-32C is the ISA-L value with initial and final inversion.
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  unsigned int crc = 0xFFFFFFFFu;
  while (n > 0) {
    const int chunk = n > (1u << 30) ? (1 << 30) : static_cast<int>(n);
    crc = crc32_iscsi(p, chunk, crc);
    p += chunk;
    n -= static_cast<size_t>(chunk);
  }
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace flowdex
