// Scroll (search?scroll=1m, then POST /_search/scroll and DELETE
// /_search/scroll) and point in time (POST /<index>/_pit, search with
// "pit", DELETE /_pit): each page continues after the last hit of the one
// before (search_after on the request's sort with _doc as the tiebreak;
// _shard_doc is read as _doc), so no hit is repeated or skipped. Unlike
// Elasticsearch's, both read the live store: documents committed meanwhile
// may appear in later pages (docs/api.md).
#include <chrono>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/api_util.h"
#include "api/es_api.h"
#include "api/es_exception.h"
#include "query/response_writer.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// Elasticsearch's default search.max_keep_alive and search.max_open_scroll_context.
constexpr int64_t kMaxKeepAliveMs = 24 * 3600 * 1000;
constexpr size_t kMaxOpenScrolls = 500;

std::string NewScrollId() {
  unsigned char raw[24];
  RAND_bytes(raw, sizeof(raw));
  unsigned char out[33];
  const int n = EVP_EncodeBlock(out, raw, sizeof(raw));
  // URL-safe (the id may travel in a path: /_search/scroll/<id>), as Elasticsearch's are.
  std::string id(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  for (char& c : id) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!id.empty() && id.back() == '=') id.pop_back();
  return id;
}

RestResponse ContextMissing(const std::string& id) {
  auto cause = std::make_shared<EsException>();
  cause->status = 404;
  cause->type = "search_context_missing_exception";
  cause->reason = "No search context found for id [" + id + "]";
  EsException e;
  e.status = 404;
  e.type = "search_phase_execution_exception";
  e.reason = "all shards failed";
  e.cause = cause;
  return ErrorResponse(e);
}

// `json` (an object) with "key": "id" as its first member, as Elasticsearch
// writes _scroll_id and pit_id. The ids are base64url: nothing to escape.
std::string WithIdFirst(std::string_view key, const std::string& id, const std::string& json) {
  if (json.size() < 2 || json[0] != '{') return json;
  return fmt::format(R"({{"{}":"{}"{}{})", key, id, json[1] == '}' ? "" : ",", std::string_view(json).substr(1));
}

// Makes the body's sort an array ending in _doc ("_shard_doc" read as
// "_doc"): "after the last hit" is then exact.
void EnsureDocTiebreak(rapidjson::Document* body) {
  auto& a = body->GetAllocator();
  rapidjson::Value sort(rapidjson::kArrayType);
  if (body->HasMember("sort")) {
    if ((*body)["sort"].IsArray()) {
      for (auto& k : (*body)["sort"].GetArray()) sort.PushBack(rapidjson::Value(k, a), a);
    } else {
      sort.PushBack(rapidjson::Value((*body)["sort"], a), a);
    }
    body->RemoveMember("sort");
  }
  bool has_doc = false;
  for (auto& k : sort.GetArray()) {
    if (k.IsString() && std::string_view(k.GetString()) == "_shard_doc") k.SetString("_doc");
    if (k.IsObject() && k.HasMember("_shard_doc")) {
      rapidjson::Value order(k["_shard_doc"], a);
      k.RemoveMember("_shard_doc");
      k.AddMember("_doc", order, a);
    }
    has_doc |= (k.IsString() && std::string_view(k.GetString()) == "_doc") || (k.IsObject() && k.HasMember("_doc"));
  }
  if (!has_doc) sort.PushBack("_doc", a);
  body->AddMember("sort", sort, a);
}

}  // namespace

Status EsApi::ParseKeepAlive(const std::string& text, int64_t* ms) {
  Status s = ParseDuration(text, ms);
  if (!s.ok()) return Status::InvalidArgument(fmt::format("failed to parse setting [scroll] with value [{}]", text));
  if (*ms > kMaxKeepAliveMs) {
    return Status::InvalidArgument(fmt::format(
        "Keep alive for request ({}) is too large. It must be less than (1d). This limit can be set by changing the "
        "[search.max_keep_alive] cluster level setting.",
        text));
  }
  return Status::OK();
}

