#include "store/column_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>

namespace flowdex {
namespace {

PresenceBits Presence(uint32_t rows, const std::vector<bool>& present) {
  PresenceBits bits((rows + 63) / 64, 0);
  for (uint32_t i = 0; i < rows; ++i) {
    if (present[i]) bits[i >> 6] |= uint64_t{1} << (i & 63);
  }
  return bits;
}

// Encodes, decodes, and checks every row comes back.
ColumnBlock RoundTrip(ColumnType type, const std::vector<uint64_t>& values, const std::vector<bool>& present,
                      BlockStats* stats = nullptr, size_t* encoded_size = nullptr) {
  const uint32_t rows = static_cast<uint32_t>(values.size());
  const PresenceBits bits = Presence(rows, present);
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(type, rows, bits, values.data(), nullptr, &enc, &st);
  if (stats) *stats = st;
  if (encoded_size) *encoded_size = enc.size();
  ColumnBlock out;
  Status s = DecodeColumnBlock(type, rows, enc, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.rows, rows);
  for (uint32_t i = 0; i < rows; ++i) {
    EXPECT_EQ(out.present(i), static_cast<bool>(present[i])) << i;
    if (present[i]) {
      EXPECT_EQ(out.values[i], values[i]) << "row " << i;
    }
  }
  return out;
}

TEST(ColumnCodec, ConstantColumnIsTiny) {
  std::vector<uint64_t> v(65536, 443);
  size_t size = 0;
  BlockStats st;
  RoundTrip(ColumnType::kUInt16, v, std::vector<bool>(v.size(), true), &st, &size);
  EXPECT_LT(size, 8u);
  EXPECT_EQ(st.min, 443u);
  EXPECT_EQ(st.max, 443u);
  EXPECT_EQ(st.nulls, 0u);
}

TEST(ColumnCodec, FrameOfReferenceUsesNarrowWidths) {
  std::mt19937_64 rng(1);
  std::vector<uint64_t> v(10000);
  for (auto& x : v) x = 1000000 + rng() % 200;  // fits one byte above the base
  size_t size = 0;
  BlockStats st;
  RoundTrip(ColumnType::kUInt64, v, std::vector<bool>(v.size(), true), &st, &size);
  EXPECT_LT(size, v.size() + 32);
  EXPECT_GE(st.min, 1000000u);
  EXPECT_LT(st.max, 1000200u);
}

TEST(ColumnCodec, WholeSecondTimestampsAndNegativeValues) {
  std::vector<uint64_t> v;
  for (int64_t t : {1700000000000LL, 1700000060000LL, 1699999990000LL, -5000LL, 0LL})
    v.push_back(static_cast<uint64_t>(t));
  BlockStats st;
  RoundTrip(ColumnType::kTimestamp, v, std::vector<bool>(v.size(), true), &st);
  EXPECT_EQ(static_cast<int64_t>(st.min), -5000);
  EXPECT_EQ(static_cast<int64_t>(st.max), 1700000060000LL);
  // Milliseconds that are not whole seconds survive too.
  RoundTrip(ColumnType::kTimestamp, {1700000000123, 1700000000999, 1700000000001}, {true, true, true});
}

TEST(ColumnCodec, IncreasingColumnsUseDeltas) {
  std::vector<uint64_t> offsets(65536);
  uint64_t pos = 5000000000ULL;
  for (auto& o : offsets) o = (pos += 90 + pos % 37);
  size_t size = 0;
  RoundTrip(ColumnType::kUInt64, offsets, std::vector<bool>(offsets.size(), true), nullptr, &size);
  EXPECT_LT(size, offsets.size() + 64) << "one byte per row before compression";
}

// The kind byte of an encoded block (docs/format.md).
int KindOf(const std::string& enc) { return static_cast<uint8_t>(enc[0]) >> 1; }

TEST(ColumnCodec, ValuesThatStepUpAndDownUseSignedSteps) {
  // Line offsets of consecutive files: each file starts again at 0.
  std::vector<uint64_t> offsets(65536);
  uint64_t pos = 0;
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (i % 10000 == 0) pos = 0;
    offsets[i] = pos;
    pos += 90 + (i * 7919) % 37;
  }
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kUInt64, 65536, {}, offsets.data(), nullptr, &enc, &st);
  EXPECT_EQ(KindOf(enc), 9);
  std::vector<uint64_t> bits(1024);
  EXPECT_EQ(FilterColumnBlock(ColumnType::kUInt64, 65536, enc, ValueFilter{{{0, 100}}, false}, bits.data()).code(),
            Status::Code::kUnsupported)
      << "steps are decoded, not tested in place";
  RoundTrip(ColumnType::kUInt64, offsets, std::vector<bool>(offsets.size(), true));
  // Whole-second times in the order a file lists them: a window moving on,
  // each row up to five minutes either way of the last.
  std::mt19937_64 rng(3);
  std::vector<uint64_t> times(65536);
  int64_t t = 1'790'000'000'000;
  for (size_t i = 0; i < times.size(); ++i) {
    times[i] = static_cast<uint64_t>(t + static_cast<int64_t>(rng() % 600) * 1000 - 300'000);
    if (i % 100 == 0) t += 30'000;
  }
  enc.clear();
  EncodeColumnBlock(ColumnType::kTimestamp, 65536, {}, times.data(), nullptr, &enc, &st);
  EXPECT_EQ(KindOf(enc), 9);
  EXPECT_LT(enc.size(), 2 * times.size() + 64) << "steps of seconds, two bytes a row";
  RoundTrip(ColumnType::kTimestamp, times, std::vector<bool>(times.size(), true), &st);
  EXPECT_EQ(st.min, *std::min_element(times.begin(), times.end()));
  EXPECT_EQ(st.max, *std::max_element(times.begin(), times.end()));
  // Random values keep the frame of reference, which filters test in place.
  std::vector<uint64_t> ports(65536);
  for (auto& p : ports) p = rng() % 65536;
  enc.clear();
  EncodeColumnBlock(ColumnType::kUInt16, 65536, {}, ports.data(), nullptr, &enc, &st);
  EXPECT_EQ(KindOf(enc), 2);
  // Steps across the whole int64 range still come back exactly.
  RoundTrip(ColumnType::kInt64,
            {static_cast<uint64_t>(INT64_MIN), static_cast<uint64_t>(INT64_MAX), 0, 1, 2, 3, 4, 5, 6, 7},
            std::vector<bool>(10, true));
  RoundTrip(ColumnType::kTimestamp,
            {static_cast<uint64_t>(int64_t{-4'000'000'000'000'000'000}), 0, 1000, 2000, 3000, 4000, 5000, 6000,
             static_cast<uint64_t>(int64_t{4'000'000'000'000'000'000})},
            std::vector<bool>(9, true));
}

TEST(ColumnCodec, NullsAndAllNull) {
  std::vector<uint64_t> v = {1, 0, 3, 0, 5, 9};
  std::vector<bool> p = {true, false, true, false, true, true};
  BlockStats st;
  RoundTrip(ColumnType::kUInt32, v, p, &st);
  EXPECT_EQ(st.nulls, 2u);
  EXPECT_EQ(st.min, 1u);
  EXPECT_EQ(st.max, 9u);
  RoundTrip(ColumnType::kKeyword, {0, 0, 0}, {false, false, false}, &st);
  EXPECT_FALSE(st.has_values());
}

TEST(ColumnCodec, Ips) {
  std::vector<IpAddress> ips(300);
  for (size_t i = 0; i < ips.size(); ++i) ips[i] = IpAddress::FromV4(0x0A000000u + static_cast<uint32_t>(i * 7));
  std::string enc;
  BlockStats st;
  PresenceBits all;
  EncodeColumnBlock(ColumnType::kIp, 300, all, nullptr, ips.data(), &enc, &st);
  ColumnBlock out;
  ASSERT_TRUE(DecodeColumnBlock(ColumnType::kIp, 300, enc, &out).ok());
  EXPECT_EQ(out.v4.size(), ips.size()) << "IPv4-only blocks decode to 32-bit integers";
  for (size_t i = 0; i < ips.size(); ++i) EXPECT_EQ(out.ip(i), ips[i]);
  EXPECT_EQ(st.min_ip, IpSortKey(ips[0]));
  EXPECT_EQ(st.max_ip, IpSortKey(ips[299]));
  // Mixed families, with absent rows.
  ParseIpAddress("2001:db8::1", &ips[5]);
  ParseIpAddress("::ffff:1.2.3.4", &ips[6]);  // a v6 address, not the v4 one
  std::vector<bool> present(300, true);
  present[7] = false;
  const PresenceBits bits = Presence(300, present);
  enc.clear();
  EncodeColumnBlock(ColumnType::kIp, 300, bits, nullptr, ips.data(), &enc, &st);
  ASSERT_TRUE(DecodeColumnBlock(ColumnType::kIp, 300, enc, &out).ok());
  for (size_t i = 0; i < ips.size(); ++i) {
    if (i == 7) {
      EXPECT_FALSE(out.present(i));
      continue;
    }
    EXPECT_EQ(out.ip(i), ips[i]) << i;
  }
  EXPECT_TRUE(out.ip(6).is_v6());
  EXPECT_EQ(st.nulls, 1u);
}

// A full block with IPv6 addresses scattered over many 64-row words (kept
// sparsely: only the IPv6 entries, found by rank) and absent rows between.
TEST(ColumnCodec, SparseIpv6InAFullBlock) {
  const uint32_t rows = kRowsPerBlock;
  std::mt19937_64 rng(17);
  std::vector<IpAddress> ips(rows);
  std::vector<bool> present(rows, true);
  size_t v6 = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    const uint64_t r = rng();
    if (r % 97 == 0 || i == 63 || i == 64 || i == rows - 1) {
      IpAddress a;
      a.family = IpAddress::Family::kV6;
      for (int b = 0; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng());
      a.bytes[0] = 0x20;
      ips[i] = a;
      ++v6;
    } else {
      ips[i] = IpAddress::FromV4(static_cast<uint32_t>(r >> 7));
    }
    if (r % 31 == 0 && i != 63) present[i] = false;
  }
  const PresenceBits bits = Presence(rows, present);
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kIp, rows, bits, nullptr, ips.data(), &enc, &st);
  ColumnBlock out;
  ASSERT_TRUE(DecodeColumnBlock(ColumnType::kIp, rows, enc, &out).ok());
  EXPECT_LE(out.ips.size(), v6) << "only the IPv6 entries are kept whole";
  EXPECT_GT(out.ips.size(), 500u);
  for (uint32_t i = 0; i < rows; ++i) {
    ASSERT_EQ(out.present(i), static_cast<bool>(present[i])) << i;
    if (!present[i]) continue;
    ASSERT_EQ(out.is_v6(i), ips[i].is_v6()) << i;
    ASSERT_EQ(out.ip(i), ips[i]) << i;
  }
}

