#include "store/column_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

#include "store/byte_io.h"

namespace flowdex {

namespace {

enum Kind : uint8_t {
  kAllNull = 0,
  kConstant = 1,
  kFrameOfReference = 2,
  kDelta = 3,
  kIpv4 = 4,
  kIpMixed = 5,
  kMulti = 6,                     // counts per row, then the values of all rows
  kBlob = 7,                      // lengths per row, then the bytes
  kIpv4AndSomeV6 = 8,             // IPv4 planes for every row, then the few IPv6 rows' bytes
  kSignedDelta = 9,               // zigzag-coded steps from the previous value (no nulls)
  kIpv4Dictionary = 10,           // the distinct IPv4 addresses, then a code per row
  kIpv4DictionaryAndSomeV6 = 11,  // the few IPv6 rows' bytes, then as kIpv4Dictionary
};
// Most values one multi-valued block may hold (a guard against damaged counts).
constexpr uint64_t kMaxBlockValues = uint64_t{1} << 26;
constexpr uint8_t kHasPresence = 1;

uint64_t ZigZag(uint64_t step) { return (step << 1) ^ static_cast<uint64_t>(static_cast<int64_t>(step) >> 63); }
uint64_t UnZigZag(uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }

int BytesFor(uint64_t v) {
  int n = 1;
  while (n < 8 && (v >> (8 * n)) != 0) ++n;
  return n;
}

// Writes the low `width` bytes of each value as byte planes (all first bytes,
// then all second bytes, ...).
void PutPlanes(const uint64_t* v, size_t n, int width, std::string* out) {
  const size_t start = out->size();
  out->resize(start + n * static_cast<size_t>(width));
  char* dst = out->data() + start;
  for (int b = 0; b < width; ++b) {
    const int shift = 8 * b;
    char* plane = dst + static_cast<size_t>(b) * n;
    for (size_t i = 0; i < n; ++i) plane[i] = static_cast<char>(v[i] >> shift);
  }
}

bool GetPlanes(ByteReader* in, size_t n, int width, uint64_t* v) {
  std::string_view bytes;
  if (!in->GetBytes(n * static_cast<size_t>(width), &bytes)) return false;
  const auto* src = reinterpret_cast<const uint8_t*>(bytes.data());
  for (size_t i = 0; i < n; ++i) v[i] = src[i];
  for (int b = 1; b < width; ++b) {
    const uint8_t* plane = src + static_cast<size_t>(b) * n;
    const int shift = 8 * b;
    for (size_t i = 0; i < n; ++i) v[i] |= static_cast<uint64_t>(plane[i]) << shift;
  }
  return true;
}

Status Malformed(ColumnType type) {
  return Status::Corruption("malformed " + std::string(ColumnTypeName(type)) + " column block");
}

// Min, max and whether values never decrease, over the present rows.
struct Range {
  bool any = false;
  uint64_t min = 0, max = 0;
  bool non_decreasing = true;
};

template <bool kSigned, bool kAllPresent>
Range ScanRange(uint32_t rows, const PresenceBits& presence, const uint64_t* values) {
  using V = std::conditional_t<kSigned, int64_t, uint64_t>;
  Range r;
  V lo = 0, hi = 0, prev = 0;
  bool any = false, non_decreasing = kAllPresent;
  for (uint32_t i = 0; i < rows; ++i) {
    if constexpr (!kAllPresent) {
      if (!IsPresent(presence, i)) continue;
    }
    const V v = static_cast<V>(values[i]);
    if (!any) {
      lo = hi = v;
      any = true;
    } else {
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      non_decreasing &= v >= prev;
    }
    prev = v;
  }
  r.any = any;
  r.min = static_cast<uint64_t>(lo);
  r.max = static_cast<uint64_t>(hi);
  r.non_decreasing = non_decreasing;
  return r;
}

void EncodeIntegers(ColumnType type, uint32_t rows, const PresenceBits& presence, const uint64_t* values,
                    std::string* out, BlockStats* stats) {
  ByteWriter w(out);
  const bool all_present = presence.empty();
  const Range range = IsSigned(type) ? (all_present ? ScanRange<true, true>(rows, presence, values)
                                                    : ScanRange<true, false>(rows, presence, values))
                                     : (all_present ? ScanRange<false, true>(rows, presence, values)
                                                    : ScanRange<false, false>(rows, presence, values));
  const uint8_t presence_flag = all_present ? 0 : kHasPresence;
  if (!range.any) {
    w.PutU8(static_cast<uint8_t>(kAllNull << 1));
    return;
  }
  const uint64_t min = range.min, max = range.max;
  stats->min = min;
  stats->max = max;
  auto put_presence = [&] {
    if (!all_present) w.PutBytes(presence.data(), (rows + 7) / 8);
  };
  if (min == max) {
    w.PutU8(static_cast<uint8_t>(kConstant << 1 | presence_flag));
    put_presence();
    w.PutVarint(min);
    return;
  }
  // Timestamps in whole seconds: store seconds.
  uint64_t divisor = 1;
  if (type == ColumnType::kTimestamp) {
    divisor = 1000;
    for (uint32_t i = 0; i < rows; ++i) {
      if ((values[i] - min) % 1000 != 0 && (all_present || IsPresent(presence, i))) {
        divisor = 1;
        break;
      }
    }
  }
  std::vector<uint64_t> deltas(rows);
  // Kinds 3 and 9: the first value, then the rows - 1 steps in `deltas`.
  auto put_steps = [&](Kind kind, uint64_t max_step) {
    const int width = BytesFor(max_step);
    w.PutU8(static_cast<uint8_t>(kind << 1));
    w.PutVarint(values[0]);
    w.PutVarint(divisor);
    w.PutU8(static_cast<uint8_t>(width));
    PutPlanes(deltas.data(), rows - 1, width, out);
  };
  if (range.non_decreasing && all_present && rows > 1) {
    uint64_t max_step = 0;
    for (uint32_t i = 1; i < rows; ++i) {
      deltas[i - 1] = (values[i] - values[i - 1]) / divisor;
      max_step = std::max(max_step, deltas[i - 1]);
    }
    put_steps(kDelta, max_step);
    return;
  }
  // Steps up and down from the previous value (line offsets that restart
  // at each file, timestamps in the order a file lists them) often take
  // fewer bits than the distances from the minimum; bits per value decide.
  // (Steps of a span below 2^62 fit an int64 whatever the divisor.)
  if (all_present && rows > 1 && ((max - min) >> 62) == 0) {
    uint64_t step_bits = 0, min_bits = static_cast<uint64_t>(std::bit_width((values[0] - min) / divisor));
    uint64_t max_step = 0;
    for (uint32_t i = 1; i < rows; ++i) {
      const int64_t step = static_cast<int64_t>(values[i] - values[i - 1]) / static_cast<int64_t>(divisor);
      const uint64_t z = ZigZag(static_cast<uint64_t>(step));
      deltas[i - 1] = z;
      max_step = std::max(max_step, z);
      step_bits += static_cast<uint64_t>(std::bit_width(z));
      min_bits += static_cast<uint64_t>(std::bit_width((values[i] - min) / divisor));
    }
    // A margin: steps decode serially and cannot be tested in place.
    if (step_bits * 5 < min_bits * 4) {
      put_steps(kSignedDelta, max_step);
      return;
    }
  }
  if (all_present) {
    if (divisor == 1) {
      for (uint32_t i = 0; i < rows; ++i) deltas[i] = values[i] - min;
    } else {
      for (uint32_t i = 0; i < rows; ++i) deltas[i] = (values[i] - min) / divisor;
    }
  } else {
    for (uint32_t i = 0; i < rows; ++i) deltas[i] = IsPresent(presence, i) ? (values[i] - min) / divisor : 0;
  }
  const int width = BytesFor((max - min) / divisor);
  w.PutU8(static_cast<uint8_t>(kFrameOfReference << 1 | presence_flag));
  put_presence();
  w.PutVarint(min);
  w.PutVarint(divisor);
  w.PutU8(static_cast<uint8_t>(width));
  PutPlanes(deltas.data(), rows, width, out);
}

// Appends to `out` the IPv4 rows of a block as their distinct addresses
// (in order of first appearance) and a code per row (0 for absent and IPv6
// rows), when that is at most 3/4 of four bytes a row: a block holds far
// fewer addresses than rows (the same hosts talk again and again), and
// codes compress to about half of what addresses do. False, appending
// nothing, otherwise.
bool PutIpv4Dictionary(uint32_t rows, const PresenceBits& presence, const IpAddress* ips, std::string* out) {
  const bool all_present = presence.empty();
  const uint32_t most = rows / 4;  // more distinct addresses cannot pay (two-byte codes)
  if (most == 0) return false;
  // Open addressing over a power of two above twice `most`; slot_code holds
  // code + 1 (0: empty). Reused across blocks, cleared slot by slot.
  thread_local std::vector<uint32_t> slot_key, slot_code, codes, distinct;
  const uint32_t slots = std::bit_ceil(2 * most + 2);
  if (slot_key.size() < slots) {
    slot_key.assign(slots, 0);
    slot_code.assign(slots, 0);
  }
  codes.resize(rows);
  distinct.clear();
  bool fits = true;
  for (uint32_t i = 0; i < rows && fits; ++i) {
    if ((!all_present && !IsPresent(presence, i)) || !ips[i].is_v4()) {
      codes[i] = 0;
      continue;
    }
    const uint32_t a = ips[i].v4();
    for (uint32_t h = (a * 0x9E3779B1u) >> 7;; ++h) {
      const uint32_t slot = h & (slots - 1);
      if (slot_code[slot] == 0) {
        if (distinct.size() == most) {
          fits = false;
          break;
        }
        slot_key[slot] = a;
        distinct.push_back(a);
        slot_code[slot] = static_cast<uint32_t>(distinct.size());
        codes[i] = slot_code[slot] - 1;
        break;
      }
      if (slot_key[slot] == a) {
        codes[i] = slot_code[slot] - 1;
        break;
      }
    }
  }
  // Clear what this block used: each distinct address's run of slots.
  for (uint32_t a : distinct) {
    for (uint32_t h = (a * 0x9E3779B1u) >> 7;; ++h) {
      const uint32_t slot = h & (slots - 1);
      if (slot_code[slot] == 0) break;
      slot_code[slot] = 0;
    }
  }
  if (!fits || distinct.empty()) return false;
  const size_t n = distinct.size();
  const int width = n <= 256 ? 1 : 2;
  ByteWriter w(out);
  w.PutVarint(n);
  const size_t start = out->size();
  out->resize(start + n * 4);
  char* dst = out->data() + start;
  for (size_t k = 0; k < n; ++k) {
    for (int b = 0; b < 4; ++b) dst[static_cast<size_t>(b) * n + k] = static_cast<char>(distinct[k] >> (24 - 8 * b));
  }
  w.PutU8(static_cast<uint8_t>(width));
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(rows) * width);
  char* planes = out->data() + at;
  for (uint32_t i = 0; i < rows; ++i) planes[i] = static_cast<char>(codes[i]);
  if (width == 2) {
    for (uint32_t i = 0; i < rows; ++i) planes[rows + i] = static_cast<char>(codes[i] >> 8);
  }
  return true;
}

void EncodeIps(uint32_t rows, const PresenceBits& presence, const IpAddress* ips, std::string* out, BlockStats* stats) {
  ByteWriter w(out);
  const bool all_present = presence.empty();
  bool any = false, all_v4 = true;
  std::array<uint8_t, 16> min{}, max{};
  for (uint32_t i = 0; i < rows; ++i) {
    if (!all_present && !IsPresent(presence, i)) continue;
    const auto key = IpSortKey(ips[i]);
    if (!any || key < min) min = key;
    if (!any || max < key) max = key;
    any = true;
    if (!ips[i].is_v4()) all_v4 = false;
  }
  const uint8_t presence_flag = all_present ? 0 : kHasPresence;
  if (!any) {
    w.PutU8(static_cast<uint8_t>(kAllNull << 1));
    return;
  }
  stats->min_ip = min;
  stats->max_ip = max;
  uint32_t v6_rows = 0;
  for (uint32_t i = 0; i < rows && !all_v4; ++i) {
    v6_rows += (all_present || IsPresent(presence, i)) && !ips[i].is_v4() ? 1 : 0;
  }
  if (!all_v4 && v6_rows <= rows / 2) {
    // Mostly IPv4 (dual-stack VPCs): the few IPv6 rows' 16 bytes on their
    // own, then four planes for every row, so scans read 4 bytes a row
    // (and a test on a /8 only the first plane).
    thread_local std::string dictionary;
    dictionary.clear();
    const bool coded = PutIpv4Dictionary(rows, presence, ips, &dictionary);
    w.PutU8(static_cast<uint8_t>((coded ? kIpv4DictionaryAndSomeV6 : kIpv4AndSomeV6) << 1 | presence_flag));
    if (!all_present) w.PutBytes(presence.data(), (rows + 7) / 8);
    std::string v6_bits((rows + 7) / 8, '\0');
    for (uint32_t i = 0; i < rows; ++i) {
      if ((all_present || IsPresent(presence, i)) && !ips[i].is_v4()) {
        v6_bits[i >> 3] = static_cast<char>(v6_bits[i >> 3] | (1 << (i & 7)));
      }
    }
    out->append(v6_bits);
    for (uint32_t i = 0; i < rows; ++i) {
      if ((all_present || IsPresent(presence, i)) && !ips[i].is_v4()) w.PutBytes(ips[i].bytes.data(), 16);
    }
    if (coded) {
      out->append(dictionary);
      return;
    }
    const size_t start = out->size();
    out->resize(start + static_cast<size_t>(rows) * 4, '\0');
    char* planes = out->data() + start;
    for (uint32_t i = 0; i < rows; ++i) {
      if ((all_present || IsPresent(presence, i)) && ips[i].is_v4()) {
        for (int b = 0; b < 4; ++b) planes[static_cast<size_t>(b) * rows + i] = static_cast<char>(ips[i].bytes[b]);
      }
    }
    return;
  }
  if (all_v4) {
    // The head first; dropped again when no dictionary pays.
    w.PutU8(static_cast<uint8_t>(kIpv4Dictionary << 1 | presence_flag));
    if (!all_present) w.PutBytes(presence.data(), (rows + 7) / 8);
    const size_t head_at = out->size() - 1 - (all_present ? 0 : (rows + 7) / 8);
    if (PutIpv4Dictionary(rows, presence, ips, out)) return;
    out->resize(head_at);
  }
  w.PutU8(static_cast<uint8_t>((all_v4 ? kIpv4 : kIpMixed) << 1 | presence_flag));
  if (!all_present) w.PutBytes(presence.data(), (rows + 7) / 8);
  const int width = all_v4 ? 4 : 16;
  if (!all_v4) {
    std::string families((rows + 7) / 8, '\0');
    for (uint32_t i = 0; i < rows; ++i) {
      if (ips[i].is_v4()) families[i >> 3] = static_cast<char>(families[i >> 3] | (1 << (i & 7)));
    }
    out->append(families);
  }
  // Byte planes, most significant byte first, so planes of a subnet repeat.
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(rows) * width);
  char* dst = out->data() + start;
  for (uint32_t i = 0; i < rows; ++i) {
    const bool present = all_present || IsPresent(presence, i);
    std::array<uint8_t, 16> bytes{};
    if (present) bytes = all_v4 ? ips[i].bytes : IpSortKey(ips[i]);
    for (int b = 0; b < width; ++b) dst[static_cast<size_t>(b) * rows + i] = static_cast<char>(bytes[b]);
  }
}

}  // namespace

