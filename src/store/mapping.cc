#include "store/mapping.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include "util/time_util.h"

namespace flowdex {

namespace {

struct TypeName {
  FieldType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {FieldType::kText, "text"},
    {FieldType::kKeyword, "keyword"},
    {FieldType::kLong, "long"},
    {FieldType::kInteger, "integer"},
    {FieldType::kShort, "short"},
    {FieldType::kByte, "byte"},
    {FieldType::kDouble, "double"},
    {FieldType::kFloat, "float"},
    {FieldType::kHalfFloat, "half_float"},
    {FieldType::kScaledFloat, "scaled_float"},
    {FieldType::kBoolean, "boolean"},
    {FieldType::kDate, "date"},
    {FieldType::kIp, "ip"},
    {FieldType::kGeoPoint, "geo_point"},
};

MappingError Error(std::string type, std::string reason) { return MappingError{std::move(type), std::move(reason)}; }

bool ParseField(const std::string& path, const rapidjson::Value& v, IndexMapping* out, MappingError* error,
                bool lenient);

// `lenient` (index templates written for Elasticsearch): types flowdex does
// not have become their nearest (wildcard, constant_keyword, version ->
// keyword; match_only_text -> text; unsigned_long -> long), fields of types
// with no counterpart (geo_point, flattened, alias, ...) are left to the
// dynamic rules, and unknown parameters are ignored.
bool ParseProperties(const std::string& prefix, const rapidjson::Value& props, IndexMapping* out, MappingError* error,
                     bool lenient) {
  if (!props.IsObject()) {
    *error = Error("mapper_parsing_exception", "Expected map for property [properties] on field [" + prefix + "]");
    return false;
  }
  for (const auto& m : props.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (name.empty()) {
      *error = Error("mapper_parsing_exception", "field name cannot be an empty string");
      return false;
    }
    if (!ParseField(prefix.empty() ? name : prefix + "." + name, m.value, out, error, lenient)) return false;
  }
  return true;
}

// Parses one field's definition (its "type" and parameters) into *field.
// The type flowdex uses for an Elasticsearch type it has no own support for
// ("" when it has no counterpart).
std::string_view NearestType(std::string_view type) {
  if (type == "wildcard" || type == "constant_keyword" || type == "version") return "keyword";
  if (type == "match_only_text") return "text";
  if (type == "unsigned_long") return "long";
  if (type == "date_nanos") return "date";
  return "";
}

bool ParseLeaf(const std::string& path, const rapidjson::Value& v, FieldMapping* field, MappingError* error,
               bool lenient) {
  std::string type_name(v["type"].GetString(), v["type"].GetStringLength());
  const std::string declared = type_name;
  if (!FieldTypeFromName(type_name, &field->type) && !NearestType(type_name).empty()) {
    type_name = std::string(NearestType(type_name));
    field->declared = declared;
  }
  if (!FieldTypeFromName(type_name, &field->type)) {
    *error = Error("mapper_parsing_exception",
                   fmt::format("No handler for type [{}] declared on field [{}]", type_name, path));
    return false;
  }
  for (const auto& m : v.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    auto bad_value = [&] {
      *error = Error("mapper_parsing_exception",
                     fmt::format("Failed to parse mapping: failed to parse parameter [{}] on mapper [{}]", key, path));
      return false;
    };
    if (key == "type") continue;
    if (key == "ignore_above" && field->type == FieldType::kKeyword) {
      if (!m.value.IsInt() || m.value.GetInt() < 0) return bad_value();
      field->ignore_above = m.value.GetInt();
    } else if (key == "format" && field->type == FieldType::kDate) {
      if (!m.value.IsString()) return bad_value();
      field->format = m.value.GetString();
    } else if (key == "scaling_factor" && field->type == FieldType::kScaledFloat) {
      if (!m.value.IsNumber()) return bad_value();
      field->scaling_factor = m.value.GetDouble();
    } else if (key == "index" || key == "doc_values") {
      if (!m.value.IsBool()) return bad_value();
      (key == "index" ? field->index : field->doc_values) = m.value.GetBool();
    } else if (key == "fields") {
      if (!m.value.IsObject()) return bad_value();
      for (const auto& sub : m.value.GetObject()) {
        const std::string sub_name(sub.name.GetString(), sub.name.GetStringLength());
        const std::string sub_path = path + "." + sub_name;
        if (!sub.value.IsObject() || !sub.value.HasMember("type") || !sub.value["type"].IsString()) {
          *error = Error("mapper_parsing_exception", "No type specified for field [" + sub_path + "]");
          return false;
        }
        FieldMapping sub_field;
        MappingError sub_error;
        if (!ParseLeaf(sub_path, sub.value, &sub_field, &sub_error, lenient)) {
          if (lenient) continue;  // a sub-field of an unknown type: left out
          *error = sub_error;
          return false;
        }
        field->fields.emplace(sub_name, sub_field);
      }
    } else if (key == "value" && declared == "constant_keyword") {
      if (!m.value.IsString() && !m.value.IsNumber() && !m.value.IsBool()) return bad_value();
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> cw(buf);
      m.value.Accept(cw);
      field->constant_value.assign(buf.GetString(), buf.GetSize());
    } else if (key == "null_value") {
      if (m.value.IsNull()) continue;
      if (!m.value.IsString() && !m.value.IsNumber() && !m.value.IsBool()) return bad_value();
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> nw(buf);
      m.value.Accept(nw);
      field->null_value.assign(buf.GetString(), buf.GetSize());
    } else if (key == "store" || key == "norms" || key == "copy_to" || key == "analyzer" || key == "search_analyzer" ||
               key == "eager_global_ordinals" || key == "ignore_malformed" || key == "coerce" || key == "meta" ||
               key == "time_series_dimension") {
      // Accepted for compatibility with templates written for Elasticsearch;
      // flowdex does not act on them.
    } else if (!lenient) {
      *error = Error("mapper_parsing_exception",
                     fmt::format("unknown parameter [{}] on mapper [{}] of type [{}]", key, path, type_name));
      return false;
    }
  }
  if (field->type == FieldType::kScaledFloat && field->scaling_factor <= 0) {
    *error = Error("mapper_parsing_exception", "Field [scaling_factor] is required");
    return false;
  }
  return true;
}

bool ParseField(const std::string& path, const rapidjson::Value& v, IndexMapping* out, MappingError* error,
                bool lenient) {
  if (!v.IsObject()) {
    *error = Error("mapper_parsing_exception", "Expected map for property [fields] on field [" + path + "]");
    return false;
  }
  const bool has_type = v.HasMember("type") && v["type"].IsString();
  const std::string_view type = has_type ? std::string_view(v["type"].GetString()) : "";
  if (v.HasMember("properties") || type == "object" || type == "nested") {
    return !v.HasMember("properties") || ParseProperties(path, v["properties"], out, error, lenient);
  }
  if (!has_type) {
    if (lenient) return true;
    *error = Error("mapper_parsing_exception", "No type specified for field [" + path + "]");
    return false;
  }
  FieldMapping field;
  if (!ParseLeaf(path, v, &field, error, lenient)) return lenient;  // lenient: left to the dynamic rules
  return out->Add(path, field, error);
}

void WriteField(rapidjson::Writer<rapidjson::StringBuffer>& w, const FieldMapping& f) {
  w.StartObject();
  w.Key("type");
  const std::string_view type = f.declared.empty() ? FieldTypeName(f.type) : std::string_view(f.declared);
  w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  if (!f.constant_value.empty()) {
    w.Key("value");
    w.RawValue(f.constant_value.data(), f.constant_value.size(), rapidjson::kStringType);
  }
  if (f.ignore_above >= 0) {
    w.Key("ignore_above");
    w.Int(f.ignore_above);
  }
  if (!f.format.empty()) {
    w.Key("format");
    w.String(f.format.c_str());
  }
  if (f.type == FieldType::kScaledFloat) {
    w.Key("scaling_factor");
    w.Double(f.scaling_factor);
  }
  if (!f.null_value.empty()) {
    w.Key("null_value");
    w.RawValue(f.null_value.data(), f.null_value.size(), rapidjson::kStringType);
  }
  if (!f.index) {
    w.Key("index");
    w.Bool(false);
  }
  if (!f.doc_values) {
    w.Key("doc_values");
    w.Bool(false);
  }
  if (!f.fields.empty()) {
    w.Key("fields");
    w.StartObject();
    for (const auto& [name, sub] : f.fields) {
      w.Key(name.c_str());
      WriteField(w, sub);
    }
    w.EndObject();
  }
  w.EndObject();
}

// Fields as a tree of objects, for writing nested "properties".
struct Node {
  std::map<std::string, Node> children;
  const FieldMapping* leaf = nullptr;
};

void WriteProperties(rapidjson::Writer<rapidjson::StringBuffer>& w, const Node& node) {
  w.Key("properties");
  w.StartObject();
  for (const auto& [name, child] : node.children) {
    w.Key(name.c_str());
    if (child.leaf) {
      WriteField(w, *child.leaf);
    } else {
      w.StartObject();
      WriteProperties(w, child);
      w.EndObject();
    }
  }
  w.EndObject();
}

}  // namespace

std::string_view FieldTypeName(FieldType t) {
  for (const TypeName& n : kTypeNames) {
    if (n.type == t) return n.name;
  }
  return "?";
}

bool FieldTypeFromName(std::string_view name, FieldType* out) {
  for (const TypeName& n : kTypeNames) {
    if (n.name == name) return *out = n.type, true;
  }
  return false;  // (types stored as their nearest: NearestType)
}

ColumnType ColumnTypeFor(FieldType t) {
  switch (t) {
    case FieldType::kText: return ColumnType::kText;
    case FieldType::kKeyword: return ColumnType::kKeyword;
    case FieldType::kLong:
    case FieldType::kInteger:
    case FieldType::kShort:
    case FieldType::kByte: return ColumnType::kInt64;
    case FieldType::kDouble:
    case FieldType::kFloat:
    case FieldType::kHalfFloat:
    case FieldType::kScaledFloat: return ColumnType::kDouble;
    case FieldType::kBoolean: return ColumnType::kBool;
    case FieldType::kDate: return ColumnType::kTimestamp;
    case FieldType::kIp: return ColumnType::kIp;
    case FieldType::kGeoPoint: return ColumnType::kKeyword;
  }
  return ColumnType::kKeyword;
}

bool IndexMapping::FromJson(std::string_view json, IndexMapping* out, MappingError* error) {
  return Parse(json, out, error, false);
}

bool IndexMapping::FromTemplateJson(std::string_view json, IndexMapping* out, MappingError* error) {
  return Parse(json, out, error, true);
}

bool IndexMapping::Parse(std::string_view json, IndexMapping* out, MappingError* error, bool lenient) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) {
    *error = Error("mapper_parsing_exception", "Failed to parse mapping: not a JSON object");
    return false;
  }
  IndexMapping m;
  for (const auto& member : d.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    const rapidjson::Value& v = member.value;
    if (key == "properties") {
      if (!ParseProperties("", v, &m, error, lenient)) return false;
    } else if (key == "dynamic") {
      const std::string_view s = v.IsString() ? std::string_view(v.GetString()) : "";
      if ((v.IsBool() && v.GetBool()) || s == "true" || s == "runtime") {
        m.dynamic_ = Dynamic::kTrue;
      } else if ((v.IsBool() && !v.GetBool()) || s == "false") {
        m.dynamic_ = Dynamic::kFalse;
      } else if (s == "strict") {
        m.dynamic_ = Dynamic::kStrict;
      } else {
        *error = Error("mapper_parsing_exception", "Failed to parse mapping: unknown value for [dynamic]");
        return false;
      }
    } else if (key == "date_detection") {
      if (!v.IsBool()) {
        *error = Error("mapper_parsing_exception", "Failed to parse mapping: [date_detection] must be a boolean");
        return false;
      }
      m.date_detection_ = v.GetBool();
    } else if (key == "_source" || key == "_meta" || key == "_routing" || key == "dynamic_templates" ||
               key == "numeric_detection" || key == "dynamic_date_formats" || key == "runtime" ||
               key == "_data_stream_timestamp") {
      // Accepted; flowdex keeps _source always and has no dynamic templates yet.
    } else if (!lenient) {
      *error = Error("mapper_parsing_exception",
                     fmt::format("Root mapping definition has unsupported parameters:  [{} : ...]", key));
      return false;
    }
  }
  *out = std::move(m);
  return true;
}

