// {"bool": {"must", "filter", "should", "must_not", "minimum_should_match"}}.
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "query/dsl/query_registry.h"

namespace flowdex {

namespace {

// minimum_should_match as Elasticsearch reads it: a count, a negative count
// (all but), a percentage (rounded down), for `should_count` clauses.
bool ReadMinimumShouldMatch(DslContext& dsl, const rapidjson::Value& msm, int should_count, int* out) {
  if (msm.IsInt()) {
    *out = msm.GetInt() < 0 ? std::max(0, should_count + msm.GetInt()) : msm.GetInt();
    return true;
  }
  if (!msm.IsString()) {
    return dsl.Fail(ParseError::Kind::kParsing, "[bool] minimum_should_match must be a number or a string",
                    "minimum_should_match");
  }
  std::string s = msm.GetString();
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size()) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument,
                    fmt::format("Unsupported minimum_should_match [{}]", msm.GetString()), "minimum_should_match");
  }
  int count = percent ? static_cast<int>(should_count * std::labs(v) / 100) : static_cast<int>(std::labs(v));
  if (v < 0) count = should_count - count;
  *out = std::max(0, count);
  return true;
}

}  // namespace

bool ParseBoolQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  if (!dsl.ExpectObject("bool", body)) return false;
  BoolQuery q;
  const rapidjson::Value* pending_msm = nullptr;  // applied once every should clause is known
  for (const auto& m : body.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "must") {
      if (!dsl.ParseClauses(m.value, &q.must)) return false;
    } else if (key == "filter") {
      if (!dsl.ParseClauses(m.value, &q.filter)) return false;
    } else if (key == "should") {
      if (!dsl.ParseClauses(m.value, &q.should)) return false;
    } else if (key == "must_not" || key == "mustNot") {
      if (!dsl.ParseClauses(m.value, &q.must_not)) return false;
    } else if (key == "minimum_should_match") {
      pending_msm = &m.value;
    } else if (key == "boost" || key == "_name" || key == "adjust_pure_negative") {
    } else {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[bool] query does not support [{}]", key), key);
    }
  }
  if (pending_msm != nullptr &&
      !ReadMinimumShouldMatch(dsl, *pending_msm, static_cast<int>(q.should.size()), &q.minimum_should_match)) {
    return false;
  }
  *out = std::move(q);
  return true;
}

}  // namespace flowdex
