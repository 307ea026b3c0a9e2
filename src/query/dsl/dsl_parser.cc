#include "query/dsl/dsl_parser.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fmt/format.h>

#include "query/dsl/agg_parser.h"
#include "query/dsl/dsl_context.h"
#include "query/dsl/sort_parser.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using Value = rapidjson::Value;

bool ReadCount(DslContext& dsl, const Value& v, const char* name, uint64_t* out) {
  if (!v.IsInt64()) return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] must be a number", name), name);
  if (v.GetInt64() < 0) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument, fmt::format("[{}] parameter cannot be negative", name), name);
  }
  *out = static_cast<uint64_t>(v.GetInt64());
  return true;
}

// "_source": true/false, "pattern", ["a", "b.*"], or {"includes": [...], "excludes": [...]}.
bool ParseSourceFilter(DslContext& dsl, const Value& v, SearchRequest* request) {
  auto strings = [&](const Value& list, std::vector<std::string>* out) {
    if (list.IsString()) {
      out->push_back(list.GetString());
      return true;
    }
    if (!list.IsArray())
      return dsl.Fail(ParseError::Kind::kParsing, "Expected one of [VALUE_STRING, START_ARRAY] in [_source]",
                      "_source");
    for (const Value& e : list.GetArray()) {
      if (!e.IsString())
        return dsl.Fail(ParseError::Kind::kParsing, "Unknown key for a VALUE_NUMBER in [_source].", "_source");
      out->push_back(e.GetString());
    }
    return true;
  };
  if (v.IsBool()) {
    request->fetch_source = v.GetBool();
    return true;
  }
  if (v.IsString() || v.IsArray()) return strings(v, &request->source_includes);
  if (!v.IsObject())
    return dsl.Fail(ParseError::Kind::kParsing, "Unknown key for a VALUE_NULL in [_source].", "_source");
  for (const auto& m : v.GetObject()) {
    const std::string key = m.name.GetString();
    if (key == "includes" || key == "include") {
      if (!strings(m.value, &request->source_includes)) return false;
    } else if (key == "excludes" || key == "exclude") {
      if (!strings(m.value, &request->source_excludes)) return false;
    } else {
      return dsl.Fail(ParseError::Kind::kParsing, "Unknown key for a START_ARRAY in [" + key + "].", key);
    }
  }
  return true;
}

// "500ms", "30s", "1m", or a bare number of milliseconds.
bool ReadTimeout(const std::string& text, int64_t* ms) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
    return ParseDuration(text + "ms", ms).ok();
  return DslContext::ReadTimeValue(text, ms);
}

}  // namespace

