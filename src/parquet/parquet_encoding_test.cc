#include "parquet/parquet_encoding.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace flowdex::parquet {
namespace {

std::vector<uint32_t> DecodeHybrid(const std::vector<uint8_t>& bytes, int width, size_t n, Status* status) {
  std::vector<uint32_t> out(n);
  RleBitPackedDecoder d(bytes.data(), bytes.size(), width);
  *status = d.Get(out.data(), n);
  return out;
}

// Encodings.md: values 0..7 bit-packed with width 3 are one group, header
// (1 << 1) | 1, bytes 10001000 11000110 11111010.
TEST(RleBitPackedDecoder, BitPackedRunFromTheSpec) {
  Status s;
  auto v = DecodeHybrid({0x03, 0x88, 0xC6, 0xFA}, 3, 8, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(v, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(RleBitPackedDecoder, RleRunsAndMixedRuns) {
  Status s;
  // 5 times 300 (width 9: two bytes little-endian), then a bit-packed group of width 9.
  std::vector<uint8_t> bytes = {0x0A, 0x2C, 0x01, 0x03};
  // values 1..8 at 9 bits, LSB first
  uint64_t bits = 0;
  std::vector<uint8_t> packed(9, 0);
  for (int i = 0; i < 8; ++i) {
    for (int b = 0; b < 9; ++b, ++bits) {
      if (((i + 1) >> b) & 1) packed[bits / 8] |= static_cast<uint8_t>(1 << (bits % 8));
    }
  }
  bytes.insert(bytes.end(), packed.begin(), packed.end());
  auto v = DecodeHybrid(bytes, 9, 13, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(v, (std::vector<uint32_t>{300, 300, 300, 300, 300, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(RleBitPackedDecoder, DamageIsAnErrorNotAReadPastTheEnd) {
  Status s;
  DecodeHybrid({0x0A}, 9, 5, &s);  // the run's value is missing
  EXPECT_TRUE(s.IsCorruption());
  DecodeHybrid({0x02, 0x01}, 1, 3, &s);  // asks for more values than the runs hold
  EXPECT_TRUE(s.IsCorruption());
  DecodeHybrid({}, 1, 1, &s);
  EXPECT_TRUE(s.IsCorruption());
}

// Encodings.md, DELTA_BINARY_PACKED example 1: 1, 2, 3, 4, 5 (all deltas 1,
// so the miniblocks have bit width 0 and no data).
TEST(DeltaBinaryPacked, ExampleOneFromTheSpec) {
  std::vector<uint8_t> bytes = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};
  std::vector<int64_t> out;
  size_t used = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(bytes.data(), bytes.size(), &out, &used).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(used, bytes.size());
}

// Example 2: 7, 5, 3, 1, 2, 3, 4, 5: min delta -2, relative deltas 0 0 0 3 3 3 3 at 2 bits.
TEST(DeltaBinaryPacked, ExampleTwoFromTheSpec) {
  std::vector<uint8_t> bytes = {0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0x00, 0x00,
                                0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  std::vector<int64_t> out;
  size_t used = 0;
  Status s = DecodeDeltaBinaryPacked(bytes.data(), bytes.size(), &out, &used);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(used, bytes.size());
  // Cut inside the miniblock's values: an error, not garbage.
  out.clear();
  EXPECT_TRUE(DecodeDeltaBinaryPacked(bytes.data(), 10, &out, &used).IsCorruption());
}

TEST(DeltaByteArray, FrontCodingRebuildsEachValue) {
  // Each value shares a prefix with the one before: lengths 0, 7, 8 and
  // suffixes "eni-0abc1234", "d", "5678".
  const std::vector<std::string> values = {"eni-0abc1234", "eni-0abd", "eni-0abd5678"};
  auto delta = [](std::vector<int64_t> v) {
    // DELTA_BINARY_PACKED with block 128, 4 miniblocks, widths 8 (enough for these small deltas).
    std::vector<uint8_t> out = {0x80, 0x01, 0x04, static_cast<uint8_t>(v.size())};
    auto zz = [](int64_t x) { return static_cast<uint8_t>((x << 1) ^ (x >> 63)); };
    out.push_back(zz(v[0]));
    if (v.size() > 1) {
      int64_t min = INT64_MAX;
      for (size_t i = 1; i < v.size(); ++i) min = std::min(min, v[i] - v[i - 1]);
      out.push_back(zz(min));
      out.insert(out.end(), {8, 0, 0, 0});
      for (size_t i = 1; i < v.size(); ++i) out.push_back(static_cast<uint8_t>(v[i] - v[i - 1] - min));
      for (size_t i = v.size() - 1; i < 32; ++i) out.push_back(0);
    }
    return out;
  };
  std::vector<uint8_t> bytes = delta({0, 7, 8});
  const std::vector<uint8_t> suffixes = delta({12, 1, 4});
  bytes.insert(bytes.end(), suffixes.begin(), suffixes.end());
  const std::string data = "eni-0abc1234d5678";
  bytes.insert(bytes.end(), data.begin(), data.end());
  std::string storage;
  std::vector<std::string_view> out;
  Status s = DecodeDeltaByteArrays(bytes.data(), bytes.size(), &storage, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(out[i], values[i]);
}

TEST(PlainByteArrays, LengthsAreChecked) {
  std::vector<uint8_t> bytes = {3, 0, 0, 0, 'a', 'b', 'c', 9, 0, 0, 0, 'x'};
  std::vector<std::string_view> out;
  EXPECT_TRUE(DecodePlainByteArrays(bytes.data(), bytes.size(), 2, &out).IsCorruption());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "abc");
}

}  // namespace
}  // namespace flowdex::parquet
