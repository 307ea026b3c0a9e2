#include "api/es_api.h"

#include <chrono>
#include <ctime>
#include <random>
#include <set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <xxhash.h>

#include "api/api_util.h"
#include "api/es_exception.h"
#include "api/json_output.h"
#include "schema/flow_schema.h"
#include "store/index_resolver.h"
#include "store/mapping.h"
#include "util/glob.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using Writer = api::JsonWriter;
using api::Json;
using api::Split;

// Elasticsearch's answer to a path it has no endpoint for.
RestResponse NoHandler(const RestRequest& req) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("error");
  WriteJsonString(w, fmt::format("no handler found for uri [{}] and method [{}]", req.path, req.method));
  w.Key("status");
  w.Int(400);
  w.EndObject();
  return Json(400, std::string(buf.GetString(), buf.GetSize()));
}

RestResponse WrongMethod(const RestRequest& req, std::string_view allowed) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("error");
  WriteJsonString(w, fmt::format("Incorrect HTTP method for uri [{}] and method [{}], allowed: [{}]", req.path,
                                 req.method, allowed));
  w.Key("status");
  w.Int(405);
  w.EndObject();
  RestResponse r = Json(405, std::string(buf.GetString(), buf.GetSize()));
  r.headers.emplace_back("Allow", std::string(allowed));
  return r;
}

// The route's name in metrics: the endpoint ("_search", "_bulk", ...) when
// the path names a known one, else "index" or "other" (never a name taken
// from the request, so the metrics' label set stays bounded).
std::string EndpointName(const std::vector<std::string>& parts) {
  static const std::set<std::string> kKnown = {"_bulk",
                                               "_search",
                                               "_count",
                                               "_msearch",
                                               "_mapping",
                                               "_field_caps",
                                               "_refresh",
                                               "_cat",
                                               "_cluster",
                                               "_alias",
                                               "_aliases",
                                               "_nodes",
                                               "_license",
                                               "_xpack",
                                               "_index_template",
                                               "_template",
                                               "_component_template",
                                               "_ilm",
                                               "_ingest",
                                               "_doc",
                                               "_create",
                                               "_update"};
  if (parts.empty()) return "info";
  if (parts[0] == "metrics" || parts[0] == "health") return parts[0];
  for (const std::string& p : parts) {
    if (kKnown.count(p)) return p;
  }
  return parts.size() == 1 && parts[0][0] != '_' ? "index" : "other";
}

}  // namespace

namespace api {

std::string RandomUuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id(22, ' ');
  for (char& c : id) c = kAlphabet[rng() % 64];
  return id;
}

IndexIdentity IndexIdentityOf(const Store& store, const std::string& index) {
  IndexIdentity id;
  const std::string key = IndexSettingsKey(index);
  const auto objects = store.ApiObjects(key);
  if (auto it = objects.find(key); it != objects.end()) {
    rapidjson::Document doc;
    doc.Parse(it->second.data(), it->second.size());
    if (doc.IsObject() && doc.HasMember("uuid") && doc["uuid"].IsString()) id.uuid = doc["uuid"].GetString();
    if (doc.IsObject() && doc.HasMember("creation_date") && doc["creation_date"].IsInt64()) {
      id.creation_ms = doc["creation_date"].GetInt64();
    }
  }
  if (id.uuid.empty()) {
    // Indices made before uuids were kept, or by a first write: one derived
    // from the name, the same at every start.
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const XXH128_hash_t h = XXH3_128bits(index.data(), index.size());
    id.uuid.resize(22);
    for (int i = 0; i < 22; ++i) {
      const uint64_t word = i < 11 ? h.low64 : h.high64;
      id.uuid[i] = kAlphabet[(word >> ((i % 11) * 6)) & 63];
    }
  }
  return id;
}

}  // namespace api

EsApi::EsApi(Store* store, EsApiOptions options, Metrics* metrics)
    : store_(store), options_(std::move(options)), metrics_(metrics), cluster_uuid_(api::RandomUuid()) {}

Status EsApi::EnsureDefaultAlias() {
  const auto version = store_->Current();
  if (version->aliases.count("logs") || std::binary_search(version->indices.begin(), version->indices.end(), "logs")) {
    return Status::OK();
  }
  const std::string flows(kFlowIndex);
  if (!std::binary_search(version->indices.begin(), version->indices.end(), flows)) {
    Status s = store_->CreateIndex(flows, "");
    if (!s.ok()) return s;
  }
  return store_->UpdateAliases({AliasAction{true, "logs", flows}});
}

