#include "query/dsl/field_value_query.h"

#include <algorithm>

#include <fmt/format.h>

namespace flowdex {

namespace {

bool In(std::initializer_list<std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

}  // namespace

bool ParseFieldValueQuery(DslContext& dsl, std::string_view type, const rapidjson::Value& body,
                          std::initializer_list<std::string_view> value_keys,
                          std::initializer_list<std::string_view> ignored, FieldValueParams* out) {
  return dsl.SingleField(
      type, body, /*allow_options_beside=*/true, ParseError::Kind::kIllegalArgument,
      fmt::format("[{}] requires a field name", type), [&](const std::string& field, const rapidjson::Value& v) {
        out->field = field;
        if (!v.IsObject()) return dsl.ParseValue(v, &out->value, type, field);
        bool have_value = false;
        for (const auto& p : v.GetObject()) {
          const std::string_view param(p.name.GetString(), p.name.GetStringLength());
          if (In(value_keys, param)) {
            if (!dsl.ParseValue(p.value, &out->value, type, param)) return false;
            have_value = true;
          } else if (param == "case_insensitive" && p.value.IsBool()) {
            out->case_insensitive = p.value.GetBool();
          } else if (param == "boost" || param == "_name" || param == "rewrite" || In(ignored, param)) {
          } else {
            return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] query does not support [{}]", type, param),
                            param);
          }
        }
        if (!have_value) {
          return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] requires a value for [{}]", type, field),
                          field);
        }
        return true;
      });
}

}  // namespace flowdex