std::array<uint8_t, 16> IpSortKey(const IpAddress& ip) {
  if (!ip.is_v4()) return ip.bytes;
  std::array<uint8_t, 16> k{};
  k[10] = k[11] = 0xff;
  std::memcpy(k.data() + 12, ip.bytes.data(), 4);
  return k;
}

namespace {

uint32_t CountNulls(uint32_t rows, const PresenceBits& presence) {
  if (presence.empty()) return 0;
  uint32_t present = 0;
  for (uint32_t w = 0; w < rows / 64; ++w) present += static_cast<uint32_t>(__builtin_popcountll(presence[w]));
  if (rows % 64) {
    present += static_cast<uint32_t>(__builtin_popcountll(presence[rows / 64] & ((uint64_t{1} << (rows % 64)) - 1)));
  }
  return rows - present;
}

// Encodes values that are one per row (rows may exceed a block for the inner
// part of a multi-valued block).
void EncodeSingle(ColumnType type, uint32_t rows, const PresenceBits& presence, const uint64_t* values,
                  const IpAddress* ips, std::string* out, BlockStats* stats) {
  const PresenceBits kAll;
  const PresenceBits& p = stats->nulls == 0 ? kAll : presence;
  if (type == ColumnType::kIp) {
    EncodeIps(rows, p, ips, out, stats);
  } else {
    EncodeIntegers(type, rows, p, values, out, stats);
  }
}

// A length-prefixed block of per-row counts or lengths.
void PutCounts(const uint32_t* counts, uint32_t rows, std::string* out) {
  std::vector<uint64_t> wide(counts, counts + rows);
  std::string enc;
  BlockStats ignored;
  ignored.rows = rows;
  EncodeIntegers(ColumnType::kUInt32, rows, PresenceBits(), wide.data(), &enc, &ignored);
  ByteWriter(out).PutString(enc);
}

}  // namespace