std::string IndexMapping::ToJson() const {
  Node root;
  for (const auto& [path, field] : fields_) {
    Node* node = &root;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      node = &node->children[path.substr(start, dot == std::string::npos ? std::string::npos : dot - start)];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    node->leaf = &field;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  if (dynamic_ != Dynamic::kTrue) {
    w.Key("dynamic");
    w.String(dynamic_ == Dynamic::kStrict ? "strict" : "false");
  }
  if (!date_detection_) {
    w.Key("date_detection");
    w.Bool(false);
  }
  if (!root.children.empty()) WriteProperties(w, root);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

const FieldMapping* IndexMapping::Find(std::string_view path) const {
  auto it = fields_.find(std::string(path));
  if (it != fields_.end()) return &it->second;
  // A multi-field: "message.keyword" under "message".
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return nullptr;
  it = fields_.find(std::string(path.substr(0, dot)));
  if (it == fields_.end()) return nullptr;
  auto sub = it->second.fields.find(std::string(path.substr(dot + 1)));
  return sub == it->second.fields.end() ? nullptr : &sub->second;
}

bool IndexMapping::IsObject(std::string_view path) const {
  const std::string prefix = std::string(path) + ".";
  auto it = fields_.lower_bound(prefix);
  return it != fields_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

bool IndexMapping::Add(const std::string& path, const FieldMapping& field, MappingError* error) {
  auto it = fields_.find(path);
  if (it != fields_.end()) {
    if (it->second.type != field.type) {
      *error =
          Error("illegal_argument_exception", fmt::format("mapper [{}] cannot be changed from type [{}] to [{}]", path,
                                                          FieldTypeName(it->second.type), FieldTypeName(field.type)));
      return false;
    }
    return true;  // the same field again (parameters of the first definition stay)
  }
  if (IsObject(path)) {
    *error = Error("illegal_argument_exception",
                   fmt::format("can't merge a non object mapping [{}] with an object mapping", path));
    return false;
  }
  for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
    if (fields_.count(path.substr(0, dot))) {
      *error = Error("illegal_argument_exception",
                     fmt::format("can't merge a non object mapping [{}] with an object mapping", path.substr(0, dot)));
      return false;
    }
  }
  fields_.emplace(path, field);
  return true;
}

void IndexMapping::SetConstantValue(const std::string& path, const std::string& json) {
  auto it = fields_.find(path);
  if (it != fields_.end()) it->second.constant_value = json;
}

bool IndexMapping::Merge(const IndexMapping& other, MappingError* error) {
  IndexMapping merged = *this;
  for (const auto& [path, field] : other.fields_) {
    if (!merged.Add(path, field, error)) return false;
  }
  merged.dynamic_ = other.dynamic_;
  merged.date_detection_ = other.date_detection_;
  *this = std::move(merged);
  return true;
}

FieldMapping IndexMapping::DynamicForString(std::string_view value, bool date_detection) {
  FieldMapping f;
  int64_t ms;
  if (date_detection && ParseIsoDate(value, &ms)) {
    f.type = FieldType::kDate;
    if (value.size() >= 5 && value[4] == '/') f.format = "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis";
    return f;
  }
  f.type = FieldType::kText;
  FieldMapping keyword;
  keyword.type = FieldType::kKeyword;
  keyword.ignore_above = 256;
  f.fields.emplace("keyword", keyword);
  return f;
}

FieldMapping IndexMapping::DynamicForLong() {
  FieldMapping f;
  f.type = FieldType::kLong;
  return f;
}

FieldMapping IndexMapping::DynamicForDouble() {
  FieldMapping f;
  f.type = FieldType::kFloat;
  return f;
}

FieldMapping IndexMapping::DynamicForBoolean() {
  FieldMapping f;
  f.type = FieldType::kBoolean;
  return f;
}

}  // namespace flowdex