// Every type whose blocks hold integers (or doubles' bits).
constexpr ColumnType kIntegerLikeTypes[] = {ColumnType::kUInt8,   ColumnType::kUInt16, ColumnType::kUInt32,
                                            ColumnType::kUInt64,  ColumnType::kInt64,  ColumnType::kTimestamp,
                                            ColumnType::kKeyword, ColumnType::kBool,   ColumnType::kDouble};

TEST(ColumnCodec, RandomRoundTrips) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    const ColumnType t = kIntegerLikeTypes[rng() % std::size(kIntegerLikeTypes)];
    const uint32_t rows = 1 + static_cast<uint32_t>(rng() % 3000);
    std::vector<uint64_t> v(rows);
    std::vector<bool> p(rows);
    const uint64_t max = MaxValue(t);
    const bool sorted = rng() % 4 == 0;
    const bool walk = !sorted && rng() % 3 == 0;  // small steps up and down
    for (uint32_t i = 0; i < rows; ++i) {
      v[i] = sorted ? i * (rng() % 1000) : walk ? (i == 0 ? rng() : v[i - 1] + rng() % 201 - 100) : rng();
      if (max != UINT64_MAX && !walk) v[i] %= max + 1;
      p[i] = walk || rng() % 10 != 0;
    }
    if (walk && max != UINT64_MAX) {
      for (auto& x : v) x %= max + 1;
    }
    if (sorted) std::sort(v.begin(), v.end());
    RoundTrip(t, v, p);
  }
}

