// Sort keys and sort values: what a hit is ordered by (the search's "sort",
// top_hits' "sort"). Reading them from a segment: sort_value_reader.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace flowdex {

struct SortKey {
  std::string field;  // a field, "_doc" (index order) or "_score"
  bool descending = false;
  bool missing_first = false;  // Elasticsearch puts missing values last, both ways
  bool unmapped_ok = false;    // unmapped_type given: a field no index maps sorts as missing
};

// A sort value of a hit: what the response's "sort" array shows.
struct SortValue {
  enum class Kind : uint8_t { kMissing, kInteger, kDouble, kString } kind = Kind::kMissing;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;  // integer columns wider than int64 keep their bits here
  double number = 0;
  std::string text;
  bool is_ip = false;  // text is an address: order by ip_key
  std::array<uint8_t, 16> ip_key{};
};

// <0, 0, >0 as a sorts before, with, after b (values of one field; kinds
// compare by kind first).
int CompareSortValues(const SortValue& a, const SortValue& b);

}  // namespace flowdex
