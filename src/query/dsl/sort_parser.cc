#include "query/dsl/sort_parser.h"

#include <fmt/format.h>

namespace flowdex {

bool ParseSort(DslContext& dsl, const rapidjson::Value& v, std::vector<SortKey>* out) {
  using rapidjson::Value;
  const auto add = [&](const Value& s) -> bool {
    SortKey k;
    if (s.IsString()) {
      k.field = s.GetString();
      k.descending = k.field == "_score";
    } else if (s.IsObject() && s.MemberCount() == 1) {
      k.field = s.MemberBegin()->name.GetString();
      k.descending = k.field == "_score";
      const Value& o = s.MemberBegin()->value;
      std::string order = o.IsString() ? o.GetString() : "";
      if (o.IsObject()) {
        for (const auto& p : o.GetObject()) {
          const std::string pk = p.name.GetString();
          if (pk == "order" && p.value.IsString()) {
            order = p.value.GetString();
          } else if (pk == "missing" && p.value.IsString()) {
            const std::string missing = p.value.GetString();
            if (missing != "_first" && missing != "_last") {
              return dsl.Fail(ParseError::Kind::kIllegalArgument,
                              "Unsupported [missing] value [" + missing + "]: use _first or _last", "missing");
            }
            k.missing_first = missing == "_first";
          } else if (pk == "unmapped_type") {
            k.unmapped_ok = true;
          } else if (pk == "mode" || pk == "format" || pk == "numeric_type") {
          } else {
            return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[field_sort] unknown field [{}]", pk), pk);
          }
        }
      }
      if (order == "desc") {
        k.descending = true;
      } else if (order == "asc") {
        k.descending = false;
      } else if (!order.empty()) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument, "Unknown SortOrder [" + order + "]", "sort");
      }
    } else {
      return dsl.Fail(ParseError::Kind::kParsing,
                      "malformed sort format, within the sort array, an object, or an actual "
                      "string are allowed",
                      "sort");
    }
    out->push_back(k);
    return true;
  };
  if (v.IsArray()) {
    for (const Value& s : v.GetArray()) {
      if (!add(s)) return false;
    }
    return true;
  }
  return add(v);
}

}  // namespace flowdex
