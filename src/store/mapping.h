// IndexMapping: the field types of an index, in Elasticsearch's sense, with
// its dynamic mapping rules (new fields get a type from their first value:
// string -> text with a .keyword sub-field (ignore_above 256) or date when it
// looks like one, integer -> long, other number -> float, boolean ->
// boolean, object -> its fields under dotted names) and explicit mappings
// (`{"properties": {...}}`). Fields are kept flat, by dotted path, as
// Elasticsearch treats "a.b" and {"a": {"b": ...}} alike.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/column_type.h"
#include "util/status.h"

namespace flowdex {

enum class FieldType : uint8_t {
  kText,
  kKeyword,
  kLong,
  kInteger,
  kShort,
  kByte,
  kDouble,
  kFloat,
  kHalfFloat,
  kScaledFloat,
  kBoolean,
  kDate,
  kIp,
  kGeoPoint,  // stored as the keyword "lat,lon" (shortest decimal text of each)
};

std::string_view FieldTypeName(FieldType t);
bool FieldTypeFromName(std::string_view name, FieldType* out);
// The column type a field of this type is stored in.
ColumnType ColumnTypeFor(FieldType t);

struct FieldMapping {
  FieldType type = FieldType::kKeyword;
  // The Elasticsearch type as declared when flowdex stores it as `type`, its
  // nearest (constant_keyword, wildcard and version as keyword,
  // match_only_text as text, date_nanos as date, unsigned_long as long); ""
  // when `type` is what was declared. GET _mapping and _field_caps show it.
  std::string declared;
  // constant_keyword: its value (JSON text of a scalar; "" until the mapping
  // or the first document gives one). Every document of the index has it.
  std::string constant_value;
  int ignore_above = -1;      // keyword: longer strings are kept in _source but not indexed
  std::string format;         // date: as given (empty: strict_date_optional_time||epoch_millis)
  double scaling_factor = 0;  // scaled_float
  bool index = true;
  bool doc_values = true;
  // null_value: what an explicit null is indexed as (JSON text of a scalar,
  // "" for none); _source keeps the null.
  std::string null_value;
  // Multi-fields: a text field's "keyword" sub-field, for example.
  std::map<std::string, FieldMapping> fields;

  bool operator==(const FieldMapping& o) const = default;
};

// An Elasticsearch-style error: its type (mapper_parsing_exception, ...) and reason.
struct MappingError {
  std::string type;
  std::string reason;
};

class IndexMapping {
 public:
  enum class Dynamic : uint8_t { kTrue, kFalse, kStrict };

  // Parses the "mappings" object of a create-index request or of _mapping.
  static bool FromJson(std::string_view json, IndexMapping* out, MappingError* error);
  // The same for the mappings of an index template written for
  // Elasticsearch: types flowdex lacks become their nearest or are left to
  // the dynamic rules, unknown parameters are ignored. Fails only on JSON
  // that is not a mapping at all.
  static bool FromTemplateJson(std::string_view json, IndexMapping* out, MappingError* error);
  // The "mappings" object as GET _mapping shows it (nested "properties").
  std::string ToJson() const;

  // The mapping of the leaf field at `path` ("a.b"), or of a multi-field
  // ("message.keyword"); nullptr when unmapped.
  const FieldMapping* Find(std::string_view path) const;
  // True when `path` is mapped as an object (a prefix of some field).
  bool IsObject(std::string_view path) const;

  // Adds (or checks) a field. Adding a field that exists with another type,
  // or under a path that is a leaf, is a conflict (illegal_argument_exception).
  bool Add(const std::string& path, const FieldMapping& field, MappingError* error);
  // Gives the constant_keyword field at `path` its value (JSON text), as the
  // first document with one does when the mapping named none.
  void SetConstantValue(const std::string& path, const std::string& json);
  // Merges another mapping's fields into this one (all or nothing).
  bool Merge(const IndexMapping& other, MappingError* error);

  // The mapping a new field gets from its first value under the dynamic rules.
  static FieldMapping DynamicForString(std::string_view value, bool date_detection);
  static FieldMapping DynamicForLong();
  static FieldMapping DynamicForDouble();
  static FieldMapping DynamicForBoolean();

  Dynamic dynamic() const { return dynamic_; }
  bool date_detection() const { return date_detection_; }
  const std::map<std::string, FieldMapping>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  static bool Parse(std::string_view json, IndexMapping* out, MappingError* error, bool lenient);
  std::map<std::string, FieldMapping> fields_;  // leaf fields by dotted path
  Dynamic dynamic_ = Dynamic::kTrue;
  bool date_detection_ = true;
};

}  // namespace flowdex
