// _terms_enum (Kibana's value suggestions): the field's values that start
// with a string, in lexicographic order, from a terms aggregation over the
// index filter's documents.
#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <re2/re2.h>

#include "api/api_util.h"
#include "api/es_api.h"
#include "api/es_exception.h"
#include "query/response_writer.h"
#include "util/json_util.h"

namespace flowdex {

namespace {

// Values read from the aggregation; past this many the answer says
// "complete": false (Elasticsearch stops at its timeout instead).
constexpr int kMaxValues = 10000;

}  // namespace

RestResponse EsApi::TermsEnum(const RestRequest& req, const std::string& indices) {
  rapidjson::Document body;
  body.Parse(req.body.data(), req.body.size());
  if (req.body.empty() || body.HasParseError() || !body.IsObject()) {
    return ErrorResponse(MakeEsException("parsing_exception", "request body is required"));
  }
  if (!body.HasMember("field") || !body["field"].IsString()) {
    return ErrorResponse(
        MakeEsException("action_request_validation_exception", "Validation Failed: 1: field cannot be null;"));
  }
  const std::string field = body["field"].GetString();
  const std::string prefix = body.HasMember("string") && body["string"].IsString() ? body["string"].GetString() : "";
  const std::string after =
      body.HasMember("search_after") && body["search_after"].IsString() ? body["search_after"].GetString() : "";
  const bool insensitive =
      body.HasMember("case_insensitive") && body["case_insensitive"].IsBool() && body["case_insensitive"].GetBool();
  int size = 10;
  if (body.HasMember("size")) {
    if (!body["size"].IsInt() || body["size"].GetInt() < 1) {
      return ErrorResponse(
          MakeEsException("action_request_validation_exception", "Validation Failed: 1: size cannot be less than 1;"));
    }
    size = body["size"].GetInt();
  }
  // The values, from a terms aggregation in key order (the prefix as an
  // include pattern, so that only candidates are counted).
  std::string query = R"({"match_all":{}})";
  if (body.HasMember("index_filter") && body["index_filter"].IsObject()) query = api::ToJson(body["index_filter"]);
  std::string include;
  if (!prefix.empty()) include = (insensitive ? "(?i)" : "") + RE2::QuoteMeta(prefix) + ".*";
  const std::string search = fmt::format(
      R"({{"size":0,"track_total_hits":false,"query":{},"aggs":{{"t":{{"terms":{{"field":{},"size":{},"order":{{"_key":"asc"}}{}}}}}}}}})",
      query, JsonQuote(field), kMaxValues, include.empty() ? "" : ",\"include\":" + JsonQuote(include));
  RestRequest inner = req;
  inner.params.clear();
  inner.params["ignore_unavailable"] = req.Param("ignore_unavailable", "false");
  SearchRequest sr;
  SearchResponse response;
  RestResponse error;
  std::vector<std::string> terms;
  bool complete = true;
  if (!ExecuteSearch(inner, indices, search, &sr, &response, &error)) {
    // A missing index is an error; a field whose values a terms aggregation
    // cannot read (text) has no terms, as Elasticsearch answers.
    if (error.status == 404 || error.status == 429) return error;
  } else {
    rapidjson::Document out;
    const std::string json = SearchResponseJson(sr, response, 0);
    out.Parse(json.data(), json.size());
    if (out.IsObject() && out.HasMember("aggregations")) {
      const auto& buckets = out["aggregations"]["t"]["buckets"];
      complete = buckets.Size() < static_cast<rapidjson::SizeType>(kMaxValues);
      for (const auto& b : buckets.GetArray()) {
        std::string key;
        if (b["key"].IsString()) {
          key = b["key"].GetString();
        } else if (b.HasMember("key_as_string")) {
          key = b["key_as_string"].GetString();
        } else {
          key = api::ToJson(b["key"]);
        }
        if (!after.empty() && key <= after) continue;
        terms.push_back(std::move(key));
      }
      std::sort(terms.begin(), terms.end());
      if (terms.size() > static_cast<size_t>(size)) {
        terms.resize(static_cast<size_t>(size));
      }
    }
  }
  rapidjson::StringBuffer buf;
  api::JsonWriter w(buf);
  w.StartObject();
  w.Key("_shards");
  w.StartObject();
  w.Key("total");
  w.Int(1);
  w.Key("successful");
  w.Int(1);
  w.Key("failed");
  w.Int(0);
  w.EndObject();
  w.Key("terms");
  w.StartArray();
  for (const std::string& t : terms) w.String(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
  w.EndArray();
  w.Key("complete");
  w.Bool(complete);
  w.EndObject();
  return api::Json(buf);
}

}  // namespace flowdex
