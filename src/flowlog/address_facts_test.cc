#include "flowlog/address_facts.h"

#include <gtest/gtest.h>

#include <string>

namespace flowdex {
namespace {

AddressFacts Full() {
  AddressFacts f;
  f.continent_name = "Europe";
  f.country_iso_code = "GB";
  f.country_name = "United Kingdom";
  f.region_iso_code = "GB-WBK";
  f.region_name = "West Berkshire";
  f.city_name = "Boxford";
  f.location = "51.75,-1.25";
  f.has_as_number = true;
  f.as_number = 20712;
  f.as_organization_name = "Andrews & Arnold Ltd";
  f.aws_service = "S3";
  f.aws_region = "eu-west-2";
  return f;
}

void ExpectSame(const AddressFacts& a, const AddressFacts& b) {
  for (int i = 0; i < kFactFieldCount; ++i) {
    EXPECT_EQ(FactText(a, static_cast<FactField>(i)), FactText(b, static_cast<FactField>(i))) << i;
  }
  EXPECT_EQ(a.has_as_number, b.has_as_number);
  EXPECT_EQ(a.as_number, b.as_number);
}

TEST(AddressFacts, SerializedFactsReadBackEachFact) {
  std::string text;
  SerializeFacts(Full(), &text);
  AddressFacts back;
  ParseFacts(text, &back);
  ExpectSame(back, Full());
  EXPECT_EQ(ExtractFact(text, FactField::kCityName), "Boxford");
  EXPECT_EQ(ExtractFact(text, FactField::kAsNumber), "20712");
  EXPECT_EQ(ExtractFact(text, FactField::kAwsRegion), "eu-west-2");

  // Absent facts stay absent, the number included; an empty set is "".
  AddressFacts some;
  some.country_iso_code = "AU";
  some.aws_service = "EC2";
  SerializeFacts(some, &text);
  ParseFacts(text, &back);
  ExpectSame(back, some);
  EXPECT_FALSE(back.has_as_number);
  EXPECT_EQ(ExtractFact(text, FactField::kContinentName), "");
  SerializeFacts(AddressFacts{}, &text);
  EXPECT_EQ(text, "");
}

// A shorter list (facts added at the end by a later flowdex) reads the rest
// as absent; so does damage.
TEST(AddressFacts, ShortOrOddTextReadsAsAbsentFacts) {
  AddressFacts back;
  ParseFacts("Asia", &back);
  EXPECT_EQ(back.continent_name, "Asia");
  EXPECT_EQ(back.country_iso_code, "");
  EXPECT_EQ(ExtractFact("Asia", FactField::kAwsRegion), "");
  ParseFacts("\x1f\x1f\x1f\x1f\x1f\x1f\x1fnot a number", &back);
  EXPECT_FALSE(back.has_as_number);
}

TEST(AddressFacts, SanitizeRemovesTheSeparatorAndControls) {
  std::string s =
      "a\x1f"
      "b\nc\x7f";
  SanitizeFactText(&s);
  EXPECT_EQ(s, "a b c ");
}

}  // namespace
}  // namespace flowdex
