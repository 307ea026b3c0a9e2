// _delete_by_query: the matching documents' ids, page by page (search_after
// on _doc), each page deleted with one bulk of delete actions; the answer
// in Elasticsearch's shape. Scripts and slicing are not supported.
#include <chrono>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/api_util.h"
#include "api/es_api.h"
#include "api/es_exception.h"
#include "query/response_writer.h"
#include "util/json_util.h"

namespace flowdex {

RestResponse EsApi::DeleteByQuery(const RestRequest& req, const std::string& indices) {
  const auto t0 = std::chrono::steady_clock::now();
  rapidjson::Document body;
  if (!req.body.empty()) {
    body.Parse(req.body.data(), req.body.size());
    if (body.HasParseError() || !body.IsObject()) {
      return ErrorResponse(MakeEsException("parsing_exception", "request body is not valid JSON"));
    }
  } else {
    body.SetObject();
  }
  if (!body.HasMember("query") && !req.HasParam("q")) {
    return ErrorResponse(
        MakeEsException("action_request_validation_exception", "Validation Failed: 1: query is missing;"));
  }
  if (body.HasMember("script") || body.HasMember("slice")) {
    return ErrorResponse(MakeEsException("illegal_argument_exception",
                                         "flowdex does not support [script] or [slice] in _delete_by_query"));
  }
  uint64_t max_docs = UINT64_MAX;
  if (body.HasMember("max_docs") && body["max_docs"].IsUint64()) max_docs = body["max_docs"].GetUint64();
  if (req.HasParam("max_docs")) max_docs = std::strtoull(req.Param("max_docs").c_str(), nullptr, 10);
  const std::string query = body.HasMember("query") ? api::ToJson(body["query"]) : "";
  constexpr uint64_t kPage = 1000;
  uint64_t total = 0, deleted = 0, batches = 0;
  std::string after;
  std::vector<std::string> failures;
  for (;;) {
    const uint64_t want = std::min<uint64_t>(kPage, max_docs - total);
    if (want == 0) break;
    // The next page of matching ids (the request's q= and index options apply).
    const std::string search =
        fmt::format(R"({{"size":{},"_source":false,"track_total_hits":false,"sort":["_doc"]{}{}}})", want,
                    query.empty() ? "" : ",\"query\":" + query, after.empty() ? "" : ",\"search_after\":" + after);
    // The paging is ours: URL parameters that would change it are dropped.
    RestRequest page = req;
    for (const char* p : {"refresh", "max_docs", "conflicts", "wait_for_completion", "size", "from", "sort", "_source",
                          "scroll", "search_after", "track_total_hits", "terminate_after"}) {
      page.params.erase(p);
    }
    SearchRequest sr;
    SearchResponse response;
    RestResponse error;
    if (!ExecuteSearch(page, indices, search, &sr, &response, &error)) return error;
    rapidjson::Document out;
    const std::string json = SearchResponseJson(sr, response, 0);
    out.Parse(json.data(), json.size());
    const auto& hits = out["hits"]["hits"];
    if (hits.Empty()) break;
    std::string bulk;
    for (const auto& h : hits.GetArray()) {
      bulk += fmt::format(R"({{"delete":{{"_index":{},"_id":{}}}}})", JsonQuote(h["_index"].GetString()),
                          JsonQuote(h["_id"].GetString()));
      bulk += '\n';
    }
    after = api::ToJson(hits[hits.Size() - 1]["sort"]);
    total += hits.Size();
    ++batches;
    RestRequest del;
    del.method = "POST";
    del.path = "/_bulk";
    del.body = std::move(bulk);
    if (req.BoolParam("refresh")) del.params["refresh"] = "true";
    RestResponse r = Bulk(del, "");
    if (r.status != 200) return r;
    rapidjson::Document result;
    result.Parse(r.body.data(), r.body.size());
    for (const auto& item : result["items"].GetArray()) {
      const auto& d = item["delete"];
      if (d["status"].GetInt() == 200) {
        ++deleted;
      } else if (d.HasMember("error")) {
        failures.push_back(api::ToJson(d["error"]));
      }
    }
    if (hits.Size() < want) break;
  }
  const int64_t took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::string failed;
  for (const std::string& f : failures) failed += (failed.empty() ? "" : ",") + f;
  return api::Json(
      200, fmt::format(R"({{"took":{},"timed_out":false,"total":{},"deleted":{},"batches":{},"version_conflicts":0,)"
                       R"("noops":0,"retries":{{"bulk":0,"search":0}},"throttled_millis":0,"requests_per_second":-1.0,)"
                       R"("throttled_until_millis":0,"failures":[{}]}})",
                       took, total, deleted, batches, failed));
}

}  // namespace flowdex