bool ParseSearchBody(std::string_view body, SearchRequest* request, ParseError* error) {
  DslContext dsl(body, error);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  rapidjson::Document d;
  // Iterative: a deeply nested body cannot exhaust the stack.
  d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (d.HasParseError()) {
    error->kind = ParseError::Kind::kMalformedJson;
    const size_t offset = d.GetErrorOffset();
    error->line = 1;
    error->col = 1;
    for (size_t i = 0; i < offset && i < body.size(); ++i) {
      if (body[i] == '\n') {
        ++error->line;
        error->col = 1;
      } else {
        ++error->col;
      }
    }
    error->reason = fmt::format("[{}:{}] Unexpected character: {}", error->line, error->col,
                                rapidjson::GetParseError_En(d.GetParseError()));
    return false;
  }
  if (!d.IsObject())
    return dsl.Fail(ParseError::Kind::kParsing,
                    "Expected [START_OBJECT] but found [" + std::string(DslContext::TokenName(d)) + "]");
  if (request->now_ms == 0) request->now_ms = CurrentTimeMillis();
  dsl.set_now(request->now_ms);
  for (const auto& m : d.GetObject()) {
    const std::string key = m.name.GetString();
    const Value& v = m.value;
    if (key == "query") {
      if (!dsl.ParseQuery(v, &request->query)) return false;
    } else if (key == "from") {
      if (!ReadCount(dsl, v, "from", &request->from)) return false;
    } else if (key == "size") {
      if (!ReadCount(dsl, v, "size", &request->size)) return false;
    } else if (key == "track_total_hits") {
      request->track_total_hits_given = true;
      if (v.IsBool()) {
        request->track_total_hits = v.GetBool() ? -1 : 0;
      } else if (v.IsInt64() && v.GetInt64() >= -1) {
        request->track_total_hits = v.GetInt64();
      } else {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        "[track_total_hits] parameter must be positive or equals to -1, got " +
                            std::to_string(v.IsInt64() ? v.GetInt64() : 0),
                        key);
      }
    } else if (key == "_source") {
      if (!ParseSourceFilter(dsl, v, request)) return false;
    } else if (key == "search_after") {
      if (!v.IsArray()) return dsl.Fail(ParseError::Kind::kParsing, "[search_after] must be an array", key);
      for (const Value& e : v.GetArray()) {
        QueryValue qv;
        if (e.IsNull()) {
          qv.kind = QueryValue::Kind::kString;
          request->search_after_null.push_back(true);
        } else {
          if (!dsl.ParseValue(e, &qv, "search_after", key)) return false;
          request->search_after_null.push_back(false);
        }
        request->search_after.push_back(qv);
      }
    } else if (key == "fields" || key == "docvalue_fields") {
      if (!v.IsArray()) return dsl.Fail(ParseError::Kind::kParsing, "[" + key + "] must be an array", key);
      for (const Value& e : v.GetArray()) {
        if (e.IsString()) {
          request->fields.push_back(e.GetString());
        } else if (e.IsObject() && e.HasMember("field") && e["field"].IsString()) {
          request->fields.push_back(e["field"].GetString());
        } else {
          return dsl.Fail(ParseError::Kind::kParsing, "[" + key + "] entries must be strings or {\"field\": ...}", key);
        }
      }
    } else if (key == "timeout") {
      int64_t ms = 0;
      if (!v.IsString() || !ReadTimeout(v.GetString(), &ms)) {
        return dsl.Fail(
            ParseError::Kind::kParsing,
            fmt::format("failed to parse setting [timeout] with value [{}] as a time value: unit is missing "
                        "or unrecognized",
                        v.IsString() ? v.GetString() : "?"),
            key);
      }
      request->timeout_ms = ms;
    } else if (key == "terminate_after") {
      if (!ReadCount(dsl, v, "terminate_after", &request->terminate_after)) return false;
    } else if (key == "sort") {
      if (!ParseSort(dsl, v, &request->sort)) return false;
    } else if (key == "aggs" || key == "aggregations") {
      if (!ParseAggs(dsl, v, &request->aggs, nullptr)) return false;
    } else if ((key == "version" || key == "seq_no_primary_term") && v.IsBool()) {
      (key == "version" ? request->version : request->seq_no_primary_term) = v.GetBool();
    } else if (key == "track_scores" || key == "version" || key == "seq_no_primary_term" || key == "stored_fields" ||
               key == "explain" || key == "highlight" || key == "indices_boost" || key == "min_score" ||
               key == "profile") {
      // Accepted; flowdex answers within its own limits (no highlighting:
      // clients such as Grafana show hits without it).
    } else if ((key == "script_fields" || key == "runtime_mappings") && v.IsObject() && v.MemberCount() == 0) {
      // Kibana and Grafana send these empty.
    } else if (key == "script_fields" || key == "runtime_mappings") {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      fmt::format("[{}] is not supported: flowdex runs no scripts", key), key);
    } else {
      return dsl.Fail(ParseError::Kind::kParsing,
                      fmt::format("Unknown key for a {} in [{}].", DslContext::TokenName(v), key), key);
    }
  }
  if (!request->search_after.empty()) {
    if (request->from > 0) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      "[from] parameter must be set to 0 when [search_after] is used", "from");
    }
    if (request->sort.empty() || request->search_after.size() != request->sort.size()) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      fmt::format("search_after has {} value(s) but sort has {}.", request->search_after.size(),
                                  request->sort.size()),
                      "search_after");
    }
  }
  if (!CheckResultWindow(*request, error)) {
    error->line = error->col = 0;
    return false;
  }
  return true;
}

bool CheckResultWindow(const SearchRequest& request, ParseError* error) {
  if (request.from + request.size <= kMaxResultWindow && request.from <= kMaxResultWindow) return true;
  error->kind = ParseError::Kind::kIllegalArgument;
  error->reason = fmt::format(
      "Result window is too large, from + size must be less than or equal to: [{}] but was [{}]. See the scroll api "
      "for a more efficient way to request large data sets. This limit can be set by changing the "
      "[index.max_result_window] index level setting.",
      kMaxResultWindow, request.from + request.size);
  return false;
}

}  // namespace flowdex
