#include "util/geo_point.h"

#include <charconv>
#include <cmath>

namespace flowdex {

namespace {

bool ParsePart(std::string_view s, double* out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(*out);
}

}  // namespace

std::string FormatGeoPoint(const GeoPoint& p) {
  char buf[64];
  char* end = std::to_chars(buf, buf + 30, p.lat).ptr;
  *end++ = ',';
  end = std::to_chars(end, buf + sizeof(buf), p.lon).ptr;
  return std::string(buf, end);
}

bool ParseLatLon(std::string_view text, GeoPoint* out) {
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  GeoPoint p;
  if (!ParsePart(text.substr(0, comma), &p.lat) || !ParsePart(text.substr(comma + 1), &p.lon)) return false;
  *out = p;
  return true;
}

bool ParseGeoPoint(std::string_view text, GeoPoint* out) {
  GeoPoint p;
  if (!ParseLatLon(text, &p) || p.lat < -90 || p.lat > 90 || p.lon < -180 || p.lon > 180) return false;
  *out = p;
  return true;
}

uint64_t GeotileKey(const GeoPoint& p, int zoom) {
  const double tiles = static_cast<double>(uint64_t{1} << zoom);
  // In doubles first: the poles give +-infinity, clamped as Elasticsearch's
  // int conversion clamps them.
  auto tile = [&](double t) -> uint64_t {
    if (!(t >= 0)) return 0;  // negative or NaN
    return t >= tiles ? static_cast<uint64_t>(tiles) - 1 : static_cast<uint64_t>(t);
  };
  const uint64_t x = p.lon == -180 ? 0 : tile(std::floor((p.lon + 180) / 360 * tiles));
  const double lat_sin = std::sin(p.lat * M_PI / 180);
  const uint64_t y = tile(std::floor((0.5 - std::log((1 + lat_sin) / (1 - lat_sin)) / (4 * M_PI)) * tiles));
  return (static_cast<uint64_t>(zoom) << 58) | (x << 29) | y;
}

std::string GeotileText(uint64_t key) {
  return std::to_string(key >> 58) + "/" + std::to_string((key >> 29) & ((uint64_t{1} << 29) - 1)) + "/" +
         std::to_string(key & ((uint64_t{1} << 29) - 1));
}

namespace {
constexpr char kGeohashAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
}  // namespace

uint64_t GeohashKey(const GeoPoint& p, int precision) {
  double lat_lo = -90, lat_hi = 90, lon_lo = -180, lon_hi = 180;
  uint64_t bits = 0;
  for (int i = 0; i < precision * 5; ++i) {
    // Even bits split longitude, odd bits latitude (the geohash order).
    double& lo = i % 2 == 0 ? lon_lo : lat_lo;
    double& hi = i % 2 == 0 ? lon_hi : lat_hi;
    const double v = i % 2 == 0 ? p.lon : p.lat;
    const double mid = (lo + hi) / 2;
    bits <<= 1;
    if (v >= mid) {
      bits |= 1;
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (bits << 4) | static_cast<uint64_t>(precision);
}

std::string GeohashText(uint64_t key) {
  const int precision = static_cast<int>(key & 15);
  const uint64_t bits = key >> 4;
  std::string out(static_cast<size_t>(precision), '0');
  for (int i = 0; i < precision; ++i) out[i] = kGeohashAlphabet[(bits >> (5 * (precision - 1 - i))) & 31];
  return out;
}

}  // namespace flowdex
