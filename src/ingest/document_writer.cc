#include "ingest/document_writer.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "flowlog/ip_address.h"
#include "ingest/flow_segment_writer.h"
#include "schema/flow_schema.h"
#include "util/geo_point.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// One value of one field, converted for its column.
struct TypedValue {
  std::string column;
  ColumnType type;
  uint64_t integer = 0;  // integer-like columns (doubles as bits)
  IpAddress ip;
  std::string text;  // keyword and text columns
};

std::string Preview(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), std::min<size_t>(v.GetStringLength(), 100));
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), std::min<size_t>(buf.GetSize(), 100));
}

// The JSON text of a scalar, as keyword and text fields index numbers and booleans.
std::string ScalarText(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return Preview(v);
}

bool ToDouble(const rapidjson::Value& v, double* out) {
  if (v.IsNumber()) return *out = v.GetDouble(), true;
  if (!v.IsString() || v.GetStringLength() == 0) return false;
  char* end = nullptr;
  *out = std::strtod(v.GetString(), &end);
  return end == v.GetString() + v.GetStringLength() && std::isfinite(*out);
}

bool ToInteger(const rapidjson::Value& v, int64_t min, int64_t max, int64_t* out) {
  if (v.IsInt64()) {
    *out = v.GetInt64();
  } else if (v.IsUint64()) {
    return false;  // above the int64 range
  } else {
    double d;
    // Elasticsearch coerces by default: "42" and 42.9 index as 42.
    if (!ToDouble(v, &d) || d < -9.3e18 || d > 9.3e18) return false;
    *out = static_cast<int64_t>(std::trunc(d));
  }
  return *out >= min && *out <= max;
}

// A geo_point in the forms Elasticsearch takes for one point: {"lat": .., "lon": ..},
// "lat,lon", and [lon, lat] (GeoJSON order, an optional third value ignored).
bool ToGeoPoint(const rapidjson::Value& v, GeoPoint* out) {
  GeoPoint p;
  if (v.IsString()) return ParseGeoPoint(std::string_view(v.GetString(), v.GetStringLength()), out);
  if (v.IsObject()) {
    auto lat = v.FindMember("lat");
    auto lon = v.FindMember("lon");
    if (lat == v.MemberEnd() || lon == v.MemberEnd() || v.MemberCount() != 2 || !ToDouble(lat->value, &p.lat) ||
        !ToDouble(lon->value, &p.lon)) {
      return false;
    }
  } else if (v.IsArray() && (v.Size() == 2 || v.Size() == 3) && v[0].IsNumber() && v[1].IsNumber()) {
    p.lon = v[0].GetDouble();
    p.lat = v[1].GetDouble();
  } else {
    return false;
  }
  if (!(p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180)) return false;
  *out = p;
  return true;
}

struct Range {
  int64_t min, max;
};

Range IntegerRange(FieldType t) {
  switch (t) {
    case FieldType::kByte: return {-128, 127};
    case FieldType::kShort: return {-32768, 32767};
    case FieldType::kInteger: return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default: return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  }
}