bool EsApi::ResolveIndices(const RestRequest& req, const StoreVersion& version, const std::string& indices,
                           std::vector<std::string>* out, RestResponse* error) {
  IndexResolveOptions o;
  o.ignore_unavailable = req.BoolParam("ignore_unavailable");
  o.allow_no_indices = req.BoolParam("allow_no_indices", true);
  std::string missing;
  if (ResolveIndexExpression(version, SplitIndexList(indices), o, out, &missing).ok()) return true;
  *error = ErrorResponse(IndexNotFound(missing));
  return false;
}

void EsApi::PurgeExpiredContexts() {
  const int64_t now = CurrentTimeMillis();
  int64_t last = last_purge_ms_.load();
  if (now - last < 10'000 || !last_purge_ms_.compare_exchange_strong(last, now)) return;
  std::lock_guard<std::mutex> lock(scroll_mu_);
  std::erase_if(scrolls_, [&](const auto& kv) { return kv.second.expires_ms < now; });
  std::erase_if(pits_, [&](const auto& kv) { return kv.second.expires_ms < now; });
}

RestResponse EsApi::Handle(const RestRequest& request) {
  PurgeExpiredContexts();
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> parts = request.path_parts.empty() ? Split(request.path, '/') : request.path_parts;
  RestResponse r = Route(request, parts);
  if (r.status >= 200 && r.status < 300 && r.content_type == "application/json") {
    const std::string filter = request.Param("filter_path");
    if (!filter.empty()) r.body = ApplyFilterPath(r.body, filter);
  }
  if (r.content_type == "application/json" && request.BoolParam("pretty")) r.body = PrettyJson(r.body);
  if (r.status == 429) ++metrics_->rejected;
  metrics_->CountRequest(EndpointName(parts), r.status,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return r;
}

RestResponse EsApi::Route(const RestRequest& req, const std::vector<std::string>& parts) {
  const std::string& m = req.method;
  const bool get = m == "GET" || m == "HEAD";
  const bool read = get || m == "POST";
  if (parts.empty()) {
    if (get) return Info(req);
    return WrongMethod(req, "GET, HEAD");
  }
  const std::string& first = parts[0];
  const size_t n = parts.size();
  // Operations' own paths.
  if (n == 1 && get && first == "metrics") {
    RestResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_->Render(store_);
    return r;
  }
  if (n == 2 && get && first == "health" && (parts[1] == "livez" || parts[1] == "readyz")) {
    return Json(200, "{\"status\":\"ok\"}");
  }
  // "_all" is an index expression (/_all/_search), not an API of its own.
  if (first[0] == '_' && first != "_all") {
    if (first == "_bulk" && n == 1) return m == "POST" || m == "PUT" ? Bulk(req, "") : WrongMethod(req, "POST, PUT");
    if (first == "_search" && n == 1) {
      if (!read) return WrongMethod(req, "GET, POST");
      return req.HasParam("scroll") ? StartScroll(req, "_all") : Search(req, "_all");
    }
    if (first == "_search" && n <= 3 && parts[1] == "scroll") {
      const std::string id = n == 3 ? parts[2] : "";
      if (m == "DELETE") return ClearScroll(req, id);
      return read ? ContinueScroll(req, id) : WrongMethod(req, "GET, POST, DELETE");
    }
    if (first == "_count" && n == 1) return read ? Count(req, "_all") : WrongMethod(req, "GET, POST");
    if (first == "_msearch" && n == 1) return read ? MultiSearch(req, "") : WrongMethod(req, "GET, POST");
    if (first == "_mapping" && n == 1 && get) return GetMapping(req, "_all");
    if (first == "_mget" && n == 1) return read ? MultiGet(req, "") : WrongMethod(req, "GET, POST");
    if (first == "_pit" && n == 1) return m == "DELETE" ? ClosePointInTime(req) : WrongMethod(req, "DELETE");
    if (first == "_async_search") {
      if (n == 1) return m == "POST" ? SubmitAsyncSearch(req, "_all") : WrongMethod(req, "POST");
      if (n == 2 && (get || m == "DELETE")) return AsyncSearchById(req, parts[1], false);
      if (n == 3 && parts[1] == "status" && get) return AsyncSearchById(req, parts[2], true);
    }
    if (first == "_resolve" && n == 3 && parts[1] == "index" && get) return ResolveIndex(req, parts[2]);
    if (first == "_field_caps" && n == 1 && read) return FieldCaps(req, "_all");
    if (first == "_refresh" && n == 1 && read) return Refresh(req, "_all");
    if (first == "_cat" && n >= 2 && get) {
      if (parts[1] == "indices") return CatIndices(req, n >= 3 ? parts[2] : "_all");
      if (parts[1] == "count") return CatCount(req, n >= 3 ? parts[2] : "_all");
      if (parts[1] == "health") return ClusterHealth(req);
    }
    if (first == "_cluster" && n >= 2 && get) {
      if (parts[1] == "health") return ClusterHealth(req);
      if (parts[1] == "settings") return Json(200, "{\"persistent\":{},\"transient\":{}}");
    }
    if (first == "_alias" && get) return Aliases(req, "_all", n >= 2 ? parts[1] : "");
    if (first == "_aliases" && n == 1) {
      if (m == "POST") return UpdateAliases(req);
      if (get) return Aliases(req, "_all", "");
    }
    if (first == "_nodes" && get) return Nodes(req);
    if (first == "_license" || first == "_xpack" || first == "_index_template" || first == "_template" ||
        first == "_component_template" || first == "_ilm" || first == "_ingest") {
      return SetupProbe(req, parts);
    }
    // PUT /_name of no API has no route of its own: Elasticsearch takes it
    // as an index name, which its validation then refuses.
    static const std::set<std::string> kApis = {
        "_bulk",  "_search",  "_count",   "_msearch", "_mapping",        "_field_caps", "_refresh",
        "_alias", "_aliases", "_mget",    "_pit",     "_async_search",   "_cat",        "_cluster",
        "_nodes", "_resolve", "_license", "_xpack",   "_index_template", "_template",   "_component_template",
        "_ilm",   "_ingest",  "_firehose"};
    if (n == 1 && m == "PUT" && kApis.count(first) == 0) return CreateIndex(req, first);
    return NoHandler(req);
  }
  // /{index}...
  const std::string& index = first;
  if (n == 1) {
    if (m == "PUT") return CreateIndex(req, index);
    if (m == "DELETE") return DeleteIndex(req, index);
    if (get) return GetIndex(req, index);
    return WrongMethod(req, "GET, HEAD, PUT, DELETE");
  }
  const std::string& op = parts[1];
  if (op == "_bulk" && n == 2) return m == "POST" || m == "PUT" ? Bulk(req, index) : WrongMethod(req, "POST, PUT");
  if (op == "_search" && n == 2) {
    if (!read) return WrongMethod(req, "GET, POST");
    return req.HasParam("scroll") ? StartScroll(req, index) : Search(req, index);
  }
  if (op == "_count" && n == 2) return read ? Count(req, index) : WrongMethod(req, "GET, POST");
  if (op == "_mget" && n == 2) return read ? MultiGet(req, index) : WrongMethod(req, "GET, POST");
  if (op == "_pit" && n == 2) return m == "POST" ? OpenPointInTime(req, index) : WrongMethod(req, "POST");
  if (op == "_terms_enum" && n == 2) return read ? TermsEnum(req, index) : WrongMethod(req, "GET, POST");
  if (op == "_delete_by_query" && n == 2) return m == "POST" ? DeleteByQuery(req, index) : WrongMethod(req, "POST");
  if (op == "_async_search" && n == 2) return m == "POST" ? SubmitAsyncSearch(req, index) : WrongMethod(req, "POST");
  if (op == "_msearch" && n == 2) return read ? MultiSearch(req, index) : WrongMethod(req, "GET, POST");
  if (op == "_mapping" && n == 2) {
    if (get) return GetMapping(req, index);
    if (m == "PUT" || m == "POST") return PutMapping(req, index);
  }
  if (op == "_field_caps" && n == 2 && read) return FieldCaps(req, index);
  if (op == "_refresh" && n == 2 && read) return Refresh(req, index);
  if ((op == "_alias" || op == "_aliases") && n <= 3) {
    if (get) return Aliases(req, index, n == 3 ? parts[2] : "");
    if (n == 3 && (m == "PUT" || m == "POST" || m == "DELETE")) {
      RestRequest update = req;
      update.method = "POST";
      update.body = fmt::format(R"({{"actions":[{{"{}":{{"index":{},"alias":{}}}}}]}})",
                                m == "DELETE" ? "remove" : "add", JsonQuote(index), JsonQuote(parts[2]));
      // Names with quotes cannot be index names; UpdateAliases validates them.
      if (index.find('"') != std::string::npos || parts[2].find('"') != std::string::npos) return NoHandler(req);
      return UpdateAliases(update);
    }
  }
  if (op == "_source" && n == 3) {
    return m == "GET" || m == "HEAD" ? DocumentOp(req, index, op, parts[2]) : WrongMethod(req, "GET, HEAD");
  }
  if ((op == "_doc" || op == "_create" || op == "_update") && n == 3) {
    // Single-document APIs are one-item bulks.
    return DocumentOp(req, index, op, parts[2]);
  }
  if (op == "_doc" && n == 2 && m == "POST") return DocumentOp(req, index, op, "");
  return NoHandler(req);
}

std::string EsApi::TemplateMapping(const std::string& index) const {
  auto patterns_match = [&](const rapidjson::Value& body) {
    if (!body.IsObject() || !body.HasMember("index_patterns")) return false;
    const rapidjson::Value& p = body["index_patterns"];
    if (p.IsString()) return GlobMatch(p.GetString(), index);
    if (!p.IsArray()) return false;
    for (const auto& v : p.GetArray()) {
      if (v.IsString() && GlobMatch(v.GetString(), index)) return true;
    }
    return false;
  };
  auto number = [](const rapidjson::Value& body, const char* key) -> int64_t {
    return body.HasMember(key) && body[key].IsInt64() ? body[key].GetInt64() : 0;
  };
  // Adds a "mappings" object to `merged` (skipped if it conflicts).
  IndexMapping merged;
  bool any = false;
  auto add = [&](const rapidjson::Value* mappings) {
    if (mappings == nullptr || !mappings->IsObject()) return;
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    mappings->Accept(w);
    IndexMapping part;
    MappingError error;
    if (IndexMapping::FromTemplateJson(std::string_view(buf.GetString(), buf.GetSize()), &part, &error) &&
        merged.Merge(part, &error)) {
      any = true;
    }
  };
  // Composable templates win over legacy ones; among them the highest priority.
  int64_t best_priority = INT64_MIN;
  std::string best;
  for (const auto& [key, json] : store_->ApiObjects("/_index_template/")) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (!patterns_match(d)) continue;
    const int64_t priority = number(d, "priority");
    if (priority > best_priority) {
      best_priority = priority;
      best = json;
    }
  }
  if (!best.empty()) {
    rapidjson::Document d;
    d.Parse(best.data(), best.size());
    if (d.HasMember("composed_of") && d["composed_of"].IsArray()) {
      for (const auto& name : d["composed_of"].GetArray()) {
        if (!name.IsString()) continue;
        const auto component = store_->ApiObjects(std::string("/_component_template/") + name.GetString());
        auto it = component.find(std::string("/_component_template/") + name.GetString());
        if (it == component.end()) continue;
        rapidjson::Document c;
        c.Parse(it->second.data(), it->second.size());
        if (c.IsObject() && c.HasMember("template") && c["template"].IsObject() &&
            c["template"].HasMember("mappings")) {
          add(&c["template"]["mappings"]);
        }
      }
    }
    if (d.HasMember("template") && d["template"].IsObject() && d["template"].HasMember("mappings")) {
      add(&d["template"]["mappings"]);
    }
    return any ? merged.ToJson() : std::string();
  }
  // Legacy templates: every match, lowest order first.
  std::vector<std::pair<int64_t, std::string>> legacy;
  for (const auto& [key, json] : store_->ApiObjects("/_template/")) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (patterns_match(d)) legacy.emplace_back(number(d, "order"), json);
  }
  std::stable_sort(legacy.begin(), legacy.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, json] : legacy) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasMember("mappings")) add(&d["mappings"]);
  }
  return any ? merged.ToJson() : std::string();
}