void EncodeColumnBlock(const BlockInput& in, std::string* out, BlockStats* stats) {
  *stats = BlockStats{};
  stats->rows = in.rows;
  const PresenceBits kAll;
  const PresenceBits& presence = in.presence ? *in.presence : kAll;
  if (in.type == ColumnType::kBlob) {
    stats->nulls = CountNulls(in.rows, presence);
    ByteWriter w(out);
    const bool has_presence = stats->nulls > 0;
    w.PutU8(static_cast<uint8_t>(kBlob << 1 | (has_presence ? kHasPresence : 0)));
    if (has_presence) w.PutBytes(presence.data(), (in.rows + 7) / 8);
    PutCounts(in.blob_lengths, in.rows, out);
    out->append(in.blob_bytes);
    return;
  }
  if (in.counts != nullptr) {
    uint32_t empty = 0;
    for (uint32_t i = 0; i < in.rows; ++i) empty += in.counts[i] == 0;
    stats->nulls = empty;
    if (empty == in.rows) {
      out->push_back(static_cast<char>(kAllNull << 1));
      return;
    }
    ByteWriter(out).PutU8(static_cast<uint8_t>(kMulti << 1));
    PutCounts(in.counts, in.rows, out);
    BlockStats inner;
    inner.rows = static_cast<uint32_t>(in.total);
    EncodeSingle(in.type, static_cast<uint32_t>(in.total), kAll, in.values, in.ips, out, &inner);
    stats->min = inner.min;
    stats->max = inner.max;
    stats->min_ip = inner.min_ip;
    stats->max_ip = inner.max_ip;
    return;
  }
  stats->nulls = CountNulls(in.rows, presence);
  EncodeSingle(in.type, in.rows, presence, in.values, in.ips, out, stats);
}

void EncodeColumnBlock(ColumnType type, uint32_t rows, const PresenceBits& presence, const uint64_t* values,
                       const IpAddress* ips, std::string* out, BlockStats* stats) {
  BlockInput in;
  in.type = type;
  in.rows = rows;
  in.presence = &presence;
  in.values = values;
  in.ips = ips;
  EncodeColumnBlock(in, out, stats);
}