// Converts one JSON value of a mapped field into column values. Returns
// false when it does not fit the field's type.
bool Convert(const std::string& path, const FieldMapping& f, const rapidjson::Value& v, std::vector<TypedValue>* out,
             const DocumentWriter::DateParser& parse_date) {
  TypedValue tv;
  tv.column = path;
  tv.type = ColumnTypeFor(f.type);
  switch (f.type) {
    case FieldType::kText:
      if (v.IsObject() || v.IsArray()) return false;
      tv.text = ScalarText(v);
      for (const auto& [name, sub] : f.fields) {
        if (sub.type == FieldType::kKeyword &&
            (sub.ignore_above < 0 || tv.text.size() <= static_cast<size_t>(sub.ignore_above))) {
          TypedValue kw;
          kw.column = path + "." + name;
          kw.type = ColumnType::kKeyword;
          kw.text = tv.text;
          out->push_back(std::move(kw));
        }
      }
      break;
    case FieldType::kKeyword:
      if (v.IsObject() || v.IsArray()) return false;
      tv.text = ScalarText(v);
      if (f.ignore_above >= 0 && tv.text.size() > static_cast<size_t>(f.ignore_above))
        return true;  // kept in _source only
      break;
    case FieldType::kLong:
    case FieldType::kInteger:
    case FieldType::kShort:
    case FieldType::kByte: {
      const Range r = IntegerRange(f.type);
      int64_t n;
      if (!ToInteger(v, r.min, r.max, &n)) return false;
      tv.integer = static_cast<uint64_t>(n);
      break;
    }
    case FieldType::kDouble:
    case FieldType::kFloat:
    case FieldType::kHalfFloat:
    case FieldType::kScaledFloat: {
      double d;
      if (!ToDouble(v, &d)) return false;
      std::memcpy(&tv.integer, &d, 8);
      break;
    }
    case FieldType::kBoolean:
      if (v.IsBool()) {
        tv.integer = v.GetBool();
      } else if (v.IsString() && (std::string_view(v.GetString()) == "true" ||
                                  std::string_view(v.GetString()) == "false" || v.GetStringLength() == 0)) {
        tv.integer = std::string_view(v.GetString()) == "true";
      } else {
        return false;
      }
      break;
    case FieldType::kDate: {
      int64_t ms = 0;
      if (v.IsInt64()) {
        ms = v.GetInt64();
      } else if (v.IsString() && !f.format.empty() && parse_date) {
        // The mapping's own format (dd/MM/yyyy, epoch_second, ...).
        if (!parse_date(f.format, std::string_view(v.GetString(), v.GetStringLength()), &ms)) return false;
      } else if (v.IsString()) {
        const std::string_view s(v.GetString(), v.GetStringLength());
        if (!ParseIsoDate(s, &ms)) {
          int64_t n;
          if (s.empty() || s.find_first_not_of("-0123456789") != std::string_view::npos ||
              !ToInteger(v, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &n)) {
            return false;
          }
          ms = n;  // epoch_millis
        }
      } else {
        return false;
      }
      tv.integer = static_cast<uint64_t>(ms);
      break;
    }
    case FieldType::kIp:
      if (!v.IsString() || !ParseIpAddress(std::string_view(v.GetString(), v.GetStringLength()), &tv.ip)) return false;
      break;
    case FieldType::kGeoPoint: {
      // An array of points, unless it is one point as [lon, lat].
      if (v.IsArray() && !(v.Size() >= 2 && v[0].IsNumber())) {
        for (const auto& e : v.GetArray()) {
          if (!Convert(path, f, e, out, parse_date)) return false;
        }
        return true;
      }
      GeoPoint p;
      if (!ToGeoPoint(v, &p)) return false;
      tv.text = FormatGeoPoint(p);
      break;
    }
  }
  out->push_back(std::move(tv));
  return true;
}

// Walks a document, calling leaf(path, value) for every scalar (array
// elements one by one; nulls too, for null_value) and object(path) for every
// object. A path for which whole(path) is true is a leaf whatever its JSON
// shape (a geo_point given as {"lat": .., "lon": ..} or [lon, lat]).
template <typename Leaf, typename Object, typename Whole>
bool Walk(const std::string& path, const rapidjson::Value& v, Leaf&& leaf, Object&& object, Whole&& whole) {
  if (v.IsNull()) return path.empty() || leaf(path, v);
  if ((v.IsArray() || v.IsObject()) && !path.empty() && whole(path)) return leaf(path, v);
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (!Walk(path, e, leaf, object, whole)) return false;
    }
    return true;
  }
  if (v.IsObject()) {
    if (!path.empty() && !object(path, v)) return false;
    for (const auto& m : v.GetObject()) {
      const std::string name(m.name.GetString(), m.name.GetStringLength());
      if (!Walk(path.empty() ? name : path + "." + name, m.value, leaf, object, whole)) return false;
    }
    return true;
  }
  return leaf(path, v);
}

}  // namespace

struct DocumentWriter::Partition {
  SegmentRef ref;
  std::unique_ptr<SegmentBuilder> builder;
  std::map<std::string, int> columns;
  int Column(const std::string& name, ColumnType type) {
    auto it = columns.find(name);
    if (it == columns.end()) it = columns.emplace(name, builder->AddColumn(name, type)).first;
    return it->second;
  }
};

DocumentWriter::DocumentWriter(Store* store, Options options, IndexMapping mapping)
    : store_(store), options_(std::move(options)), mapping_(std::move(mapping)) {
  // Generated ids: a random prefix per writer and a counter, base64url-like,
  // 20 characters as Elasticsearch's are.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int i = 0; i < 12; ++i) id_prefix_ += kAlphabet[rng() % 64];
}

DocumentWriter::~DocumentWriter() = default;