RestResponse EsApi::Info(const RestRequest& req) {
  (void)req;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("name");
  WriteJsonString(w, options_.node_name);
  w.Key("cluster_name");
  WriteJsonString(w, options_.cluster_name);
  w.Key("cluster_uuid");
  WriteJsonString(w, cluster_uuid_);
  w.Key("version");
  w.StartObject();
  w.Key("number");
  WriteJsonString(w, options_.version);
  w.Key("build_flavor");
  w.String("default");
  w.Key("build_type");
  w.String("flowdex");
  w.Key("build_hash");
  w.String("flowdex");
  w.Key("build_date");
  w.String("2026-11-27T00:00:00.000Z");
  w.Key("build_snapshot");
  w.Bool(false);
  w.Key("lucene_version");
  w.String("9.12.0");
  w.Key("minimum_wire_compatibility_version");
  w.String("7.17.0");
  w.Key("minimum_index_compatibility_version");
  w.String("7.0.0");
  w.EndObject();
  w.Key("tagline");
  w.String("You Know, for Search");
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::ClusterHealth(const RestRequest& req) {
  const auto version = store_->Current();
  const size_t indices = version->indices.size();
  if (req.path.rfind("/_cat/", 0) == 0 && req.Param("format") != "json") {
    RestResponse r;
    r.content_type = "text/plain; charset=UTF-8";
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (req.BoolParam("v"))
      r.body = "epoch      timestamp cluster status node.total node.data shards pri relo init unassign\n";
    const time_t at = static_cast<time_t>(now);
    struct tm utc;
    gmtime_r(&at, &utc);
    r.body += fmt::format("{} {:02}:{:02}:{:02} {} green 1 1 {} {} 0 0 0\n", now, utc.tm_hour, utc.tm_min, utc.tm_sec,
                          options_.cluster_name, indices, indices);
    return r;
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("cluster_name");
  WriteJsonString(w, options_.cluster_name);
  w.Key("status");
  w.String("green");
  w.Key("timed_out");
  w.Bool(false);
  for (const char* k : {"number_of_nodes", "number_of_data_nodes"}) {
    w.Key(k);
    w.Int(1);
  }
  for (const char* k : {"active_primary_shards", "active_shards"}) {
    w.Key(k);
    w.Uint64(indices);
  }
  for (const char* k : {"relocating_shards", "initializing_shards", "unassigned_shards", "delayed_unassigned_shards",
                        "number_of_pending_tasks", "number_of_in_flight_fetch", "task_max_waiting_in_queue_millis"}) {
    w.Key(k);
    w.Int(0);
  }
  w.Key("active_shards_percent_as_number");
  w.Double(100.0);
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::Refresh(const RestRequest& req, const std::string& indices) {
  // Every acknowledged write is already searchable; refresh only checks the names.
  std::vector<std::string> resolved;
  RestResponse error;
  if (!ResolveIndices(req, *store_->Current(), indices, &resolved, &error)) return error;
  return Json(200, fmt::format(R"({{"_shards":{{"total":{0},"successful":{0},"failed":0}}}})", resolved.size()));
}

RestResponse EsApi::Nodes(const RestRequest& req) {
  (void)req;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("_nodes");
  w.StartObject();
  w.Key("total");
  w.Int(1);
  w.Key("successful");
  w.Int(1);
  w.Key("failed");
  w.Int(0);
  w.EndObject();
  w.Key("cluster_name");
  WriteJsonString(w, options_.cluster_name);
  w.Key("nodes");
  w.StartObject();
  WriteJsonString(w, cluster_uuid_);
  w.StartObject();
  w.Key("name");
  WriteJsonString(w, options_.node_name);
  w.Key("transport_address");
  WriteJsonString(w, options_.publish_address);
  w.Key("host");
  w.String("127.0.0.1");
  w.Key("ip");
  w.String("127.0.0.1");
  w.Key("version");
  WriteJsonString(w, options_.version);
  w.Key("build_flavor");
  w.String("default");
  w.Key("roles");
  w.StartArray();
  for (const char* role : {"data", "ingest", "master"}) w.String(role);
  w.EndArray();
  w.Key("http");
  w.StartObject();
  w.Key("publish_address");
  WriteJsonString(w, options_.publish_address);
  w.Key("bound_address");
  w.StartArray();
  WriteJsonString(w, options_.publish_address);
  w.EndArray();
  w.Key("max_content_length_in_bytes");
  w.Uint64(100u << 20);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return Json(buf);
}

RestResponse EsApi::SetupProbe(const RestRequest& req, const std::vector<std::string>& parts) {
  const std::string& what = parts[0];
  if (what == "_license") {
    if (req.method != "GET" && req.method != "HEAD") return Json(200, "{\"acknowledged\":true}");
    return Json(200, fmt::format(R"({{"license":{{"status":"active","uid":"{}","type":"basic","issue_date":)"
                                 R"("2026-01-01T00:00:00.000Z","issue_date_in_millis":1767225600000,)"
                                 R"("max_nodes":1000,"max_resource_units":null,"issued_to":"{}",)"
                                 R"("issuer":"elasticsearch","start_date_in_millis":-1}}}})",
                                 cluster_uuid_, options_.cluster_name));
  }
  if (what == "_xpack") {
    return Json(200, fmt::format(R"({{"build":{{"hash":"flowdex","date":"2026-11-27T00:00:00.000Z"}},)"
                                 R"("license":{{"uid":"{}","type":"basic","mode":"basic","status":"active"}},)"
                                 R"("features":{{"ilm":{{"available":true,"enabled":true}},)"
                                 R"("security":{{"available":true,"enabled":false}}}},"tagline":"You know, for X"}})",
                                 cluster_uuid_));
  }
  // Templates, component templates, ILM policies and ingest pipelines: what
  // a shipper PUTs is stored (in the manifest) and shown back, so that its
  // "does it exist?" checks pass. Index templates' mappings apply to the
  // indices they match when those are created (TemplateMapping); policies
  // and pipelines are not applied.
  std::string key;
  for (const std::string& p : parts) key += "/" + p;
  if (req.method == "PUT" || req.method == "POST") {
    if (parts.size() < 2) return NoHandler(req);
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (!req.body.empty() && (d.HasParseError() || !d.IsObject())) {
      EsException e;
      e.type = "parse_exception";
      e.reason = "request body is required and must be a JSON object";
      return ErrorResponse(e);
    }
    if (req.body.empty()) d.SetObject();
    rapidjson::StringBuffer compact;
    rapidjson::Writer<rapidjson::StringBuffer> cw(compact);
    d.Accept(cw);
    Status s = store_->PutApiObject(key, std::string(compact.GetString(), compact.GetSize()));
    if (!s.ok()) return ErrorResponse(FromStatus(s));
    return Json(200, "{\"acknowledged\":true}");
  }
  if (req.method == "DELETE") {
    if (store_->PutApiObject(key, "").IsNotFound()) {
      EsException e;
      e.status = 404;
      e.type = "resource_not_found_exception";
      e.reason = fmt::format("[{}] not found", parts.back());
      return ErrorResponse(e);
    }
    return Json(200, "{\"acknowledged\":true}");
  }
  // GET or HEAD: one named thing, or all of a kind.
  std::string kind = "/" + parts[0];
  if (parts[0] == "_ilm" && parts.size() >= 2) kind += "/" + parts[1];
  if (parts[0] == "_ingest" && parts.size() >= 2) kind += "/" + parts[1];
  const bool named = key != kind;
  const std::map<std::string, std::string> stored = store_->ApiObjects(kind + "/");
  if (named) {
    if (!stored.count(key)) {
      if (parts[0] == "_index_template" || parts[0] == "_component_template") {
        EsException e;
        e.status = 404;
        e.type = "resource_not_found_exception";
        e.reason = fmt::format(
            "{} [{}] not found",
            parts[0] == "_index_template" ? "index template matching" : "component template matching", parts.back());
        return ErrorResponse(e);
      }
      return Json(404, "{}");  // legacy templates, policies, pipelines: an empty 404
    }
  }
  // Elasticsearch's listing shapes: name -> definition (index templates wrap them in a list).
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& [k, v] : stored) {
    if (named && k != key) continue;
    const std::string name = k.substr(kind.size() + 1);
    rapidjson::Document def;
    def.Parse(v.data(), v.size());
    rapidjson::Value body(def, a);
    if (parts[0] == "_index_template" || parts[0] == "_component_template") {
      rapidjson::Value entry(rapidjson::kObjectType);
      entry.AddMember("name", rapidjson::Value(name.c_str(), a), a);
      entry.AddMember(rapidjson::Value(parts[0] == "_index_template" ? "index_template" : "component_template", a),
                      body, a);
      list.PushBack(entry, a);
    } else if (parts[0] == "_ilm") {
      rapidjson::Value entry(rapidjson::kObjectType);
      entry.AddMember("version", 1, a);
      entry.AddMember("modified_date", "2026-11-27T00:00:00.000Z", a);
      const bool wrapped = body.IsObject() && body.HasMember("policy") && body["policy"].IsObject();
      entry.AddMember("policy", wrapped ? rapidjson::Value(body["policy"], a) : rapidjson::Value(body, a), a);
      out.AddMember(rapidjson::Value(name.c_str(), a), entry, a);
    } else {
      out.AddMember(rapidjson::Value(name.c_str(), a), body, a);
    }
  }
  if (parts[0] == "_index_template") out.AddMember("index_templates", list, a);
  if (parts[0] == "_component_template") out.AddMember("component_templates", list, a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  out.Accept(w);
  return Json(buf);
}

}  // namespace flowdex
