// A sort value as the response's "sort" arrays show it (search hits and
// top_hits alike).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "query/sort_values.h"

namespace flowdex {

inline void WriteSortValueJson(rapidjson::Writer<rapidjson::StringBuffer>& w, const SortValue& v) {
  switch (v.kind) {
    case SortValue::Kind::kMissing: w.Null(); break;
    case SortValue::Kind::kInteger:
      if (v.unsigned_integer > static_cast<uint64_t>(INT64_MAX)) {
        w.Uint64(v.unsigned_integer);
      } else {
        w.Int64(v.integer);
      }
      break;
    case SortValue::Kind::kDouble: w.Double(v.number); break;
    case SortValue::Kind::kString: w.String(v.text.data(), static_cast<rapidjson::SizeType>(v.text.size())); break;
  }
}

}  // namespace flowdex
