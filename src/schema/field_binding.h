// FieldBinding: what a field name means in one index, resolved once per
// request: its Elasticsearch type (how values compare, what a query value
// means) and where its values come from (which stored columns, and how they
// are derived). The query layer lowers queries, aggregations and sorts
// through it, so a derived field behaves like a stored one of its type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/column_type.h"
#include "store/mapping.h"

namespace flowdex {

// How a field's values are made from stored columns.
enum class FieldSource : uint8_t {
  kColumn,       // the stored column itself; with several columns, every value of each (related.ip)
  kDecimalText,  // keyword: the decimal text of an integer column (network.iana_number "6")
  kAddressText,  // keyword: the text of an address column (source.address "10.0.0.5")
  kEnumerated,   // keyword with a closed set of values, each a condition on one column (event.outcome)
  kCommunityId,  // keyword computed from the 5-tuple columns per row (network.community_id)
  kFact,         // one fact of an address's enrichment facts column (source.geo.country_iso_code)
};

// One value of an enumerated field and the rows that have it: those whose
// column satisfies `when`.
struct EnumeratedValue {
  enum class When : uint8_t {
    kAlways,         // every row (constants: cloud.provider; event.type "connection")
    kKeywordEquals,  // the keyword column holds `keyword`
    kIntegerEquals,  // the integer column holds `integer`
    kBitSet,         // the integer column has bit mask `integer` set
    kIpFamily,       // the address column holds an address of family `integer` (4 or 6)
  };
  std::string_view value;
  When when = When::kAlways;
  std::string_view keyword;
  uint64_t integer = 0;

  static EnumeratedValue Always(std::string_view v) { return {v, When::kAlways, {}, 0}; }
  static EnumeratedValue KeywordEquals(std::string_view v, std::string_view k) {
    return {v, When::kKeywordEquals, k, 0};
  }
  static EnumeratedValue IntegerEquals(std::string_view v, uint64_t n) { return {v, When::kIntegerEquals, {}, n}; }
  static EnumeratedValue BitSet(std::string_view v, uint64_t mask) { return {v, When::kBitSet, {}, mask}; }
  static EnumeratedValue IpFamily(std::string_view v, int family) {
    return {v, When::kIpFamily, {}, static_cast<uint64_t>(family)};
  }
};

struct EnumeratedField {
  std::vector<EnumeratedValue> values;  // a row has every value whose condition it meets
};

struct FieldBinding {
  std::string name;
  bool known = false;                    // false: unmapped here (queries on it match nothing)
  FieldType type = FieldType::kKeyword;  // the Elasticsearch type users see
  FieldSource source = FieldSource::kColumn;
  std::vector<std::string> columns;               // stored columns read (kCommunityId: src, dst, sport, dport, proto)
  ColumnType column_type = ColumnType::kKeyword;  // of columns[0] as this index writes it
  const EnumeratedField* enumerated = nullptr;    // kEnumerated
  // A column whose value on a row hides this field there (event.end is
  // @timestamp only where the record had an end: _flowdex.no_end unset).
  std::string hidden_by;
  std::string date_format;  // dates: the mapping's format ("": strict_date_optional_time||epoch_millis)
  int ignore_above = -1;    // keywords: longer values are not indexed
  int fact = -1;            // kFact: which FactField of the facts column

  // A field whose values are the stored column's as they are (no
  // derivation, one column, nothing hiding them).
  bool IsPlainColumn() const {
    return known && source == FieldSource::kColumn && columns.size() == 1 && hidden_by.empty();
  }
};

}  // namespace flowdex