TEST(ColumnCodec, MalformedInputIsCorruptionNotACrash) {
  std::vector<uint64_t> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i * i;
  std::string enc;
  BlockStats st;
  PresenceBits all;
  EncodeColumnBlock(ColumnType::kUInt64, 1000, all, v.data(), nullptr, &enc, &st);
  ColumnBlock out;
  EXPECT_TRUE(DecodeColumnBlock(ColumnType::kUInt64, 1000, enc.substr(0, enc.size() / 2), &out).IsCorruption());
  EXPECT_TRUE(DecodeColumnBlock(ColumnType::kUInt64, 1000, enc + "x", &out).IsCorruption());
  EXPECT_TRUE(DecodeColumnBlock(ColumnType::kUInt64, 1000, "", &out).IsCorruption());
  EXPECT_TRUE(DecodeColumnBlock(ColumnType::kUInt64, 999, enc, &out).IsCorruption());
  std::string bad = enc;
  bad[0] = static_cast<char>(0x7e);  // unknown kind
  EXPECT_TRUE(DecodeColumnBlock(ColumnType::kUInt64, 1000, bad, &out).IsCorruption());
  // A value wider than the column type.
  std::vector<uint64_t> wide = {1, 70000};
  enc.clear();
  EncodeColumnBlock(ColumnType::kUInt64, 2, all, wide.data(), nullptr, &enc, &st);
  EXPECT_TRUE(DecodeColumnBlock(ColumnType::kUInt16, 2, enc, &out).IsCorruption());
}

