#include "util/geo_point.h"

#include <gtest/gtest.h>

#include <random>

namespace flowdex {
namespace {

TEST(GeoPoint, TextRoundTripsExactly) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180);
  for (int i = 0; i < 10000; ++i) {
    const GeoPoint p{lat(rng), lon(rng)};
    GeoPoint back;
    ASSERT_TRUE(ParseGeoPoint(FormatGeoPoint(p), &back)) << FormatGeoPoint(p);
    EXPECT_EQ(back.lat, p.lat);
    EXPECT_EQ(back.lon, p.lon);
  }
  EXPECT_EQ(FormatGeoPoint({51.75, -1.25}), "51.75,-1.25");
  EXPECT_EQ(FormatGeoPoint({37.751, -97.822}), "37.751,-97.822");
}

TEST(GeoPoint, ParseRefusesWhatIsNotAPoint) {
  GeoPoint p;
  EXPECT_TRUE(ParseGeoPoint(" 41.12 , -71.34 ", &p));
  EXPECT_EQ(p.lat, 41.12);
  EXPECT_EQ(p.lon, -71.34);
  for (const char* bad :
       {"", "41.12", "41.12,", ",1", "91,0", "-90.5,0", "0,180.01", "0,-181", "x,1", "1,2,3", "nan,1", "1,inf"}) {
    EXPECT_FALSE(ParseGeoPoint(bad, &p)) << bad;
  }
}

// Wikipedia's example of a geohash, and its prefixes.
TEST(GeoPoint, GeohashOfAKnownPoint) {
  const GeoPoint p{57.64911, 10.40744};
  EXPECT_EQ(GeohashText(GeohashKey(p, 11)), "u4pruydqqvj");
  EXPECT_EQ(GeohashText(GeohashKey(p, 1)), "u");
  EXPECT_EQ(GeohashText(GeohashKey(p, 5)), "u4pru");
  EXPECT_EQ(GeohashText(GeohashKey({-90, -180}, 3)), "000");
  EXPECT_EQ(GeohashText(GeohashKey({90, 180}, 3)), "zzz");
  // Ordering the packed keys orders the text.
  EXPECT_LT(GeohashKey({0, -1}, 4), GeohashKey({0, 1}, 4));
  EXPECT_LT(GeohashText(GeohashKey({0, -1}, 4)), GeohashText(GeohashKey({0, 1}, 4)));
}

// Elasticsearch's geotile_grid documentation: Amsterdam at zoom 8 is 8/131/84.
TEST(GeoPoint, GeotileOfKnownPointsAndEdges) {
  EXPECT_EQ(GeotileText(GeotileKey({52.374081, 4.912350}, 8)), "8/131/84");
  EXPECT_EQ(GeotileText(GeotileKey({47.2513, -122.3149}, 3)), "3/1/2");
  EXPECT_EQ(GeotileText(GeotileKey({12, 34}, 0)), "0/0/0");
  EXPECT_EQ(GeotileText(GeotileKey({90, -180}, 4)), "4/0/0");    // clamped to the first row
  EXPECT_EQ(GeotileText(GeotileKey({-90, 180}, 4)), "4/15/15");  // ...and the last tile
  EXPECT_EQ(GeotileText(GeotileKey({0, 0}, 29)), "29/268435456/268435456");
  EXPECT_LT(GeotileKey({10, -10}, 5), GeotileKey({-10, 10}, 5));  // x first, then y
}

}  // namespace
}  // namespace flowdex
