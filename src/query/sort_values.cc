#include "query/sort_values.h"

#include <cstring>

namespace flowdex {

int CompareSortValues(const SortValue& a, const SortValue& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch (a.kind) {
    case SortValue::Kind::kMissing: return 0;
    case SortValue::Kind::kInteger:
      if (a.integer != b.integer) return a.integer < b.integer ? -1 : 1;
      // Only unsigned values past INT64_MAX (clamped there) differ further.
      if (a.integer != INT64_MAX) return 0;
      return a.unsigned_integer < b.unsigned_integer ? -1 : a.unsigned_integer > b.unsigned_integer;
    case SortValue::Kind::kDouble: return a.number < b.number ? -1 : a.number > b.number;
    case SortValue::Kind::kString:
      if (a.is_ip && b.is_ip) return a.ip_key < b.ip_key ? -1 : a.ip_key > b.ip_key;  // address order
      return a.text.compare(b.text) < 0 ? -1 : a.text != b.text;
  }
  return 0;
}

}  // namespace flowdex
