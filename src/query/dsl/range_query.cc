// {"range": {"<field>": {"gte": a, "lt": b, "format": ..., "time_zone": ...}}}.
#include <fmt/format.h>

#include "query/date_math.h"
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseRangeQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  RangeQuery q;
  const bool ok = dsl.SingleField(
      "range", body, /*allow_options_beside=*/false, ParseError::Kind::kParsing, "[range] query requires a field",
      [&](const std::string& field, const rapidjson::Value& v) {
        q.field = field;
        if (!v.IsObject()) {
          return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[range] query does not support [{}]", field), field);
        }
        for (const auto& p : v.GetObject()) {
          const std::string_view param(p.name.GetString(), p.name.GetStringLength());
          std::optional<QueryValue>* slot = param == "gt"                       ? &q.gt
                                            : param == "gte" || param == "from" ? &q.gte
                                            : param == "lt"                     ? &q.lt
                                            : param == "lte" || param == "to"   ? &q.lte
                                                                                : nullptr;
          if (slot != nullptr) {
            if (p.value.IsNull()) continue;  // an open end
            QueryValue value;
            if (!dsl.ParseValue(p.value, &value, "range", param)) return false;
            *slot = std::move(value);
          } else if ((param == "format" || param == "time_zone") && p.value.IsString()) {
            // Checked here, so that a bad one is an error wherever the field is.
            const std::string text = p.value.GetString();
            Status st;
            if (param == "format") {
              DateFormat f;
              st = DateFormat::Parse(text, &f);
              q.format = text;
            } else {
              TimeZone tz;
              st = TimeZone::Parse(text, &tz);
              q.time_zone = text;
            }
            if (!st.ok()) return dsl.Fail(ParseError::Kind::kIllegalArgument, std::string(st.message()), param);
          } else if (param == "boost" || param == "_name" || param == "relation") {
          } else {
            return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[range] query does not support [{}]", param),
                            param);
          }
        }
        return true;
      });
  if (!ok) return false;
  *out = std::move(q);
  return true;
}

}  // namespace flowdex
