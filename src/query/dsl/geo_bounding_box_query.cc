// {"geo_bounding_box": {"<field>": {"top_left": P, "bottom_right": P}}}: geo
// points inside a box. The corners may also be given as top_right +
// bottom_left, as top / left / bottom / right, or as a WKT "BBOX (minLon,
// maxLon, maxLat, minLat)"; a point P as {"lat": .., "lon": ..}, "lat,lon"
// or [lon, lat] (Elasticsearch's geo_bounding_box query documentation).
// validation_method STRICT (the default) refuses latitudes and longitudes
// out of range; COERCE and IGNORE_MALFORMED take them as given.
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "query/dsl/query_registry.h"
#include "util/geo_point.h"

namespace flowdex {

namespace {

using Value = rapidjson::Value;

bool ReadNumber(const Value& v, double* out) {
  if (v.IsNumber()) return *out = v.GetDouble(), true;
  if (!v.IsString()) return false;
  char* end = nullptr;
  *out = std::strtod(v.GetString(), &end);
  return end == v.GetString() + v.GetStringLength() && v.GetStringLength() > 0;
}

// One corner, in any of the point forms.
bool ReadPoint(const Value& v, GeoPoint* out) {
  if (v.IsObject()) {
    auto lat = v.FindMember("lat");
    auto lon = v.FindMember("lon");
    return lat != v.MemberEnd() && lon != v.MemberEnd() && ReadNumber(lat->value, &out->lat) &&
           ReadNumber(lon->value, &out->lon);
  }
  if (v.IsArray()) {
    if (v.Size() < 2 || v.Size() > 3 || !v[0].IsNumber() || !v[1].IsNumber()) return false;
    out->lon = v[0].GetDouble();
    out->lat = v[1].GetDouble();
    return true;
  }
  if (v.IsString()) {
    // Without range checks: validation_method decides about those.
    return ParseLatLon(std::string_view(v.GetString(), v.GetStringLength()), out);
  }
  return false;
}

// "BBOX (minLon, maxLon, maxLat, minLat)".
bool ReadWktBox(std::string_view s, GeoBoundingBoxQuery* q) {
  std::string text(s);
  double v[4];
  char tail = 0;
  if (std::sscanf(text.c_str(), " BBOX ( %lf , %lf , %lf , %lf ) %c", &v[0], &v[1], &v[2], &v[3], &tail) != 4) {
    return false;
  }
  q->left = v[0], q->right = v[1], q->top = v[2], q->bottom = v[3];
  return true;
}

// A double as Java prints it in Elasticsearch's messages ("3.0", "91.5").
std::string JavaDouble(double d) {
  if (d == std::trunc(d) && std::fabs(d) < 1e7) return fmt::format("{:.1f}", d);
  return fmt::format("{}", d);
}

}  // namespace

bool ParseGeoBoundingBoxQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("geo_bounding_box", body)) return false;
  GeoBoundingBoxQuery q;
  std::string validation = "STRICT";
  const Value* box = nullptr;
  for (const auto& m : body.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "validation_method" && m.value.IsString()) {
      validation = m.value.GetString();
      for (char& c : validation) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (validation != "STRICT" && validation != "COERCE" && validation != "IGNORE_MALFORMED") {
        return dsl.Fail(
            ParseError::Kind::kIllegalArgument,
            fmt::format("No enum constant org.elasticsearch.index.query.GeoValidationMethod.{}", m.value.GetString()),
            key);
      }
    } else if (key == "ignore_unmapped" && m.value.IsBool()) {
      q.ignore_unmapped = m.value.GetBool();
    } else if (key == "boost" || key == "_name" || key == "type") {
      continue;
    } else if (m.value.IsObject() && box == nullptr) {
      q.field = std::string(key);
      box = &m.value;
    } else {
      return dsl.Fail(ParseError::Kind::kParsing,
                      fmt::format("failed to parse [geo_bounding_box] query. unexpected "
                                  "field [{}]",
                                  key),
                      key);
    }
  }
  if (box == nullptr) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument, "failed to parse [geo_bounding_box] query. field name expected",
                    "geo_bounding_box");
  }
  std::optional<double> top, left, bottom, right;
  for (const auto& m : box->GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    GeoPoint p;
    double d = 0;
    bool ok = true;
    if (key == "top_left" || key == "topLeft") {
      ok = ReadPoint(m.value, &p);
      top = p.lat, left = p.lon;
    } else if (key == "bottom_right" || key == "bottomRight") {
      ok = ReadPoint(m.value, &p);
      bottom = p.lat, right = p.lon;
    } else if (key == "top_right" || key == "topRight") {
      ok = ReadPoint(m.value, &p);
      top = p.lat, right = p.lon;
    } else if (key == "bottom_left" || key == "bottomLeft") {
      ok = ReadPoint(m.value, &p);
      bottom = p.lat, left = p.lon;
    } else if (key == "top" || key == "left" || key == "bottom" || key == "right") {
      ok = ReadNumber(m.value, &d);
      (key == "top" ? top : key == "left" ? left : key == "bottom" ? bottom : right) = d;
    } else if (key == "wkt" && m.value.IsString()) {
      GeoBoundingBoxQuery w;
      ok = ReadWktBox(std::string_view(m.value.GetString(), m.value.GetStringLength()), &w);
      top = w.top, left = w.left, bottom = w.bottom, right = w.right;
    } else {
      return dsl.Fail(ParseError::Kind::kParsing,
                      fmt::format("failed to parse bounding box. unexpected field [{}]", key), key);
    }
    if (!ok) {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("failed to parse bounding box. [{}] is malformed", key),
                      key);
    }
  }
  if (!top || !left || !bottom || !right) {
    return dsl.Fail(ParseError::Kind::kParsing, "failed to parse bounding box. a corner is missing", q.field);
  }
  q.top = *top, q.left = *left, q.bottom = *bottom, q.right = *right;
  for (double v : {q.top, q.left, q.bottom, q.right}) {
    if (!std::isfinite(v)) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument, "failed to parse bounding box. corners must be finite",
                      q.field);
    }
  }
  if (validation == "STRICT") {
    for (double lat : {q.top, q.bottom}) {
      if (lat < -90 || lat > 90) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("illegal latitude value [{}] for [geo_bounding_box]", JavaDouble(lat)), q.field);
      }
    }
    for (double lon : {q.left, q.right}) {
      if (lon < -180 || lon > 180) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("illegal longitude value [{}] for [geo_bounding_box]", JavaDouble(lon)), q.field);
      }
    }
    if (q.top < q.bottom) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      fmt::format("top is below bottom corner: {} vs. {}", JavaDouble(q.top), JavaDouble(q.bottom)),
                      q.field);
    }
  }
  *out = std::move(q);
  return true;
}

}  // namespace flowdex