RestResponse EsApi::ScrollPage(const RestRequest& req, const std::string& indices, std::string body,
                               const std::string& scroll_id, int64_t keep_alive_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  RestRequest params = req;
  params.params.erase("scroll");
  params.params.erase("scroll_id");
  SearchRequest sr;
  SearchResponse response;
  RestResponse r;
  std::shared_ptr<const StoreVersion> version;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    if (auto it = scrolls_.find(scroll_id); it != scrolls_.end()) version = it->second.version;
  }
  if (!ExecuteSearch(params, indices, body, &sr, &response, &r, version)) return r;
  const int64_t took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  rapidjson::Document out;
  const std::string json = SearchResponseJson(sr, response, took);
  out.Parse(json.data(), json.size());
  // The next page starts after this one's last hit.
  std::string last_sort;
  if (out.IsObject() && out.HasMember("hits") && out["hits"]["hits"].IsArray() && !out["hits"]["hits"].Empty()) {
    const rapidjson::Value& last = out["hits"]["hits"][out["hits"]["hits"].Size() - 1];
    if (last.HasMember("sort")) last_sort = api::ToJson(last["sort"]);
  }
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    ScrollState& st = scrolls_[scroll_id];
    st.indices = indices;
    st.params = params.params;
    st.body = std::move(body);
    if (!last_sort.empty()) st.last_sort = last_sort;
    st.expires_ms = CurrentTimeMillis() + keep_alive_ms;
  }
  r.body = WithIdFirst("_scroll_id", scroll_id, json);
  return r;
}

RestResponse EsApi::StartScroll(const RestRequest& req, const std::string& indices) {
  int64_t keep_alive = 0;
  Status s = ParseKeepAlive(req.Param("scroll"), &keep_alive);
  if (!s.ok()) return ErrorResponse(MakeEsException("illegal_argument_exception", std::string(s.message())));
  rapidjson::Document body;
  if (!req.body.empty()) {
    body.Parse(req.body.data(), req.body.size());
    if (body.HasParseError() || !body.IsObject()) return RunSearch(req, indices, req.body);  // its parse error
  } else {
    body.SetObject();
  }
  if ((body.HasMember("from") && body["from"].IsNumber() && body["from"].GetDouble() > 0) ||
      (req.HasParam("from") && req.Param("from") != "0")) {
    return ErrorResponse(MakeEsException("action_request_validation_exception",
                                         "Validation Failed: 1: using [from] is not allowed in a scroll context;"));
  }
  // The request's sort with _doc last, so that "after the last hit" is exact.
  EnsureDocTiebreak(&body);
  std::string id;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    const int64_t now = CurrentTimeMillis();
    std::erase_if(scrolls_, [&](const auto& kv) { return kv.second.expires_ms < now; });
    if (scrolls_.size() >= kMaxOpenScrolls) {
      EsException e;
      e.status = 429;
      e.type = "exception";
      e.reason = fmt::format(
          "Trying to create too many scroll contexts. Must be less than or equal to: [{}]. This limit can be set by "
          "changing the [search.max_open_scroll_context] setting.",
          kMaxOpenScrolls);
      return ErrorResponse(e);
    }
    id = NewScrollId();
    scrolls_[id].expires_ms = now + keep_alive;
    // Every page reads the store as it is now: a merge or a write in the
    // middle of the paging neither repeats nor skips a hit.
    scrolls_[id].version = store_->Current();
  }
  RestResponse r = ScrollPage(req, indices, api::ToJson(body), id, keep_alive);
  if (r.status != 200) {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    scrolls_.erase(id);
  }
  return r;
}

RestResponse EsApi::ContinueScroll(const RestRequest& req, const std::string& path_id) {
  std::string id = path_id.empty() ? req.Param("scroll_id") : path_id;
  std::string keep = req.Param("scroll");
  if (!req.body.empty()) {
    rapidjson::Document b;
    b.Parse(req.body.data(), req.body.size());
    if (b.HasParseError() || !b.IsObject()) {
      return ErrorResponse(MakeEsException("parse_exception", "Failed to parse request body"));
    }
    if (b.HasMember("scroll_id") && b["scroll_id"].IsString()) id = b["scroll_id"].GetString();
    if (b.HasMember("scroll") && b["scroll"].IsString()) keep = b["scroll"].GetString();
  }
  if (id.empty()) {
    return ErrorResponse(
        MakeEsException("action_request_validation_exception", "Validation Failed: 1: scrollId is missing;"));
  }
  int64_t keep_alive = 5 * 60 * 1000;
  if (!keep.empty()) {
    Status s = ParseKeepAlive(keep, &keep_alive);
    if (!s.ok()) return ErrorResponse(MakeEsException("illegal_argument_exception", std::string(s.message())));
  }
  ScrollState st;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    auto it = scrolls_.find(id);
    if (it == scrolls_.end() || it->second.expires_ms < CurrentTimeMillis()) {
      if (it != scrolls_.end()) scrolls_.erase(it);
      return ContextMissing(id);
    }
    st = it->second;
  }
  rapidjson::Document body;
  body.Parse(st.body.data(), st.body.size());
  auto& a = body.GetAllocator();
  body.RemoveMember("search_after");
  if (!st.last_sort.empty()) {
    rapidjson::Document after;
    after.Parse(st.last_sort.data(), st.last_sort.size());
    body.AddMember("search_after", rapidjson::Value(after, a), a);
  }
  RestRequest page = req;
  page.params = st.params;
  page.body.clear();
  return ScrollPage(page, st.indices, api::ToJson(body), id, keep_alive);
}

