#include "store/column_codec.h"

#include <gtest/gtest.h>

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

TEST(ColumnCodec, RandomRoundTrips) {
  std::mt19937_64 rng(7);
  const ColumnType types[] = {ColumnType::kUInt8,   ColumnType::kUInt16, ColumnType::kUInt32,
                              ColumnType::kUInt64,  ColumnType::kInt64,  ColumnType::kTimestamp,
                              ColumnType::kKeyword, ColumnType::kBool,   ColumnType::kDouble};
  for (int iter = 0; iter < 200; ++iter) {
    const ColumnType t = types[rng() % std::size(types)];
    const uint32_t rows = 1 + static_cast<uint32_t>(rng() % 3000);
    std::vector<uint64_t> v(rows);
    std::vector<bool> p(rows);
    const uint64_t max = MaxValue(t);
    const bool sorted = rng() % 4 == 0;
    for (uint32_t i = 0; i < rows; ++i) {
      v[i] = sorted ? i * (rng() % 1000) : rng();
      if (max != UINT64_MAX) v[i] %= max + 1;
      p[i] = rng() % 10 != 0;
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

}  // namespace
}  // namespace flowdex