// Filters `enc` and compares with the decoded block; false when the filter
// declined (Unsupported).
bool FilterAgrees(ColumnType type, uint32_t rows, const std::string& enc, const ValueFilter& f) {
  ColumnBlock decoded;
  EXPECT_TRUE(DecodeColumnBlock(type, rows, enc, &decoded).ok());
  std::vector<uint64_t> bits((rows + 63) / 64, 0xdeadbeefdeadbeefull);
  Status s = FilterColumnBlock(type, rows, enc, f, bits.data());
  if (s.code() == Status::Code::kUnsupported) return false;
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (uint32_t i = 0; i < rows; ++i) {
    const bool got = (bits[i >> 6] >> (i & 63)) & 1;
    if (got != FilterPasses(f, decoded, i)) {
      ADD_FAILURE() << ColumnTypeName(type) << " row " << i << ": filter says " << got;
      return true;
    }
  }
  if (rows % 64 != 0) {
    EXPECT_EQ(bits.back() >> (rows % 64), 0u) << "bits past the last row";
  }
  return true;
}

ValueFilter RandomRanges(std::mt19937_64& rng, uint64_t max) {
  ValueFilter f;
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < n; ++k) {
    uint64_t a = rng() % 4 == 0 ? rng() : rng() % 300;
    uint64_t z = a + (rng() % 3 == 0 ? 0 : rng() % 200);
    if (max != UINT64_MAX) a %= max + 1, z = std::min(z, max);
    if (z < a) std::swap(a, z);
    f.ranges.emplace_back(a, z);
  }
  return f;
}