RestResponse EsApi::ClearScroll(const RestRequest& req, const std::string& path_ids) {
  std::vector<std::string> ids = api::Split(path_ids.empty() ? req.Param("scroll_id") : path_ids, ',');
  if (!req.body.empty()) {
    rapidjson::Document b;
    b.Parse(req.body.data(), req.body.size());
    if (!b.HasParseError() && b.IsObject() && b.HasMember("scroll_id")) {
      const rapidjson::Value& v = b["scroll_id"];
      if (v.IsString()) ids.push_back(v.GetString());
      if (v.IsArray()) {
        for (const auto& x : v.GetArray()) {
          if (x.IsString()) ids.push_back(x.GetString());
        }
      }
    }
  }
  size_t freed = 0;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    for (const std::string& id : ids) {
      if (id == "_all") {
        freed += scrolls_.size();
        scrolls_.clear();
      } else {
        freed += scrolls_.erase(id);
      }
    }
  }
  return api::Json(freed > 0 || ids.empty() ? 200 : 404, fmt::format(R"({{"succeeded":true,"num_freed":{}}})", freed));
}

RestResponse EsApi::OpenPointInTime(const RestRequest& req, const std::string& indices) {
  if (!req.HasParam("keep_alive")) {
    return ErrorResponse(
        MakeEsException("action_request_validation_exception", "Validation Failed: 1: [keep_alive] is not specified;"));
  }
  int64_t keep_alive = 0;
  Status s = ParseKeepAlive(req.Param("keep_alive"), &keep_alive);
  if (!s.ok()) return ErrorResponse(MakeEsException("illegal_argument_exception", std::string(s.message())));
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *store_->Current(), indices, &resolved, &error)) return error;
  std::string id;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    const int64_t now = CurrentTimeMillis();
    std::erase_if(pits_, [&](const auto& kv) { return kv.second.expires_ms < now; });
    id = NewScrollId();
    pits_[id] = PitState{indices, req.Param("ignore_unavailable"), now + keep_alive, store_->Current()};
  }
  return api::Json(200,
                   fmt::format(R"({{"id":"{}","_shards":{{"total":1,"successful":1,"skipped":0,"failed":0}}}})", id));
}

RestResponse EsApi::ClosePointInTime(const RestRequest& req) {
  rapidjson::Document b;
  b.Parse(req.body.data(), req.body.size());
  if (req.body.empty() || b.HasParseError() || !b.IsObject() || !b.HasMember("id") || !b["id"].IsString()) {
    return ErrorResponse(MakeEsException("action_request_validation_exception",
                                         "Validation Failed: 1: point in time id is not specified;"));
  }
  size_t freed = 0;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    freed = pits_.erase(b["id"].GetString());
  }
  return api::Json(freed > 0 ? 200 : 404, fmt::format(R"({{"succeeded":true,"num_freed":{}}})", freed));
}

RestResponse EsApi::SearchPointInTime(const RestRequest& req, const std::string& path_indices,
                                      rapidjson::Document* body) {
  if (!path_indices.empty() && path_indices != "_all") {
    return ErrorResponse(MakeEsException(
        "action_request_validation_exception",
        "Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in "
        "time.;"));
  }
  const rapidjson::Value& pit = (*body)["pit"];
  if (!pit.IsObject() || !pit.HasMember("id") || !pit["id"].IsString()) {
    return ErrorResponse(MakeEsException("parsing_exception", "[pit] requires an [id]"));
  }
  const std::string id = pit["id"].GetString();
  int64_t keep_alive = -1;
  if (pit.HasMember("keep_alive") && pit["keep_alive"].IsString()) {
    Status s = ParseKeepAlive(pit["keep_alive"].GetString(), &keep_alive);
    if (!s.ok()) return ErrorResponse(MakeEsException("illegal_argument_exception", std::string(s.message())));
  }
  PitState st;
  {
    std::lock_guard<std::mutex> lock(scroll_mu_);
    auto it = pits_.find(id);
    if (it == pits_.end() || it->second.expires_ms < CurrentTimeMillis()) {
      if (it != pits_.end()) pits_.erase(it);
      return ContextMissing(id);
    }
    if (keep_alive >= 0) it->second.expires_ms = CurrentTimeMillis() + keep_alive;
    st = it->second;
  }
  body->RemoveMember("pit");
  EnsureDocTiebreak(body);
  RestRequest search = req;
  if (!st.ignore_unavailable.empty()) search.params["ignore_unavailable"] = st.ignore_unavailable;
  RestResponse r = RunSearch(search, st.indices, api::ToJson(*body), st.version);
  if (r.status != 200) return r;
  r.body = WithIdFirst("pit_id", id, r.body);
  return r;
}

}  // namespace flowdex
