#include "util/byte_size.h"

#include <gtest/gtest.h>

namespace flowdex {
namespace {

uint64_t Bytes(std::string_view text) {
  uint64_t b = 0;
  Status s = ParseByteSize(text, &b);
  EXPECT_TRUE(s.ok()) << text << ": " << s.ToString();
  return b;
}

TEST(ByteSize, UnitsAsElasticsearchWritesThem) {
  EXPECT_EQ(Bytes("4096"), 4096u);
  EXPECT_EQ(Bytes("10b"), 10u);
  EXPECT_EQ(Bytes("1kb"), 1024u);
  EXPECT_EQ(Bytes("512mb"), uint64_t{512} << 20);
  EXPECT_EQ(Bytes("50GB"), uint64_t{50} << 30);
  EXPECT_EQ(Bytes("50G"), uint64_t{50} << 30);
  EXPECT_EQ(Bytes("1.5g"), uint64_t{3} << 29);
  EXPECT_EQ(Bytes("2tb"), uint64_t{2} << 40);
  EXPECT_EQ(Bytes("1pb"), uint64_t{1} << 50);
  EXPECT_EQ(Bytes(" 20 MB "), uint64_t{20} << 20);
}

TEST(ByteSize, NonsenseIsInvalidArgument) {
  uint64_t b = 7;
  for (std::string_view text : {"", "gb", "-1gb", "1xb", "1.2.3mb", "99999999999pb", "1 g b"}) {
    Status s = ParseByteSize(text, &b);
    EXPECT_TRUE(s.IsInvalidArgument()) << text;
    EXPECT_NE(s.message().find("byte size"), std::string::npos) << s.message();
  }
  EXPECT_EQ(b, 7u) << "unchanged on error";
}

}  // namespace
}  // namespace flowdex