TEST(ColumnFilter, AgreesWithDecodedIntegerBlocks) {
  std::mt19937_64 rng(11);
  const ColumnType types[] = {ColumnType::kUInt8,  ColumnType::kUInt16,  ColumnType::kUInt32,
                              ColumnType::kUInt64, ColumnType::kKeyword, ColumnType::kBool};
  int filtered = 0;
  for (int iter = 0; iter < 400; ++iter) {
    const ColumnType t = types[rng() % std::size(types)];
    const uint32_t rows = 1 + static_cast<uint32_t>(rng() % (iter % 10 == 0 ? kRowsPerBlock : 3000));
    const uint64_t max = MaxValue(t);
    // Narrow and wide values, whole-block constants, and steps (divisor).
    const uint64_t spread = uint64_t{1} << (rng() % 40);
    const uint64_t base = rng() % 1000, step = rng() % 3 == 0 ? 1000 : 1;
    const bool constant = rng() % 8 == 0;
    std::vector<uint64_t> v(rows);
    std::vector<bool> p(rows);
    const int absent_every = static_cast<int>(rng() % 4);  // 0: none absent
    for (uint32_t i = 0; i < rows; ++i) {
      v[i] = constant ? base : base + (rng() % spread) * step;
      if (max != UINT64_MAX) v[i] %= max + 1;
      p[i] = absent_every == 0 || rng() % (absent_every + 2) != 0;
    }
    std::string enc;
    BlockStats st;
    EncodeColumnBlock(t, rows, Presence(rows, p), v.data(), nullptr, &enc, &st);
    ValueFilter f = rng() % 10 == 0 ? ValueFilter{{}, true} : RandomRanges(rng, max);
    if (rng() % 2 == 0) {  // bounds at and just beside values present
      const uint64_t a = v[rng() % rows], z = v[rng() % rows];
      const int nudge = static_cast<int>(rng() % 3);
      f.ranges.emplace_back(nudge == 1 ? a + 1 : a, nudge == 2 && z > 0 ? z - 1 : z);
    }
    if (!f.ranges.empty() && f.ranges.back().first > f.ranges.back().second) {
      std::swap(f.ranges.back().first, f.ranges.back().second);
    }
    filtered += FilterAgrees(t, rows, enc, f) ? 1 : 0;
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(filtered, 350) << "unsigned blocks are filtered without decoding";
}

TEST(ColumnFilter, DeclinesWhatItCannotTest) {
  std::vector<uint64_t> sorted(1000), mixed(1000);
  for (size_t i = 0; i < sorted.size(); ++i) sorted[i] = i * 3, mixed[i] = (i * 7919) % 1000;
  std::string enc;
  BlockStats st;
  PresenceBits all;
  ValueFilter f{{{10, 20}}, false};
  uint64_t bits[16];
  EncodeColumnBlock(ColumnType::kUInt32, 1000, all, sorted.data(), nullptr, &enc, &st);  // deltas
  EXPECT_EQ(FilterColumnBlock(ColumnType::kUInt32, 1000, enc, f, bits).code(), Status::Code::kUnsupported);
  enc.clear();
  EncodeColumnBlock(ColumnType::kInt64, 1000, all, mixed.data(), nullptr, &enc, &st);  // signed
  EXPECT_EQ(FilterColumnBlock(ColumnType::kInt64, 1000, enc, f, bits).code(), Status::Code::kUnsupported);
  enc.clear();
  EncodeColumnBlock(ColumnType::kUInt32, 1000, all, mixed.data(), nullptr, &enc, &st);
  ValueFilter many;
  for (uint64_t k = 0; k <= kMaxFilterRanges; ++k) many.ranges.emplace_back(k * 10, k * 10);
  EXPECT_EQ(FilterColumnBlock(ColumnType::kUInt32, 1000, enc, many, bits).code(), Status::Code::kUnsupported);
  // Presence alone never needs the values.
  EXPECT_TRUE(FilterColumnBlock(ColumnType::kUInt32, 1000, enc, ValueFilter{{}, true}, bits).ok());
}

// Random address blocks: IPv4 only, IPv4 with a few IPv6 (some of them
// IPv4-mapped), mostly IPv6, with absent rows; ranges of whole /8s, /16s,
// odd prefixes and single addresses.
TEST(ColumnFilter, AgreesWithDecodedAddressBlocks) {
  std::mt19937_64 rng(23);
  int filtered = 0;
  for (int iter = 0; iter < 200; ++iter) {
    const uint32_t rows = 1 + static_cast<uint32_t>(rng() % (iter % 10 == 0 ? kRowsPerBlock : 2000));
    const int v6_percent = iter % 3 == 0 ? 0 : iter % 3 == 1 ? 2 : 80;
    std::vector<IpAddress> ips(rows);
    std::vector<bool> present(rows);
    for (uint32_t i = 0; i < rows; ++i) {
      present[i] = rng() % 10 != 0;
      if (static_cast<int>(rng() % 100) < v6_percent) {
        IpAddress a;
        a.family = IpAddress::Family::kV6;
        for (int b = 0; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng());
        if (rng() % 4 == 0) {  // ::ffff:10.x.y.z
          std::memset(a.bytes.data(), 0, 10);
          a.bytes[10] = a.bytes[11] = 0xff;
          a.bytes[12] = 10;
        }
        ips[i] = a;
      } else {
        // Every fourth block has few hosts (kind 10 when all IPv4).
        const uint32_t nets[] = {0x0A000000u, 0xAC100000u, 0xC0A80000u, 0x34000000u};
        const uint32_t hosts = iter % 4 == 3 ? 1 + rows / 20 : 0x100000;
        ips[i] = IpAddress::FromV4(nets[rng() % 4] + static_cast<uint32_t>(rng() % hosts));
      }
    }
    std::string enc;
    BlockStats st;
    EncodeColumnBlock(ColumnType::kIp, rows, Presence(rows, present), nullptr, ips.data(), &enc, &st);
    ValueFilter f;
    switch (rng() % 6) {
      case 0: f.ranges = {{0x0A000000u, 0x0AFFFFFFu}}; break;                              // 10/8
      case 1: f.ranges = {{0xAC100000u, 0xAC1FFFFFu}}; break;                              // 172.16/12
      case 2: f.ranges = {{0xC0A80000u, 0xC0A8FFFFu}, {0x0A000000u, 0x0A00FFFFu}}; break;  // two /16s
      case 3: f.ranges = {{ips[0].is_v4() ? ips[0].v4() : 5u, ips[0].is_v4() ? ips[0].v4() : 5u}}; break;
      case 4: f.ranges = {{0, UINT32_MAX}}; break;
      default: f.any_value = true; break;
    }
    const bool done = FilterAgrees(ColumnType::kIp, rows, enc, f);
    if (::testing::Test::HasFailure()) return;
    if (v6_percent <= 2) {
      EXPECT_TRUE(done) << "IPv4 blocks, with a few IPv6 rows or none, are filtered";
    }
    filtered += done ? 1 : 0;
  }
  EXPECT_GT(filtered, 130);
}

TEST(ColumnCodec, FewDistinctIpv4AddressesAreADictionary) {
  std::mt19937_64 rng(5);
  for (uint32_t hosts : {1u, 200u, 3000u, 201u}) {
    const bool some_v6 = hosts == 201;  // then kind 11: the IPv6 rows apart, as kind 8
    const uint32_t rows = kRowsPerBlock;
    std::vector<IpAddress> ips(rows);
    std::vector<bool> present(rows);
    std::vector<uint32_t> pool(hosts);
    for (auto& a : pool)
      a = rng() % 2 ? 0x0A000000u + static_cast<uint32_t>(rng() % 65536) : static_cast<uint32_t>(rng());
    for (uint32_t i = 0; i < rows; ++i) {
      ips[i] = IpAddress::FromV4(pool[rng() % hosts]);
      present[i] = rng() % 7 != 0;
      if (some_v6 && i % 500 == 0) ParseIpAddress(i % 1000 == 0 ? "2001:db8::9" : "::ffff:10.0.0.7", &ips[i]);
    }
    std::string enc;
    BlockStats st;
    EncodeColumnBlock(ColumnType::kIp, rows, Presence(rows, present), nullptr, ips.data(), &enc, &st);
    EXPECT_EQ(KindOf(enc), some_v6 ? 11 : 10) << hosts;
    const size_t v6_part = some_v6 ? rows / 8 + 16 * (rows / 500 + 1) : 0;
    EXPECT_LT(enc.size(), rows / 8 + v6_part + (hosts <= 256 ? 1 : 2) * size_t{rows} + 4 * hosts + 16) << hosts;
    ColumnBlock out;
    ASSERT_TRUE(DecodeColumnBlock(ColumnType::kIp, rows, enc, &out).ok());
    for (uint32_t i = 0; i < rows; ++i) {
      ASSERT_EQ(out.present(i), static_cast<bool>(present[i])) << i;
      ASSERT_EQ(out.ip(i), present[i] ? ips[i] : IpAddress{}) << i;
    }
    // Tests on the addresses agree with the decoded rows.
    for (const ValueFilter& f :
         {ValueFilter{{{0x0A000000u, 0x0AFFFFFFu}}, false}, ValueFilter{{{0x0A000007u, 0x0A000007u}}, false},
          ValueFilter{{{pool[0], pool[0]}}, false}, ValueFilter{{{0, UINT32_MAX}}, false},
          ValueFilter{{{0xFFFFFFFEu, 0xFFFFFFFFu}}, false}}) {
      EXPECT_TRUE(FilterAgrees(ColumnType::kIp, rows, enc, f)) << hosts;
    }
  }
  // Addresses nearly all distinct stay four planes.
  std::vector<IpAddress> spread(kRowsPerBlock);
  for (uint32_t i = 0; i < kRowsPerBlock; ++i) spread[i] = IpAddress::FromV4(0x0A000000u + i * 3);
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kIp, kRowsPerBlock, {}, nullptr, spread.data(), &enc, &st);
  EXPECT_EQ(KindOf(enc), 4);
}

