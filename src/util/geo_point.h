// Geo points (Elasticsearch's geo_point) as flowdex stores them: the text
// "lat,lon", each the shortest decimal that reads back as the same double,
// so a point round-trips exactly and equal points are equal keywords.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flowdex {

struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

// "51.75,-1.25".
std::string FormatGeoPoint(const GeoPoint& p);
// Parses "lat,lon" (spaces around the parts allowed). False unless both are
// finite numbers with lat in [-90, 90] and lon in [-180, 180].
bool ParseGeoPoint(std::string_view text, GeoPoint* out);
// The same without the range check (a query's corners, validated by the
// query's own rules).
bool ParseLatLon(std::string_view text, GeoPoint* out);

// The map tile of a point at `zoom` (0-29), as Elasticsearch's geotile_grid
// computes it (Web Mercator, latitudes clamped to +-85.0511), packed as
// zoom << 58 | x << 29 | y: ordering by this number is ordering by x, then y.
uint64_t GeotileKey(const GeoPoint& p, int zoom);
// "zoom/x/y" of a packed tile.
std::string GeotileText(uint64_t key);
// The geohash of a point at `precision` characters (1-12), packed as its
// 5-bit characters << 4 | precision: ordering by this number (at one
// precision) is ordering by the text.
uint64_t GeohashKey(const GeoPoint& p, int precision);
// The geohash text of a packed key ("u1hc").
std::string GeohashText(uint64_t key);

}  // namespace flowdex