namespace {

// Reads IPv4 planes, big-endian (first octet first), into `v4`.
void GetV4Planes(const uint8_t* first, uint32_t rows, uint32_t* v4) {
  for (uint32_t i = 0; i < rows; ++i) v4[i] = first[i];
  for (int b = 1; b < 4; ++b) {
    const uint8_t* plane = first + static_cast<size_t>(b) * rows;
    for (uint32_t i = 0; i < rows; ++i) v4[i] = (v4[i] << 8) | plane[i];
  }
}

// The header of a dictionary-coded IPv4 body: the distinct addresses (`n`
// of them, 4 planes), the code width, then where the code planes start
// (relative to the reader's start). False when malformed.
struct Ipv4Dictionary {
  uint64_t n = 0;
  std::string_view addresses;  // 4 planes of n bytes
  uint8_t width = 0;
  size_t codes_at = 0;
};
bool GetIpv4Dictionary(ByteReader* in, uint32_t rows, Ipv4Dictionary* d) {
  if (!in->GetVarint(&d->n) || d->n == 0 || d->n > rows || d->n > 65536 ||
      !in->GetBytes(static_cast<size_t>(d->n) * 4, &d->addresses) || !in->GetU8(&d->width) ||
      (d->width != 1 && d->width != 2)) {
    return false;
  }
  d->codes_at = in->position();
  return true;
}

// Reads an IPv4 body from `in` into out->v4, consuming all of it: four
// planes, or a dictionary and codes. False when malformed (a code past the
// dictionary included).
bool GetIpv4Body(ByteReader* in, uint32_t rows, bool dictionary, ColumnBlock* out) {
  auto& v4 = out->v4;
  v4.resize(rows);
  if (!dictionary) {
    std::string_view planes;
    if (!in->GetBytes(static_cast<size_t>(rows) * 4, &planes) || in->remaining() != 0) return false;
    // Plane by plane, first octet first, sequential reads.
    GetV4Planes(reinterpret_cast<const uint8_t*>(planes.data()), rows, v4.data());
    return true;
  }
  Ipv4Dictionary d;
  std::string_view planes;
  if (!GetIpv4Dictionary(in, rows, &d) || !in->GetBytes(static_cast<size_t>(rows) * d.width, &planes) ||
      in->remaining() != 0) {
    return false;
  }
  thread_local std::vector<uint32_t> addresses;
  addresses.resize(d.n);
  GetV4Planes(reinterpret_cast<const uint8_t*>(d.addresses.data()), static_cast<uint32_t>(d.n), addresses.data());
  const auto* low = reinterpret_cast<const uint8_t*>(planes.data());
  uint32_t top = 0;  // the largest code seen
  if (d.width == 1) {
    for (uint32_t i = 0; i < rows; ++i) top = std::max<uint32_t>(top, low[i]);
    if (top >= d.n) return false;
    for (uint32_t i = 0; i < rows; ++i) v4[i] = addresses[low[i]];
  } else {
    const uint8_t* high = low + rows;
    for (uint32_t i = 0; i < rows; ++i) top = std::max<uint32_t>(top, low[i] | uint32_t{high[i]} << 8);
    if (top >= d.n) return false;
    for (uint32_t i = 0; i < rows; ++i) v4[i] = addresses[low[i] | uint32_t{high[i]} << 8];
  }
  return true;
}

// The rest of a block of kind 4, 8, 10 or 11 (after head and presence),
// consumed whole. False when malformed.
bool DecodeIpv4Kinds(ByteReader* in, uint32_t rows, bool some_v6, bool dictionary, ColumnBlock* out) {
  if (some_v6) {
    const size_t bitmap_bytes = (static_cast<size_t>(rows) + 7) / 8;
    std::string_view v6_bits;
    if (!in->GetBytes(bitmap_bytes, &v6_bits)) return false;
    out->v6.assign((rows + 63) / 64, 0);
    std::memcpy(out->v6.data(), v6_bits.data(), bitmap_bytes);
    out->v6_rank.resize(out->v6.size());
    uint32_t count = 0;
    for (size_t w = 0; w < out->v6.size(); ++w) {
      // IPv6 rows hold a value.
      if ((out->v6[w] & ~(out->presence.empty() ? ~uint64_t{0} : out->presence[w])) != 0) return false;
      out->v6_rank[w] = count;
      count += static_cast<uint32_t>(std::popcount(out->v6[w]));
    }
    if (rows % 64 != 0 && (out->v6.back() >> (rows % 64)) != 0) return false;
    std::string_view bytes;
    if (!in->GetBytes(static_cast<size_t>(count) * 16, &bytes)) return false;
    out->ips.resize(count);
    for (uint32_t k = 0; k < count; ++k) {
      out->ips[k].family = IpAddress::Family::kV6;
      std::memcpy(out->ips[k].bytes.data(), bytes.data() + static_cast<size_t>(k) * 16, 16);
    }
  }
  if (!GetIpv4Body(in, rows, dictionary, out)) return false;
  auto& v4 = out->v4;
  for (size_t w = 0; w < out->v6.size(); ++w) {
    for (uint64_t word = out->v6[w]; word != 0; word &= word - 1) v4[w * 64 + std::countr_zero(word)] = 0;
  }
  if (!out->presence.empty()) {
    for (uint32_t i = 0; i < rows; ++i) {
      if (!out->present(i)) v4[i] = 0;
    }
  }
  return true;
}

// Decodes a block of one value per row from `in`, consuming all of it.
Status DecodeSingle(ColumnType type, uint32_t rows, std::string_view encoded, ColumnBlock* out) {
  ByteReader in(encoded);
  out->presence.clear();
  out->values.clear();
  out->ips.clear();
  out->v4.clear();
  out->v6.clear();
  out->v6_rank.clear();
  uint8_t head;
  if (!in.GetU8(&head)) return Malformed(type);
  const uint8_t kind = head >> 1;
  const size_t bitmap_bytes = (static_cast<size_t>(rows) + 7) / 8;
  if (kind == kAllNull) {
    out->presence.assign((rows + 63) / 64, 0);
  } else if (head & kHasPresence) {
    std::string_view bits;
    if (!in.GetBytes(bitmap_bytes, &bits)) return Malformed(type);
    out->presence.assign((rows + 63) / 64, 0);
    std::memcpy(out->presence.data(), bits.data(), bitmap_bytes);
  }
  if (type == ColumnType::kIp) {
    if (kind == kAllNull) {
      out->v4.assign(rows, 0);
      return in.remaining() == 0 ? Status::OK() : Malformed(type);
    }
    if (kind == kIpv4 || kind == kIpv4AndSomeV6 || kind == kIpv4Dictionary || kind == kIpv4DictionaryAndSomeV6) {
      const bool some_v6 = kind == kIpv4AndSomeV6 || kind == kIpv4DictionaryAndSomeV6;
      const bool dictionary = kind == kIpv4Dictionary || kind == kIpv4DictionaryAndSomeV6;
      return DecodeIpv4Kinds(&in, rows, some_v6, dictionary, out) ? Status::OK() : Malformed(type);
    }
    if (kind != kIpMixed) return Malformed(type);
    std::string_view families, planes;
    if (!in.GetBytes(bitmap_bytes, &families) || !in.GetBytes(static_cast<size_t>(rows) * 16, &planes) ||
        in.remaining() != 0) {
      return Malformed(type);
    }
    {
      // IPv4 rows as integers from the last four planes (bytes 12..15 of
      // ::ffff:a.b.c.d), plane by plane; IPv6 rows also whole, in `ips`.
      const auto* src = reinterpret_cast<const uint8_t*>(planes.data());
      const auto* fam = reinterpret_cast<const uint8_t*>(families.data());
      auto& v4 = out->v4;
      v4.assign(rows, 0);
      for (int b = 12; b < 16; ++b) {
        const uint8_t* plane = src + static_cast<size_t>(b) * rows;
        for (uint32_t i = 0; i < rows; ++i) v4[i] = (v4[i] << 8) | plane[i];
      }
      out->v6.assign((rows + 63) / 64, 0);
      for (uint32_t i = 0; i < rows; ++i) {
        const bool is_v4 = (fam[i >> 3] >> (i & 7)) & 1;
        if (!out->present(i)) {
          v4[i] = 0;
          continue;
        }
        if (is_v4) continue;
        v4[i] = 0;
        out->v6[i >> 6] |= uint64_t{1} << (i & 63);
        IpAddress& ip = out->ips.emplace_back();
        ip.family = IpAddress::Family::kV6;
        for (int b = 0; b < 16; ++b) ip.bytes[b] = src[static_cast<size_t>(b) * rows + i];
      }
      out->v6_rank.resize(out->v6.size());
      uint32_t before = 0;
      for (size_t w = 0; w < out->v6.size(); ++w) {
        out->v6_rank[w] = before;
        before += static_cast<uint32_t>(std::popcount(out->v6[w]));
      }
    }
    return Status::OK();
  }
  // Every case below writes every element (resize leaves them unset).
  out->values.resize(rows);
  bool within_type = false;  // every value known to fit `type`
  switch (kind) {
    case kAllNull: std::fill(out->values.begin(), out->values.end(), 0); break;
    case kConstant: {
      uint64_t v;
      if (!in.GetVarint(&v)) return Malformed(type);
      for (uint32_t i = 0; i < rows; ++i) out->values[i] = out->present(i) ? v : 0;
      break;
    }
    case kFrameOfReference: {
      uint64_t base, divisor;
      uint8_t width;
      if (!in.GetVarint(&base) || !in.GetVarint(&divisor) || !in.GetU8(&width) || width < 1 || width > 8 ||
          divisor == 0 || !GetPlanes(&in, rows, width, out->values.data())) {
        return Malformed(type);
      }
      // Branch-free loops the compiler vectorises; absent rows zeroed after.
      uint64_t* v = out->values.data();
      if (divisor == 1) {
        for (uint32_t i = 0; i < rows; ++i) v[i] += base;
      } else {
        for (uint32_t i = 0; i < rows; ++i) v[i] = base + v[i] * divisor;
      }
      if (!out->presence.empty()) {
        for (uint32_t i = 0; i < rows; ++i) {
          if (!out->present(i)) v[i] = 0;
        }
      }
      // Every value is at most base + (2^(8 width) - 1) * divisor: when that
      // fits the type, the per-value check below is not needed.
      const unsigned __int128 bound =
          base + static_cast<unsigned __int128>(width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1) * divisor;
      within_type = bound <= MaxValue(type);
      break;
    }
    case kDelta:
    case kSignedDelta: {
      uint64_t first, divisor;
      uint8_t width;
      if (rows == 0 || !in.GetVarint(&first) || !in.GetVarint(&divisor) || !in.GetU8(&width) || width < 1 ||
          width > 8 || divisor == 0 || !GetPlanes(&in, rows - 1, width, out->values.data() + 1)) {
        return Malformed(type);
      }
      uint64_t* v = out->values.data();
      v[0] = first;
      if (kind == kDelta) {
        for (uint32_t i = 1; i < rows; ++i) v[i] = v[i - 1] + v[i] * divisor;
      } else {
        for (uint32_t i = 1; i < rows; ++i) v[i] = v[i - 1] + UnZigZag(v[i]) * divisor;
      }
      break;
    }
    default: return Malformed(type);
  }
  if (in.remaining() != 0) return Malformed(type);
  if (!within_type && type != ColumnType::kDouble && type != ColumnType::kInt64 && type != ColumnType::kTimestamp) {
    const uint64_t max = MaxValue(type);
    for (uint64_t v : out->values) {
      if (v > max) return Malformed(type);
    }
  }
  return Status::OK();
}

// Reads a length-prefixed counts block into offsets (rows + 1 entries).
bool GetCounts(ByteReader* in, uint32_t rows, std::vector<uint32_t>* offsets) {
  std::string_view enc;
  if (!in->GetString(&enc)) return false;
  ColumnBlock counts;
  if (!DecodeSingle(ColumnType::kUInt32, rows, enc, &counts).ok() || !counts.presence.empty()) return false;
  offsets->assign(rows + 1, 0);
  uint64_t total = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    total += counts.values[i];
    if (total > kMaxBlockValues) return false;
    (*offsets)[i + 1] = static_cast<uint32_t>(total);
  }
  return true;
}

}  // namespace