// Counts how far a filter reads into a block.
class CountingBytes final : public BlockBytes {
 public:
  explicit CountingBytes(std::string_view all) : all_(all) {}
  Status Reach(size_t n) override {
    reached_ = std::max(reached_, std::min(n, all_.size()));
    return Status::OK();
  }
  std::string_view data() const override { return all_.substr(0, reached_); }
  size_t size() const override { return all_.size(); }
  size_t reached() const { return reached_; }

 private:
  std::string_view all_;
  size_t reached_ = 0;
};

TEST(ColumnFilter, ReadsOnlyTheLeadingPlanesATestNeeds) {
  const uint32_t rows = kRowsPerBlock;
  std::vector<IpAddress> ips(rows);
  std::vector<bool> present(rows, true);
  for (uint32_t i = 0; i < rows; ++i) {
    ips[i] = IpAddress::FromV4(0x0A000000u + i * 11);
    present[i] = i % 5 != 0;
  }
  ParseIpAddress("2001:db8::7", &ips[3]);
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kIp, rows, Presence(rows, present), nullptr, ips.data(), &enc, &st);
  const size_t bitmap = rows / 8, before_planes = 1 + bitmap + bitmap + 16;
  ASSERT_EQ(enc.size(), before_planes + 4 * size_t{rows}) << "IPv6 rows apart, then four planes";
  uint64_t bits[kRowsPerBlock / 64];
  auto reached = [&](const ValueFilter& f) {
    CountingBytes bytes(enc);
    EXPECT_TRUE(FilterColumnBlock(ColumnType::kIp, rows, &bytes, f, bits).ok());
    return bytes.reached();
  };
  EXPECT_EQ(reached(ValueFilter{{{0x0A000000u, 0x0AFFFFFFu}}, false}), before_planes + rows);      // /8
  EXPECT_EQ(reached(ValueFilter{{{0x0A000000u, 0x0A01FFFFu}}, false}), before_planes + 2 * rows);  // /15
  EXPECT_EQ(reached(ValueFilter{{{0x0A000005u, 0x0A000005u}}, false}), before_planes + 4 * rows);  // one address
  EXPECT_LE(reached(ValueFilter{{}, true}), 1 + bitmap + 32) << "presence alone";
}

