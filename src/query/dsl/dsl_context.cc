#include "query/dsl/dsl_context.h"

#include <fmt/format.h>

#include "query/dsl/query_registry.h"
#include "util/time_util.h"

namespace flowdex {

bool DslContext::Fail(ParseError::Kind kind, std::string reason, std::string_view near_key) {
  error_->kind = kind;
  error_->reason = std::move(reason);
  size_t at = std::string_view::npos;
  if (!near_key.empty()) at = body_.find("\"" + std::string(near_key) + "\"");
  if (at == std::string_view::npos) at = 0;
  error_->line = 1;
  error_->col = 1;
  for (size_t i = 0; i < at; ++i) {
    if (body_[i] == '\n') {
      ++error_->line;
      error_->col = 1;
    } else {
      ++error_->col;
    }
  }
  return false;
}

bool DslContext::ReadTimeValue(std::string_view text, int64_t* ms) {
  return !text.empty() && text.back() != 'w' && ParseDuration(text, ms).ok();
}

const char* DslContext::TokenName(const Value& v) {
  if (v.IsObject()) return "START_OBJECT";
  if (v.IsArray()) return "START_ARRAY";
  if (v.IsString()) return "VALUE_STRING";
  if (v.IsNumber()) return "VALUE_NUMBER";
  if (v.IsBool()) return "VALUE_BOOLEAN";
  return "VALUE_NULL";
}

bool DslContext::ParseValue(const Value& v, QueryValue* out, std::string_view query, std::string_view key) {
  if (v.IsString()) {
    *out = QueryValue::String(std::string(v.GetString(), v.GetStringLength()));
  } else if (v.IsInt64()) {
    *out = QueryValue::Integer(v.GetInt64());
  } else if (v.IsNumber()) {
    *out = QueryValue::Double(v.GetDouble());
  } else if (v.IsBool()) {
    *out = QueryValue::Bool(v.GetBool());
  } else {
    return Fail(ParseError::Kind::kParsing, fmt::format("[{}] unknown token [{}] after [{}]", query, TokenName(v), key),
                key);
  }
  return true;
}

bool DslContext::Enter(std::string_view what) {
  if (++depth_ > kMaxQueryDepth) {
    return Fail(ParseError::Kind::kParsing, fmt::format("{} nested deeper than {} levels", what, kMaxQueryDepth));
  }
  return true;
}

bool DslContext::ParseQuery(const Value& v, Query* out) {
  DepthScope scope(this);
  if (!Enter("query")) return false;
  if (!v.IsObject()) {
    return Fail(ParseError::Kind::kParsing, "[_na] query malformed, must start with start_object");
  }
  if (v.MemberCount() == 0) return Fail(ParseError::Kind::kParsing, "query malformed, empty clause found");
  if (v.MemberCount() > 1) {
    auto second = v.MemberBegin() + 1;
    return Fail(ParseError::Kind::kParsing,
                fmt::format("[{}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]",
                            v.MemberBegin()->name.GetString()),
                second->name.GetString());
  }
  const std::string_view type(v.MemberBegin()->name.GetString(), v.MemberBegin()->name.GetStringLength());
  const QueryParseFn parse = FindQueryParser(type);
  if (parse == nullptr) return Fail(ParseError::Kind::kParsing, fmt::format("unknown query [{}]", type), type);
  return parse(*this, v.MemberBegin()->value, out);
}

bool DslContext::ParseClauses(const Value& v, std::vector<Query>* out) {
  if (v.IsArray()) {
    for (const Value& c : v.GetArray()) {
      out->emplace_back();
      if (!ParseQuery(c, &out->back())) return false;
    }
    return true;
  }
  out->emplace_back();
  return ParseQuery(v, &out->back());
}

bool DslContext::ReadFieldList(const Value& v, std::string_view query, std::vector<std::string>* out) {
  if (v.IsString()) {
    out->push_back(v.GetString());
    return true;
  }
  if (!v.IsArray()) {
    return Fail(ParseError::Kind::kParsing, fmt::format("[{}] query does not support [fields]", query), "fields");
  }
  for (const Value& f : v.GetArray()) {
    if (!f.IsString())
      return Fail(ParseError::Kind::kParsing, fmt::format("[{}] fields must be strings", query), "fields");
    std::string name = f.GetString();
    if (const size_t caret = name.find('^'); caret != std::string::npos) name.resize(caret);
    out->push_back(name);
  }
  return true;
}

bool DslContext::ExpectObject(std::string_view type, const Value& body) {
  if (body.IsObject()) return true;
  return Fail(ParseError::Kind::kParsing, fmt::format("[{}] query malformed, no start_object after query name", type),
              type);
}

bool DslContext::MultipleFields(std::string_view type, const std::string& first, std::string_view second) {
  return Fail(ParseError::Kind::kParsing,
              fmt::format("[{}] query doesn't support multiple fields, found [{}] and [{}]", type, first, second),
              second);
}

}  // namespace flowdex
