// libFuzzer target: column blocks. Arbitrary bytes as an encoded block must
// decode, filter or gather to data, Corruption or (filter, gather)
// Unsupported, never a crash; and wherever they succeed, and for every block
// encoded from arbitrary values, the filter on the encoded bytes must pass
// exactly the rows the decoded values pass, and rows read in place must
// equal the decoded ones.
#include <cstring>
#include <vector>

#include "store/column_codec.h"

namespace {

using flowdex::ColumnBlock;
using flowdex::ColumnType;
using flowdex::Status;
using flowdex::ValueFilter;

// Reads bytes off the front of the input, zeros once it runs out.
struct Input {
  const uint8_t* data;
  size_t size;
  uint64_t Take(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v = (v << 8) | (size > 0 ? *data : 0);
      if (size > 0) ++data, --size;
    }
    return v;
  }
};

void CheckAgrees(ColumnType type, uint32_t rows, std::string_view enc, const ValueFilter& filter, bool must_decode) {
  ColumnBlock decoded;
  const Status d = flowdex::DecodeColumnBlock(type, rows, enc, &decoded);
  if (!d.ok() && !d.IsCorruption()) __builtin_trap();
  if (must_decode && !d.ok()) __builtin_trap();
  std::vector<uint64_t> bits((rows + 63) / 64 + 1, 0);
  const Status f = flowdex::FilterColumnBlock(type, rows, enc, filter, bits.data());
  if (!f.ok() && !f.IsCorruption() && f.code() != Status::Code::kUnsupported) __builtin_trap();
  // Every third row read in place: what the decoded block says of them.
  std::vector<uint32_t> sel;
  for (uint32_t i = 0; i < rows; i += 3) sel.push_back(i);
  ColumnBlock gathered;
  const Status g = flowdex::GatherColumnBlock(type, rows, enc, sel.data(), sel.size(), &gathered);
  if (!g.ok() && !g.IsCorruption() && g.code() != Status::Code::kUnsupported) __builtin_trap();
  if (d.ok() && !decoded.multi() && type != ColumnType::kIp && !g.ok()) __builtin_trap();
  if (g.ok() && d.ok()) {
    for (uint32_t i : sel) {
      if (gathered.present(i) != decoded.present(i)) __builtin_trap();
      if (decoded.present(i) && gathered.values[i] != decoded.values[i]) __builtin_trap();
    }
  }
  if (!f.ok() || !d.ok() || decoded.multi()) return;
  for (uint32_t i = 0; i < rows; ++i) {
    if ((((bits[i >> 6] >> (i & 63)) & 1) != 0) != flowdex::FilterPasses(filter, decoded, i)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ColumnType kTypes[] = {ColumnType::kUInt8,   ColumnType::kUInt16, ColumnType::kUInt32,
                                      ColumnType::kUInt64,  ColumnType::kInt64,  ColumnType::kTimestamp,
                                      ColumnType::kKeyword, ColumnType::kBool,   ColumnType::kIp};
  Input in{data, size};
  const uint8_t head = static_cast<uint8_t>(in.Take(1));
  const ColumnType type = kTypes[(head & 0x7f) % std::size(kTypes)];
  const uint32_t rows = 1 + static_cast<uint32_t>(in.Take(2) % 3000);
  ValueFilter filter;
  const int ranges = static_cast<int>(in.Take(1) % 4);
  filter.any_value = ranges == 0;
  const uint64_t wide = type == ColumnType::kIp ? 0xffffffffu : flowdex::MaxValue(type);
  for (int k = 0; k < ranges; ++k) {
    uint64_t a = in.Take(4) % (wide + (wide < UINT64_MAX ? 1 : 0)),
             z = in.Take(4) % (wide + (wide < UINT64_MAX ? 1 : 0));
    if (z < a) std::swap(a, z);
    filter.ranges.emplace_back(a, z);
  }
  if (head & 0x80) {
    // The rest as an encoded block.
    CheckAgrees(type, rows, std::string_view(reinterpret_cast<const char*>(in.data), in.size), filter, false);
    return 0;
  }
  // The rest as values (a presence byte and 5 value bytes a row), encoded.
  flowdex::PresenceBits presence((rows + 63) / 64, 0);
  std::vector<uint64_t> values(rows);
  std::vector<flowdex::IpAddress> ips(rows);
  for (uint32_t i = 0; i < rows; ++i) {
    const uint8_t p = static_cast<uint8_t>(in.Take(1));
    const uint64_t v = in.Take(5);
    if (p % 7 != 0) presence[i >> 6] |= uint64_t{1} << (i & 63);
    values[i] = wide == UINT64_MAX ? v : v % (wide + 1);
    if (p % 11 == 0) {
      ips[i].family = flowdex::IpAddress::Family::kV6;
      std::memset(ips[i].bytes.data(), 0, 16);
      if (p % 2 == 0) ips[i].bytes[10] = ips[i].bytes[11] = 0xff;  // IPv4-mapped
      std::memcpy(ips[i].bytes.data() + 12, &v, 4);
    } else {
      ips[i] = flowdex::IpAddress::FromV4(static_cast<uint32_t>(v));
    }
  }
  std::string enc;
  flowdex::BlockStats stats;
  flowdex::EncodeColumnBlock(type, rows, presence, values.data(), ips.data(), &enc, &stats);
  CheckAgrees(type, rows, enc, filter, true);
  return 0;
}