TEST(ColumnFilter, ADictionaryWhoseAddressesAllPassOrAllFailSkipsTheCodes) {
  const uint32_t rows = kRowsPerBlock;
  std::vector<IpAddress> ips(rows);
  for (uint32_t i = 0; i < rows; ++i) ips[i] = IpAddress::FromV4(0x0A000000u + i % 300);  // 300 hosts in 10/8
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kIp, rows, {}, nullptr, ips.data(), &enc, &st);
  ASSERT_EQ(KindOf(enc), 10);
  // (A filter first reaches as far as a presence bitmap and a header could go.)
  const size_t before_codes = std::max<size_t>(enc.size() - 2 * size_t{rows}, 1 + rows / 8 + 32);
  std::vector<uint64_t> bits(rows / 64);
  auto reached = [&](const ValueFilter& f) {
    CountingBytes bytes(enc);
    EXPECT_TRUE(FilterColumnBlock(ColumnType::kIp, rows, &bytes, f, bits.data()).ok());
    return bytes.reached();
  };
  EXPECT_LE(reached(ValueFilter{{{0x0A000000u, 0x0AFFFFFFu}}, false}), before_codes) << "all pass";
  EXPECT_EQ(bits[0], ~uint64_t{0});
  EXPECT_LE(reached(ValueFilter{{{0xAC100000u, 0xAC1FFFFFu}}, false}), before_codes) << "none passes";
  EXPECT_EQ(bits[0], 0u);
  EXPECT_EQ(reached(ValueFilter{{{0x0A000005u, 0x0A000005u}}, false}), enc.size()) << "some pass: the codes";
  EXPECT_EQ(bits[0], uint64_t{1} << 5);
  // A code past the addresses is corruption, decoded or filtered.
  enc[enc.size() - 1] = static_cast<char>(0x7f);
  ColumnBlock out;
  EXPECT_EQ(DecodeColumnBlock(ColumnType::kIp, rows, enc, &out).code(), Status::Code::kCorruption);
  EXPECT_EQ(FilterColumnBlock(ColumnType::kIp, rows, enc, ValueFilter{{{0x0A000005u, 0x0A000005u}}, false}, bits.data())
                .code(),
            Status::Code::kCorruption);
}

// Gathers rows `sel` of `enc` and compares them with the decoded block:
// the same values and presence there, every other row absent.
void ExpectGatherAgrees(ColumnType type, uint32_t rows, const std::string& enc, const std::vector<uint32_t>& sel) {
  ColumnBlock decoded, gathered;
  ASSERT_TRUE(DecodeColumnBlock(type, rows, enc, &decoded).ok());
  gathered.values.assign(rows, 0xdeadbeef);  // left over from an earlier block
  const Status s = GatherColumnBlock(type, rows, enc, sel.data(), sel.size(), &gathered);
  ASSERT_TRUE(s.ok()) << ColumnTypeName(type) << ": " << s.ToString();
  EXPECT_EQ(gathered.type, type);
  EXPECT_EQ(gathered.rows, rows);
  size_t k = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    const bool selected = k < sel.size() && sel[k] == i;
    if (selected) ++k;
    ASSERT_EQ(gathered.present(i), selected && decoded.present(i)) << ColumnTypeName(type) << " row " << i;
    if (selected) {
      ASSERT_EQ(gathered.values[i], decoded.values[i]) << ColumnTypeName(type) << " row " << i;
    }
  }
}

TEST(ColumnGather, AgreesWithDecodedBlocks) {
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 300; ++iter) {
    const ColumnType t = kIntegerLikeTypes[rng() % std::size(kIntegerLikeTypes)];
    const uint32_t rows = 1 + static_cast<uint32_t>(rng() % 3000);
    std::vector<uint64_t> v(rows);
    PresenceBits presence;
    // random, constant, sorted (delta), whole seconds, all absent, steps up and down (signed delta)
    const int shape = static_cast<int>(rng() % 6);
    const uint64_t max = MaxValue(t);
    for (uint32_t i = 0; i < rows; ++i) {
      v[i] = shape == 1   ? 42
             : shape == 2 ? i * 1000 + rng() % 7
             : shape == 3 ? 1'790'000'000'000 + rng() % 500 * 1000
             : shape == 5 ? (i % 500) * 100 + rng() % 50
                          : rng();
      if (max != UINT64_MAX) v[i] %= max + 1;
    }
    if (shape == 2) std::sort(v.begin(), v.end());
    // Stepped blocks stay whole: the delta forms need every row.
    if (shape == 4 || (shape != 2 && shape != 5 && rng() % 2)) {
      presence.assign((rows + 63) / 64, 0);
      for (uint32_t i = 0; i < rows; ++i) {
        if (shape != 4 && rng() % 5 != 0) presence[i >> 6] |= uint64_t{1} << (i & 63);
      }
    }
    std::string enc;
    BlockStats st;
    EncodeColumnBlock(t, rows, presence, v.data(), nullptr, &enc, &st);
    std::vector<uint32_t> sel;
    const uint32_t every = 1 + static_cast<uint32_t>(rng() % 50);
    for (uint32_t i = static_cast<uint32_t>(rng() % every); i < rows; i += 1 + rng() % every) sel.push_back(i);
    ExpectGatherAgrees(t, rows, enc, sel);
    ExpectGatherAgrees(t, rows, enc, {rows - 1});
    ExpectGatherAgrees(t, rows, enc, {});
  }
}