Status DecodeColumnBlock(ColumnType type, uint32_t rows, std::string_view encoded, ColumnBlock* out) {
  out->type = type;
  out->rows = rows;
  out->offsets.clear();
  out->blob.clear();
  if (rows > kRowsPerBlock || encoded.empty()) return Malformed(type);
  const uint8_t kind = static_cast<uint8_t>(encoded[0]) >> 1;
  if (kind == kBlob) {
    if (type != ColumnType::kBlob) return Malformed(type);
    ByteReader in(encoded);
    uint8_t head;
    in.GetU8(&head);
    out->presence.clear();
    out->values.clear();
    out->ips.clear();
    out->v4.clear();
    out->v6.clear();
    out->v6_rank.clear();
    if (head & kHasPresence) {
      std::string_view bits;
      const size_t bitmap_bytes = (rows + 7) / 8;
      if (!in.GetBytes(bitmap_bytes, &bits)) return Malformed(type);
      out->presence.assign((rows + 63) / 64, 0);
      std::memcpy(out->presence.data(), bits.data(), bitmap_bytes);
    }
    std::string_view bytes;
    if (!GetCounts(&in, rows, &out->offsets) || !in.GetBytes(in.remaining(), &bytes) ||
        bytes.size() != out->offsets.back()) {
      return Malformed(type);
    }
    out->blob.assign(bytes);
    return Status::OK();
  }
  if (type == ColumnType::kBlob) {
    if (kind != kAllNull) return Malformed(type);
    out->presence.assign((rows + 63) / 64, 0);
    out->offsets.assign(rows + 1, 0);
    return Status::OK();
  }
  if (kind == kMulti) {
    ByteReader in(encoded);
    uint8_t head;
    in.GetU8(&head);
    std::vector<uint32_t> offsets;
    std::string_view values;
    if (!GetCounts(&in, rows, &offsets) || !in.GetBytes(in.remaining(), &values)) return Malformed(type);
    Status s = DecodeSingle(type, offsets.back(), values, out);
    if (!s.ok() || !out->presence.empty()) return Malformed(type);
    out->rows = rows;
    out->offsets = std::move(offsets);
    out->presence.assign((rows + 63) / 64, 0);
    for (uint32_t i = 0; i < rows; ++i) {
      if (out->offsets[i + 1] > out->offsets[i]) out->presence[i >> 6] |= uint64_t{1} << (i & 63);
    }
    return Status::OK();
  }
  return DecodeSingle(type, rows, encoded, out);
}

