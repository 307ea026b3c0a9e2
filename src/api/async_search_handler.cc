// _async_search (Kibana's search strategy): the search runs at once, so a
// submit answers complete (is_running false); with keep_on_completion the
// answer is kept under an id for GET /_async_search/<id> and /status/<id>
// until its keep_alive ends or DELETE.
#include <chrono>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "api/api_util.h"
#include "api/es_api.h"
#include "api/es_exception.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

constexpr int64_t kDefaultKeepAliveMs = 5LL * 24 * 3600 * 1000;  // Elasticsearch's 5d
constexpr size_t kMaxKept = 200;

std::string NewAsyncId() {
  unsigned char raw[18];
  RAND_bytes(raw, sizeof(raw));
  static const char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id;
  for (unsigned char c : raw) id += kDigits[c & 63];
  return "Fm" + id;
}

RestResponse NotFound(const std::string& id) {
  EsException e;
  e.status = 404;
  e.type = "resource_not_found_exception";
  e.reason = id;
  return ErrorResponse(e);
}

}  // namespace

std::string EsApi::AsyncAnswer(const std::string& id, const AsyncResult& r) {
  return fmt::format(
      R"({{{}"is_partial":false,"is_running":false,"start_time_in_millis":{},"expiration_time_in_millis":{},)"
      R"("completion_time_in_millis":{},"response":{}}})",
      id.empty() ? "" : fmt::format(R"("id":"{}",)", id), r.start_ms, r.expires_ms, r.completed_ms, r.response);
}

RestResponse EsApi::SubmitAsyncSearch(const RestRequest& req, const std::string& indices) {
  int64_t keep_alive = kDefaultKeepAliveMs;
  if (req.HasParam("keep_alive")) {
    Status s = ParseDuration(req.Param("keep_alive"), &keep_alive);
    if (!s.ok()) {
      return ErrorResponse(
          MakeEsException("illegal_argument_exception",
                          fmt::format("failed to parse setting [keep_alive] with value [{}] as a time value",
                                      req.Param("keep_alive"))));
    }
  }
  RestRequest search = req;
  for (const char* p : {"keep_alive", "keep_on_completion", "wait_for_completion_timeout", "batched_reduce_size",
                        "ccs_minimize_roundtrips"}) {
    search.params.erase(p);
  }
  AsyncResult r;
  r.start_ms = CurrentTimeMillis();
  RestResponse answer = Search(search, indices);
  if (answer.status != 200) return answer;
  r.completed_ms = CurrentTimeMillis();
  r.expires_ms = r.start_ms + keep_alive;
  r.response = std::move(answer.body);
  std::string id;
  if (req.BoolParam("keep_on_completion")) {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    const int64_t now = CurrentTimeMillis();
    std::erase_if(async_results_, [&](const auto& kv) { return kv.second.expires_ms < now; });
    if (async_results_.size() >= kMaxKept) async_results_.erase(async_results_.begin());
    id = NewAsyncId();
    async_results_[id] = r;
  }
  return api::Json(200, AsyncAnswer(id, r));
}

RestResponse EsApi::AsyncSearchById(const RestRequest& req, const std::string& id, bool status_only) {
  AsyncResult r;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    auto it = async_results_.find(id);
    if (it == async_results_.end() || it->second.expires_ms < CurrentTimeMillis()) {
      if (it != async_results_.end()) async_results_.erase(it);
      return NotFound(id);
    }
    if (req.method == "DELETE") {
      async_results_.erase(it);
      return api::Json(200, R"({"acknowledged":true})");
    }
    if (req.HasParam("keep_alive")) {
      int64_t keep_alive = 0;
      if (ParseDuration(req.Param("keep_alive"), &keep_alive).ok())
        it->second.expires_ms = CurrentTimeMillis() + keep_alive;
    }
    r = it->second;
  }
  if (status_only) {
    return api::Json(
        200, fmt::format(R"({{"id":"{}","is_running":false,"is_partial":false,"start_time_in_millis":{},)"
                         R"("expiration_time_in_millis":{},"completion_time_in_millis":{},"completion_status":200,)"
                         R"("_shards":{{"total":1,"successful":1,"skipped":0,"failed":0}}}})",
                         id, r.start_ms, r.expires_ms, r.completed_ms));
  }
  return api::Json(200, AsyncAnswer(id, r));
}

}  // namespace flowdex
