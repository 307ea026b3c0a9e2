// The shape term, prefix, wildcard and regexp share:
// {"<field>": value} or {"<field>": {"value": v, "case_insensitive": b, ...}}.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "query/dsl/dsl_context.h"

namespace flowdex {

struct FieldValueParams {
  std::string field;
  QueryValue value;
  bool case_insensitive = false;
};

// Reads that shape for query `type`. `value_keys` name the parameter holding
// the value ("value"; wildcard also takes "wildcard"); `ignored` lists
// parameters accepted and ignored (boost, _name and rewrite always are).
bool ParseFieldValueQuery(DslContext& dsl, std::string_view type, const rapidjson::Value& body,
                          std::initializer_list<std::string_view> value_keys,
                          std::initializer_list<std::string_view> ignored, FieldValueParams* out);

}  // namespace flowdex