namespace {

// The IPv4 address in an IPv4-mapped 16-byte one (::ffff:a.b.c.d): false
// when `a` is not of that form.
bool MappedV4(const uint8_t* a, uint64_t* v4) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kMapped, 12) != 0) return false;
  *v4 = (uint64_t{a[12]} << 24) | (uint64_t{a[13]} << 16) | (uint64_t{a[14]} << 8) | a[15];
  return true;
}

// Sets bits[w] from bytes m[64 w .. 64 w + 63], each 0 or 1: the multiply
// gathers the low bits of eight bytes into the top byte, first byte lowest.
void PackMatches(const uint8_t* m, uint32_t words, uint64_t* bits) {
  for (uint32_t w = 0; w < words; ++w) {
    uint64_t word = 0;
    for (int k = 0; k < 8; ++k) {
      uint64_t x;
      std::memcpy(&x, m + static_cast<size_t>(w) * 64 + static_cast<size_t>(k) * 8, 8);
      word |= ((x * 0x0102040810204080ull) >> 56) << (8 * k);
    }
    bits[w] = word;
  }
}

// Every row present: all bits of the first `rows` set.
void SetAll(uint32_t rows, uint64_t* bits) {
  const uint32_t words = (rows + 63) / 64;
  std::fill(bits, bits + words, ~uint64_t{0});
  if (rows % 64 != 0) bits[words - 1] = (uint64_t{1} << (rows % 64)) - 1;
}

// m[i] |= (row i's value - lo <= span), for values `width` bytes wide read
// from little-endian byte planes (or, for addresses, big-endian ones).
template <typename D, int kWidth, bool kBigEndian>
void MatchPlanes(const uint8_t* planes, uint32_t rows, D lo, D span, bool first, uint8_t* m) {
  for (uint32_t i = 0; i < rows; ++i) {
    D d = 0;
    for (int b = 0; b < kWidth; ++b) {
      const D byte = planes[static_cast<size_t>(b) * rows + i];
      d |= kBigEndian ? static_cast<D>(byte << (8 * (kWidth - 1 - b))) : static_cast<D>(byte << (8 * b));
    }
    const uint8_t hit = static_cast<D>(d - lo) <= span ? 1 : 0;
    m[i] = first ? hit : static_cast<uint8_t>(m[i] | hit);
  }
}

template <int kWidth>
void MatchPlanesOfWidth(const uint8_t* planes, uint32_t rows, uint64_t lo, uint64_t span, bool first, uint8_t* m) {
  using D = std::conditional_t<
      kWidth == 1, uint8_t,
      std::conditional_t<kWidth == 2, uint16_t, std::conditional_t<(kWidth <= 4), uint32_t, uint64_t>>>;
  MatchPlanes<D, kWidth, false>(planes, rows, static_cast<D>(lo), static_cast<D>(span), first, m);
}

void MatchLittleEndianPlanes(const uint8_t* planes, uint32_t rows, int width, uint64_t lo, uint64_t span, bool first,
                             uint8_t* m) {
  switch (width) {
    case 1: return MatchPlanesOfWidth<1>(planes, rows, lo, span, first, m);
    case 2: return MatchPlanesOfWidth<2>(planes, rows, lo, span, first, m);
    case 3: return MatchPlanesOfWidth<3>(planes, rows, lo, span, first, m);
    case 4: return MatchPlanesOfWidth<4>(planes, rows, lo, span, first, m);
    case 5: return MatchPlanesOfWidth<5>(planes, rows, lo, span, first, m);
    case 6: return MatchPlanesOfWidth<6>(planes, rows, lo, span, first, m);
    case 7: return MatchPlanesOfWidth<7>(planes, rows, lo, span, first, m);
    default: return MatchPlanesOfWidth<8>(planes, rows, lo, span, first, m);
  }
}

// The same for big-endian planes, the first `width` (1-4) of an address.
void MatchBigEndianPlanes(const uint8_t* planes, uint32_t rows, int width, uint32_t lo, uint32_t span, bool first,
                          uint8_t* m) {
  switch (width) {
    case 1:
      return MatchPlanes<uint8_t, 1, true>(planes, rows, static_cast<uint8_t>(lo), static_cast<uint8_t>(span), first,
                                           m);
    case 2:
      return MatchPlanes<uint16_t, 2, true>(planes, rows, static_cast<uint16_t>(lo), static_cast<uint16_t>(span), first,
                                            m);
    case 3: return MatchPlanes<uint32_t, 3, true>(planes, rows, lo, span, first, m);
    default: return MatchPlanes<uint32_t, 4, true>(planes, rows, lo, span, first, m);
  }
}

bool InRanges(const ValueFilter& f, uint64_t v) {
  for (const auto& [lo, hi] : f.ranges) {
    if (v >= lo && v <= hi) return true;
  }
  return false;
}

}  // namespace