DocumentWriter::Partition* DocumentWriter::PartitionFor(const std::string& name) {
  auto it = partitions_.find(name);
  if (it != partitions_.end()) return it->second.get();
  auto p = std::make_unique<Partition>();
  std::string path;
  Status s = store_->NewSegment(options_.index, name, &p->ref, &path);
  SegmentBuilder::Options bo;
  bo.zstd_level = options_.zstd_level;
  bo.time_column = options_.time_field;
  if (s.ok()) s = SegmentBuilder::Create(path, bo, &p->builder);
  if (!s.ok()) {
    if (status_.ok()) status_ = s;
    return nullptr;
  }
  return partitions_.emplace(name, std::move(p)).first->second.get();
}

bool DocumentWriter::Add(std::string_view json, std::string_view given_id, MappingError* error, const Origin* origin) {
  std::string id(given_id);
  if (id.empty()) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    id = id_prefix_;
    uint64_t n = id_counter_++;
    for (int i = 0; i < 8; ++i, n >>= 6) id += kAlphabet[n & 63];
  } else if (id.size() > 512) {
    *error = {"illegal_argument_exception",
              fmt::format("id [{}...] is too long, must be no longer than 512 bytes but was: {}", id.substr(0, 10),
                          id.size())};
    return false;
  }
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    *error = {"mapper_parsing_exception", "failed to parse"};
    return false;
  }
  // Type every value first; new fields go into a copy of the mapping (made
  // on the first new field), which replaces the writer's only if the whole
  // document fits.
  std::optional<IndexMapping> copy;
  auto current = [&]() -> const IndexMapping& { return copy ? *copy : mapping_; };
  std::vector<TypedValue> values;
  auto fail = [&](std::string type, std::string reason) {
    *error = {std::move(type), std::move(reason)};
    return false;
  };
  auto object = [&](const std::string& path, const rapidjson::Value& v) {
    if (const FieldMapping* f = current().Find(path); f != nullptr && !current().IsObject(path)) {
      return fail("document_parsing_exception",
                  fmt::format("failed to parse field [{}] of type [{}] in document with id '{}'. Preview of field's "
                              "value: '{}'",
                              path, FieldTypeName(f->type), id, Preview(v)));
    }
    return true;
  };
  auto leaf = [&](const std::string& path, const rapidjson::Value& v) {
    if (path.empty() || path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) {
      return fail("mapper_parsing_exception",
                  fmt::format("field name cannot contain only whitespace or dots: [{}]", path));
    }
    if (path == kIdColumn || path == kSourceColumn || path.rfind("_flowdex.", 0) == 0) {
      return fail("mapper_parsing_exception",
                  fmt::format("Field [{}] is a metadata field and cannot be added inside a document. Use the index "
                              "API request parameters.",
                              path));
    }
    const FieldMapping* f = current().Find(path);
    if (v.IsNull()) {
      // An explicit null: indexed as the field's null_value, else not at all
      // (and it maps nothing new).
      if (f == nullptr || f->null_value.empty()) return true;
      rapidjson::Document stand_in;
      stand_in.Parse(f->null_value.data(), f->null_value.size());
      if (!Convert(path, *f, stand_in, &values, options_.parse_date)) {
        return fail("document_parsing_exception",
                    fmt::format("failed to parse field [{}] of type [{}] in document with id '{}'. Preview of "
                                "field's value: '{}'",
                                path, FieldTypeName(f->type), id, f->null_value));
      }
      return true;
    }
    if (f == nullptr) {
      const IndexMapping& next = current();
      if (next.IsObject(path)) {
        return fail("mapper_parsing_exception",
                    fmt::format("object mapping for [{}] tried to parse field [{}] as object, but found a concrete "
                                "value",
                                path, path));
      }
      if (next.dynamic() == IndexMapping::Dynamic::kFalse) return true;  // kept in _source only
      if (next.dynamic() == IndexMapping::Dynamic::kStrict) {
        return fail("strict_dynamic_mapping_exception",
                    fmt::format("[{}] mapping set to strict, dynamic introduction of [{}] within [_doc] is not "
                                "allowed",
                                path, path));
      }
      FieldMapping fresh;
      if (v.IsString()) {
        fresh =
            IndexMapping::DynamicForString(std::string_view(v.GetString(), v.GetStringLength()), next.date_detection());
      } else if (v.IsBool()) {
        fresh = IndexMapping::DynamicForBoolean();
      } else if (v.IsInt64() || v.IsUint64()) {
        fresh = IndexMapping::DynamicForLong();
      } else {
        fresh = IndexMapping::DynamicForDouble();
      }
      if (!copy) copy = mapping_;
      if (!copy->Add(path, fresh, error)) return false;
      f = copy->Find(path);
    }
    if (f->declared == "constant_keyword") {
      // One value for the whole index: the mapping's, or the first document's.
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> cw(buf);
      v.Accept(cw);
      const std::string given(buf.GetString(), buf.GetSize());
      if (f->constant_value.empty()) {
        if (!copy) copy = mapping_;
        copy->SetConstantValue(path, given);
        f = copy->Find(path);
      } else if (given != f->constant_value) {
        auto text = [](const std::string& value_json) {
          return value_json.size() >= 2 && value_json.front() == '"' ? value_json.substr(1, value_json.size() - 2)
                                                                     : value_json;
        };
        return fail("document_parsing_exception",
                    fmt::format("[constant_keyword] field [{}] only accepts values that are equal to the value "
                                "defined in the mappings [{}], but got [{}]",
                                path, text(f->constant_value), text(given)));
      }
    }
    if (!Convert(path, *f, v, &values, options_.parse_date)) {
      return fail("document_parsing_exception",
                  fmt::format("failed to parse field [{}] of type [{}] in document with id '{}'. Preview of field's "
                              "value: '{}'",
                              path, FieldTypeName(f->type), id, Preview(v)));
    }
    return true;
  };
  auto whole = [&](const std::string& path) {
    const FieldMapping* f = current().Find(path);
    return f != nullptr && f->type == FieldType::kGeoPoint;
  };
  if (!Walk("", doc, leaf, object, whole)) return false;

  // The document's day partition, from its time field.
  std::string partition = "undated";
  for (const TypedValue& tv : values) {
    if (tv.column == options_.time_field && tv.type == ColumnType::kTimestamp) {
      const int64_t ms = static_cast<int64_t>(tv.integer);
      partition = PartitionName(ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000);
      break;
    }
  }
  Partition* p = PartitionFor(partition);
  if (p == nullptr) {
    return fail("exception", std::string(status_.message()));
  }
  if (copy) mapping_ = std::move(*copy);
  SegmentBuilder& b = *p->builder;
  b.SetKeyword(p->Column(std::string(kIdColumn), ColumnType::kKeyword), id);
  b.SetBlob(p->Column(std::string(kSourceColumn), ColumnType::kBlob), json);
  if (origin != nullptr) {
    b.SetKeyword(p->Column(std::string(kSourceKeyColumn), ColumnType::kKeyword), origin->source);
    b.SetInteger(p->Column(std::string(kLineOffsetColumn), ColumnType::kUInt64), origin->offset);
  }
  for (const TypedValue& tv : values) {
    const int c = p->Column(tv.column, tv.type);
    switch (tv.type) {
      case ColumnType::kIp: b.AddIp(c, tv.ip); break;
      case ColumnType::kKeyword:
      case ColumnType::kText: b.AddKeyword(c, tv.text); break;
      default: b.AddInteger(c, tv.integer); break;
    }
  }
  Status s = b.FinishRow();
  if (!s.ok() && status_.ok()) status_ = s;
  ++rows_;
  if ((rows_ & 1023) == 0 && memory_usage() > options_.max_open_bytes) {
    s = SealAll();
    if (!s.ok() && status_.ok()) status_ = s;
  }
  return true;
}

Status DocumentWriter::SealAll() {
  for (auto& [name, p] : partitions_) {
    Status s = FinishSegment(p->builder.get(), &p->ref);
    if (!s.ok()) return s;
    sealed_.push_back(p->ref);
  }
  partitions_.clear();
  return Status::OK();
}

size_t DocumentWriter::memory_usage() const {
  size_t n = 0;
  for (const auto& [name, p] : partitions_) n += p->builder->memory_usage();
  return n;
}

Status DocumentWriter::Finish(CommitBatch* batch) {
  if (!status_.ok()) return status_;
  Status s = SealAll();
  if (!s.ok()) return status_ = s;
  batch->segments.insert(batch->segments.end(), sealed_.begin(), sealed_.end());
  sealed_.clear();
  batch->mappings[options_.index] = mapping_.ToJson();
  rows_ = 0;
  return Status::OK();
}

}  // namespace flowdex
