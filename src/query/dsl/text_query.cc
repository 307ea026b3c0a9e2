#include "query/dsl/text_query.h"

#include <fmt/format.h>

namespace flowdex {

bool ParseTextQuery(DslContext& dsl, std::string_view type, const rapidjson::Value& body, TextQueryParams* out) {
  return dsl.SingleField(
      type, body, /*allow_options_beside=*/false, ParseError::Kind::kParsing, "No text specified for text query",
      [&](const std::string& field, const rapidjson::Value& v) {
        out->field = field;
        if (!v.IsObject()) return dsl.ParseValue(v, &out->value, type, field);
        bool have_value = false;
        for (const auto& p : v.GetObject()) {
          const std::string_view param(p.name.GetString(), p.name.GetStringLength());
          if (param == "query") {
            if (!dsl.ParseValue(p.value, &out->value, type, param)) return false;
            have_value = true;
          } else if (param == "operator" && type == "match") {
            const std::string op = p.value.IsString() ? p.value.GetString() : "";
            if (op == "and" || op == "AND") {
              out->all_tokens = true;
            } else if (op != "or" && op != "OR") {
              return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[match] unknown operator [{}]", op), param);
            }
          } else if (param == "lenient") {
            if (!p.value.IsBool()) {
              return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] lenient must be true or false", type),
                              param);
            }
            out->lenient = p.value.GetBool();
          } else if (param == "slop" && type == "match_phrase") {
            if (!p.value.IsInt() || p.value.GetInt() < 0) {
              return dsl.Fail(ParseError::Kind::kParsing, "[match_phrase] slop must be a non-negative integer", param);
            }
            out->slop = p.value.GetInt();
          } else if (param == "boost" || param == "_name" || param == "analyzer" || param == "zero_terms_query" ||
                     param == "fuzziness" || param == "slop" || param == "auto_generate_synonyms_phrase_query") {
          } else {
            // The seed's {"match": {"destination_ip": {"exists": true}}} ends here.
            return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] query does not support [{}]", type, param),
                            param);
          }
        }
        if (!have_value) return dsl.Fail(ParseError::Kind::kParsing, "No text specified for text query", field);
        return true;
      });
}

}  // namespace flowdex
