#include "store/bitmap.h"

#include <cstring>
#include <string>
#include <vector>

namespace flowdex {

namespace {

// CRoaring's portable serialisation (github.com/RoaringBitmap/RoaringFormatSpec):
// a container holding more than 4,096 values is a bitset of 1,024 words.
constexpr uint32_t kNoRunCookie = 12346;
constexpr uint32_t kMaxArrayValues = 4096;
constexpr size_t kBitsetWords = 1024;

}  // namespace

void AddBits(roaring_bitmap_t* rows, uint32_t base, const uint64_t* bits, uint32_t count) {
  const uint32_t words = (count + 63) / 64;
  uint64_t set = 0;
  for (uint32_t w = 0; w < words; ++w) set += static_cast<uint64_t>(__builtin_popcountll(bits[w]));
  if (set == 0) return;
  if (set == count) {
    roaring_bitmap_add_range(rows, base, uint64_t{base} + count);
    return;
  }
  auto value_by_value = [&] {
    thread_local std::vector<uint32_t> values;
    values.clear();
    for (uint32_t w = 0; w < words; ++w) {
      for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
        values.push_back(base + w * 64 + static_cast<uint32_t>(__builtin_ctzll(word)));
      }
    }
    roaring_bitmap_add_many(rows, values.size(), values.data());
  };
  if (set <= kMaxArrayValues || base % 65536 != 0) return value_by_value();
  // One bitset container in the portable format: cookie, count, key and
  // cardinality - 1, the container's offset, then its words.
  thread_local std::string buf;
  constexpr size_t kHeader = 16;
  buf.assign(kHeader + kBitsetWords * 8, '\0');
  const uint32_t header[2] = {kNoRunCookie, 1};
  const uint16_t key_card[2] = {static_cast<uint16_t>(base >> 16), static_cast<uint16_t>(set - 1)};
  const uint32_t offset = kHeader;
  std::memcpy(buf.data(), header, 8);
  std::memcpy(buf.data() + 8, key_card, 4);
  std::memcpy(buf.data() + 12, &offset, 4);
  std::memcpy(buf.data() + kHeader, bits, static_cast<size_t>(words) * 8);
  roaring_bitmap_t* block = roaring_bitmap_portable_deserialize_safe(buf.data(), buf.size());
  if (block == nullptr) return value_by_value();  // cannot happen for a well-formed buffer
  roaring_bitmap_or_inplace(rows, block);
  roaring_bitmap_free(block);
}

}  // namespace flowdex