TEST(ColumnGather, DeclinesWhatItCannotRead) {
  const std::vector<uint32_t> sel = {0, 1};
  ColumnBlock out;
  // Addresses.
  std::vector<IpAddress> ips(2);
  ASSERT_TRUE(ParseIpAddress("10.0.0.1", &ips[0]));
  ASSERT_TRUE(ParseIpAddress("10.0.0.2", &ips[1]));
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kIp, 2, {}, nullptr, ips.data(), &enc, &st);
  EXPECT_EQ(GatherColumnBlock(ColumnType::kIp, 2, enc, sel.data(), 2, &out).code(), Status::Code::kUnsupported);
  // Arrays.
  const std::vector<uint64_t> values = {1, 2, 3};
  const std::vector<uint32_t> counts = {2, 1};
  BlockInput in;
  in.type = ColumnType::kUInt64;
  in.rows = 2;
  in.values = values.data();
  in.counts = counts.data();
  in.total = 3;
  enc.clear();
  EncodeColumnBlock(in, &enc, &st);
  EXPECT_EQ(GatherColumnBlock(ColumnType::kUInt64, 2, enc, sel.data(), 2, &out).code(), Status::Code::kUnsupported);
}

TEST(ColumnGather, MalformedBlocksAreCorruptionNotACrash) {
  std::vector<uint64_t> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i * i % 65536;
  std::string enc;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kUInt64, 1000, {}, v.data(), nullptr, &enc, &st);
  const std::vector<uint32_t> sel = {0, 500, 999};
  ColumnBlock out;
  EXPECT_TRUE(
      GatherColumnBlock(ColumnType::kUInt64, 1000, enc.substr(0, enc.size() / 2), sel.data(), 3, &out).IsCorruption());
  EXPECT_TRUE(GatherColumnBlock(ColumnType::kUInt64, 1000, enc + "x", sel.data(), 3, &out).IsCorruption());
  EXPECT_TRUE(GatherColumnBlock(ColumnType::kUInt64, 1000, "", sel.data(), 3, &out).IsCorruption());
  EXPECT_TRUE(GatherColumnBlock(ColumnType::kUInt64, 999, enc, sel.data(), 2, &out).IsCorruption());
  // A selected value wider than the column type.
  EXPECT_TRUE(GatherColumnBlock(ColumnType::kUInt8, 1000, enc, sel.data(), 3, &out).IsCorruption());
  // A row past the block is the caller's mistake, not the data's.
  const std::vector<uint32_t> past = {1000};
  EXPECT_EQ(GatherColumnBlock(ColumnType::kUInt64, 1000, enc, past.data(), 1, &out).code(),
            Status::Code::kInvalidArgument);
}

TEST(ColumnFilter, MalformedBlocksAreCorruptionNotACrash) {
  std::mt19937_64 rng(5);
  std::vector<uint64_t> v(500);
  for (auto& x : v) x = rng() % 5000;
  std::vector<IpAddress> ips(500);
  for (auto& ip : ips) ip = IpAddress::FromV4(static_cast<uint32_t>(rng()));
  ParseIpAddress("2001:db8::1", &ips[9]);
  PresenceBits all;
  std::string ints, addrs;
  BlockStats st;
  EncodeColumnBlock(ColumnType::kUInt32, 500, all, v.data(), nullptr, &ints, &st);
  EncodeColumnBlock(ColumnType::kIp, 500, all, nullptr, ips.data(), &addrs, &st);
  uint64_t bits[8];
  const ValueFilter f{{{100, 4000}}, false};
  for (const auto& [type, enc] : {std::pair{ColumnType::kUInt32, ints}, std::pair{ColumnType::kIp, addrs}}) {
    EXPECT_TRUE(FilterColumnBlock(type, 500, enc.substr(0, enc.size() - 1), f, bits).IsCorruption());
    EXPECT_TRUE(FilterColumnBlock(type, 500, enc + "x", f, bits).IsCorruption());
    EXPECT_TRUE(FilterColumnBlock(type, 500, "", f, bits).IsCorruption());
    for (int k = 0; k < 300; ++k) {  // damaged bytes: any answer but a crash
      std::string bad = enc;
      bad[rng() % bad.size()] = static_cast<char>(rng());
      const Status s = FilterColumnBlock(type, 500, bad, f, bits);
      EXPECT_TRUE(s.ok() || s.IsCorruption() || s.code() == Status::Code::kUnsupported) << s.ToString();
    }
  }
}

}  // namespace
}  // namespace flowdex