Status FilterColumnBlock(ColumnType type, uint32_t rows, BlockBytes* bytes, const ValueFilter& filter, uint64_t* bits) {
  const uint32_t words = (rows + 63) / 64;
  if (rows > kRowsPerBlock || bytes->size() == 0) return Malformed(type);
  if (!filter.any_value && (filter.ranges.empty() || filter.ranges.size() > kMaxFilterRanges)) {
    return Status::Unsupported("no ranges to test");
  }
  const size_t bitmap_bytes = (static_cast<size_t>(rows) + 7) / 8;
  // The head, the presence bitmap and the longest header after it (three
  // varints and a byte).
  Status s = bytes->Reach(1 + bitmap_bytes + 32);
  if (!s.ok()) return s;
  ByteReader in(bytes->data());
  uint8_t head;
  in.GetU8(&head);
  const uint8_t kind = head >> 1;
  if (kind == kMulti || kind == kBlob) return Status::Unsupported("multi-valued block");
  if (kind == kAllNull) {
    std::fill(bits, bits + words, 0);
    return Status::OK();
  }
  thread_local std::string presence;
  presence.clear();
  if (head & kHasPresence) {
    std::string_view p;
    if (!in.GetBytes(bitmap_bytes, &p)) return Malformed(type);
    presence.assign(p);
  }
  // The rows holding a value; the test then narrows them.
  auto apply_presence = [&] {
    if (presence.empty()) return;
    for (uint32_t w = 0; w < words; ++w) {
      uint64_t p = 0;
      std::memcpy(&p, presence.data() + static_cast<size_t>(w) * 8, std::min<size_t>(8, bitmap_bytes - w * 8));
      bits[w] &= p;
    }
  };
  if (filter.any_value) {
    SetAll(rows, bits);
    apply_presence();
    return Status::OK();
  }
  // Makes bytes [at, at + n) of the block available as a view.
  auto take = [&](size_t at, size_t n, std::string_view* out) -> Status {
    if (at + n > bytes->size()) return Malformed(type);
    Status r = bytes->Reach(at + n);
    if (!r.ok()) return r;
    *out = bytes->data().substr(at, n);
    return Status::OK();
  };
  thread_local std::vector<uint8_t> matches;
  matches.assign(static_cast<size_t>(words) * 64, 0);  // whole words: PackMatches reads past `rows`
  if (type == ColumnType::kIp) {
    const bool dictionary = kind == kIpv4Dictionary || kind == kIpv4DictionaryAndSomeV6;
    const bool some_v6 = kind == kIpv4AndSomeV6 || kind == kIpv4DictionaryAndSomeV6;
    if (kind != kIpv4 && !dictionary && kind != kIpv4AndSomeV6) return Status::Unsupported("block of IPv6 addresses");
    if (some_v6 && filter.beyond_ipv4) return Status::Unsupported("block of IPv6 addresses");
    // Kinds 8 and 11: the IPv6 rows' bitmap and addresses come before the
    // IPv4 rows' planes or dictionary.
    const size_t v6_at = in.position();
    size_t v6_count = 0;
    if (some_v6) {
      std::string_view v6_bits;
      if (!(s = take(v6_at, bitmap_bytes, &v6_bits)).ok()) return s;
      for (size_t i = 0; i < bitmap_bytes; ++i) v6_count += std::popcount(static_cast<uint8_t>(v6_bits[i]));
    }
    const size_t at = some_v6 ? v6_at + bitmap_bytes + v6_count * 16 : v6_at;
    if (dictionary) {
      // The test on each distinct address; rows read their code's answer.
      // When every address passes, or none does, the codes are not read.
      std::string_view head_bytes;
      if (!(s = take(at, std::min<size_t>(10, bytes->size() - std::min(at, bytes->size())), &head_bytes)).ok())
        return s;
      ByteReader count(head_bytes);
      uint64_t n = 0;
      if (!count.GetVarint(&n) || n == 0 || n > rows || n > 65536) return Malformed(type);
      std::string_view dict_bytes;
      if (!(s = take(at, count.position() + n * 4 + 1, &dict_bytes)).ok()) return s;
      ByteReader dict(dict_bytes);
      Ipv4Dictionary d;
      if (!GetIpv4Dictionary(&dict, rows, &d)) return Malformed(type);
      const size_t codes_at = at + d.codes_at;
      if (bytes->size() != codes_at + static_cast<size_t>(rows) * d.width) return Malformed(type);
      thread_local std::vector<uint32_t> addresses;
      thread_local std::vector<uint8_t> passes;
      addresses.resize(d.n);
      // Only the first n entries are set: a larger code is corruption,
      // found below before any answer is used.
      passes.resize(65536);
      GetV4Planes(reinterpret_cast<const uint8_t*>(d.addresses.data()), static_cast<uint32_t>(d.n), addresses.data());
      size_t passing = 0;
      for (size_t k = 0; k < d.n; ++k) passing += passes[k] = InRanges(filter, addresses[k]) ? 1 : 0;
      if (passing == 0 || passing == d.n) {
        // (IPv6 rows, whose codes are 0, are settled below.)
        if (passing == 0) {
          std::fill(bits, bits + words, 0);
        } else {
          SetAll(rows, bits);
        }
      } else {
        std::string_view planes;
        if (!(s = take(codes_at, static_cast<size_t>(rows) * d.width, &planes)).ok()) return s;
        const auto* low = reinterpret_cast<const uint8_t*>(planes.data());
        uint8_t* m = matches.data();
        uint32_t top = 0;  // the largest code seen
        if (d.width == 1) {
          for (uint32_t i = 0; i < rows; ++i) top = std::max<uint32_t>(top, m[i] = low[i]);
          for (uint32_t i = 0; i < rows; ++i) m[i] = passes[m[i]];
        } else {
          const uint8_t* high = low + rows;
          for (uint32_t i = 0; i < rows; ++i) {
            const uint32_t code = low[i] | uint32_t{high[i]} << 8;
            top = std::max(top, code);
            m[i] = passes[code];
          }
        }
        if (top >= d.n) return Malformed(type);
        PackMatches(matches.data(), words, bits);
      }
    } else {
      if (bytes->size() != at + static_cast<size_t>(rows) * 4) return Malformed(type);
      // Only the leading planes a test needs: a range of whole /8s reads one.
      int planes_needed = 1;
      for (const auto& [lo, hi] : filter.ranges) {
        for (int k = planes_needed; k < 4; ++k) {
          const uint64_t low = (uint64_t{1} << (32 - 8 * k)) - 1;
          if ((lo & low) == 0 && (std::min<uint64_t>(hi, UINT32_MAX) & low) == low) break;
          planes_needed = k + 1;
        }
      }
      std::string_view planes;
      if (!(s = take(at, static_cast<size_t>(rows) * planes_needed, &planes)).ok()) return s;
      const auto* p = reinterpret_cast<const uint8_t*>(planes.data());
      const int shift = 32 - 8 * planes_needed;
      bool first = true;
      for (const auto& [lo, hi] : filter.ranges) {
        if (lo > UINT32_MAX || lo > hi) continue;
        const uint32_t a = static_cast<uint32_t>(lo >> shift);
        const uint32_t z = static_cast<uint32_t>(std::min<uint64_t>(hi, UINT32_MAX) >> shift);
        MatchBigEndianPlanes(p, rows, planes_needed, a, z - a, first, matches.data());
        first = false;
      }
      PackMatches(matches.data(), words, bits);
    }
    if (some_v6) {
      // IPv6 rows (whose planes hold zeros, whose codes are 0): only an
      // IPv4-mapped address (::ffff:a.b.c.d) can pass. (The views are taken
      // after the last Reach, which may move the bytes.)
      const auto* v6 = reinterpret_cast<const uint8_t*>(bytes->data().data() + v6_at);
      const uint8_t* address = v6 + bitmap_bytes;
      for (uint32_t w = 0; w < words; ++w) {
        uint64_t marked = 0;
        std::memcpy(&marked, v6 + static_cast<size_t>(w) * 8, std::min<size_t>(8, bitmap_bytes - w * 8));
        for (; marked != 0; marked &= marked - 1, address += 16) {
          const uint64_t bit = marked & (~marked + 1);
          uint64_t v4 = 0;
          bits[w] = MappedV4(address, &v4) && InRanges(filter, v4) ? bits[w] | bit : bits[w] & ~bit;
        }
      }
      if (rows % 64 != 0) bits[words - 1] &= (uint64_t{1} << (rows % 64)) - 1;  // damaged marks past the end
    }
    apply_presence();
    return Status::OK();
  }
  if (IsSigned(type) || type == ColumnType::kDouble) return Status::Unsupported("signed values");
  switch (kind) {
    case kConstant: {
      uint64_t v;
      if (!in.GetVarint(&v) || in.position() != bytes->size()) return Malformed(type);
      if (InRanges(filter, v)) {
        SetAll(rows, bits);
        apply_presence();
      } else {
        std::fill(bits, bits + words, 0);
      }
      return Status::OK();
    }
    case kFrameOfReference: {
      uint64_t base, divisor;
      uint8_t width;
      if (!in.GetVarint(&base) || !in.GetVarint(&divisor) || !in.GetU8(&width) || width < 1 || width > 8 ||
          divisor == 0 || bytes->size() != in.position() + static_cast<size_t>(rows) * width) {
        return Malformed(type);
      }
      std::string_view planes;
      if (!(s = take(in.position(), static_cast<size_t>(rows) * width, &planes)).ok()) return s;
      // value = base + d * divisor: the test on d instead.
      const uint64_t max_d = width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
      const auto* p = reinterpret_cast<const uint8_t*>(planes.data());
      bool first = true;
      for (const auto& [lo, hi] : filter.ranges) {
        if (hi < base || lo > hi) continue;
        const uint64_t d_lo = lo <= base ? 0 : (lo - base - 1) / divisor + 1;
        const uint64_t d_hi = std::min((hi - base) / divisor, max_d);
        if (d_lo > d_hi) continue;
        MatchLittleEndianPlanes(p, rows, width, d_lo, d_hi - d_lo, first, matches.data());
        first = false;
      }
      PackMatches(matches.data(), words, bits);
      apply_presence();
      return Status::OK();
    }
    default: return Status::Unsupported("delta-coded block");
  }
}

Status GatherColumnBlock(ColumnType type, uint32_t rows, std::string_view encoded, const uint32_t* sel, size_t n,
                         ColumnBlock* out) {
  if (type == ColumnType::kIp || type == ColumnType::kBlob) return Status::Unsupported("not an integer-like block");
  ByteReader in(encoded);
  uint8_t head;
  if (!in.GetU8(&head)) return Malformed(type);
  const uint8_t kind = head >> 1;
  if (kind == kMulti) return Status::Unsupported("a multi-valued block");
  out->type = type;
  out->rows = rows;
  out->offsets.clear();
  out->v4.clear();
  out->v6.clear();
  out->v6_rank.clear();
  out->ips.clear();
  out->values.resize(rows);  // unset: only the rows of `sel` are written
  // Presence: the selected rows that have a value (the block's own bitmap
  // when it has one).
  std::string_view bits;
  const size_t bitmap_bytes = (static_cast<size_t>(rows) + 7) / 8;
  if (kind != kAllNull && (head & kHasPresence) != 0 && !in.GetBytes(bitmap_bytes, &bits)) return Malformed(type);
  const auto* stored = reinterpret_cast<const uint8_t*>(bits.data());
  auto has_value = [&](uint32_t i) { return bits.empty() || (stored[i >> 3] >> (i & 7) & 1) != 0; };
  out->presence.assign((rows + 63) / 64, 0);
  for (size_t k = 0; k < n; ++k) {
    if (sel[k] >= rows) return Status::InvalidArgument("a selected row past the block");
    if (kind != kAllNull && has_value(sel[k])) out->presence[sel[k] >> 6] |= uint64_t{1} << (sel[k] & 63);
  }
  uint64_t* v = out->values.data();
  switch (kind) {
    case kAllNull:
      for (size_t k = 0; k < n; ++k) v[sel[k]] = 0;
      return in.remaining() == 0 ? Status::OK() : Malformed(type);
    case kConstant: {
      uint64_t c;
      if (!in.GetVarint(&c) || in.remaining() != 0) return Malformed(type);
      for (size_t k = 0; k < n; ++k) v[sel[k]] = out->present(sel[k]) ? c : 0;
      break;
    }
    case kFrameOfReference:
    case kDelta:
    case kSignedDelta: {
      uint64_t base, divisor;
      uint8_t width;
      const bool steps = kind != kFrameOfReference;
      const size_t count = steps ? (rows == 0 ? 0 : rows - 1) : rows;
      std::string_view planes;
      if ((steps && rows == 0) || !in.GetVarint(&base) || !in.GetVarint(&divisor) || !in.GetU8(&width) || width < 1 ||
          width > 8 || divisor == 0 || !in.GetBytes(count * width, &planes) || in.remaining() != 0) {
        return Malformed(type);
      }
      const auto* src = reinterpret_cast<const uint8_t*>(planes.data());
      // Entry i of the planes (little-endian across them).
      auto entry = [&](size_t i) {
        uint64_t x = 0;
        for (int b = width - 1; b >= 0; --b) x = (x << 8) | src[static_cast<size_t>(b) * count + i];
        return x;
      };
      if (kind == kFrameOfReference) {
        for (size_t k = 0; k < n; ++k) v[sel[k]] = out->present(sel[k]) ? base + entry(sel[k]) * divisor : 0;
      } else {
        // Running sums up to the last selected row (as DecodeColumnBlock,
        // whatever the presence bits say).
        uint64_t x = base;
        uint32_t i = 0;
        for (size_t k = 0; k < n; ++k) {
          if (kind == kDelta) {
            for (; i < sel[k]; ++i) x += entry(i) * divisor;
          } else {
            for (; i < sel[k]; ++i) x += UnZigZag(entry(i)) * divisor;
          }
          v[sel[k]] = x;
        }
      }
      break;
    }
    default: return Malformed(type);
  }
  if (type != ColumnType::kDouble && type != ColumnType::kInt64 && type != ColumnType::kTimestamp) {
    const uint64_t max = MaxValue(type);
    for (size_t k = 0; k < n; ++k) {
      if (v[sel[k]] > max) return Malformed(type);
    }
  }
  return Status::OK();
}

bool FilterPasses(const ValueFilter& filter, const ColumnBlock& block, size_t row) {
  if (!block.present(row)) return false;
  if (filter.any_value) return true;
  if (block.type != ColumnType::kIp) return InRanges(filter, block.values[row]);
  const std::array<uint8_t, 16> key = IpSortKey(block.ip(row));
  uint64_t v4 = 0;
  return MappedV4(key.data(), &v4) && InRanges(filter, v4);
}

Status FilterColumnBlock(ColumnType type, uint32_t rows, std::string_view encoded, const ValueFilter& filter,
                         uint64_t* bits) {
  WholeBlockBytes whole(encoded);
  return FilterColumnBlock(type, rows, &whole, filter, bits);
}

}  // namespace flowdex
