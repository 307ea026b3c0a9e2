// EsApi: the Elasticsearch-compatible REST API over the embedded store.
// Handle() routes one request to its endpoint and returns Elasticsearch 8's
// response shape and status; it never throws and bounds what it accepts.
// The HTTP server (api/http_server.h) feeds it; tests and the request
// fuzzer call it directly. Endpoints are listed in docs/api.md.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <rapidjson/document.h>

#include "api/metrics.h"
#include "api/rest.h"
#include "query/searcher.h"
#include "store/store.h"
#include "util/cancellation.h"

namespace flowdex {

class InventoryFile;

struct EsApiOptions {
  std::string version = "8.17.0";  // version.number of GET /
  std::string cluster_name = "flowdex";
  std::string node_name = "flowdex";
  std::string publish_address = "127.0.0.1:9200";
  uint64_t max_result_window = 10000;
  // Documents of _bulk requests being indexed at once, in bytes (Elasticsearch's
  // indexing pressure): items past it are answered 429.
  uint64_t indexing_pressure_bytes = 512u << 20;
  // Searches run at once; more are answered 429 es_rejected_execution_exception.
  int max_concurrent_searches = 64;
  // Searches stop collecting after this long (their own timeout may be shorter).
  int64_t search_timeout_ms = 60000;
  // Set while the server shuts down: running searches stop.
  CancellationToken cancel;  // set when the server stops: running searches end
  // The AWS inventory: flows stored without owners are named from it at
  // query time (null: stored names only).
  std::shared_ptr<InventoryFile> inventory;
};

class EsApi {
 public:
  // `store` and `metrics` must outlive the EsApi (neither may be null).
  EsApi(Store* store, EsApiOptions options, Metrics* metrics);

  // The address GET /_nodes reports (known once the server has bound its port).
  void set_publish_address(std::string address) { options_.publish_address = std::move(address); }
  // The inventory searches name flows with (set before serving).
  void set_inventory(std::shared_ptr<InventoryFile> inventory) { options_.inventory = std::move(inventory); }

  // Answers one request (any method, path and body).
  RestResponse Handle(const RestRequest& request);

  // Makes `logs` an alias of the flow index, so that the seed's
  // /logs/_search works, unless `logs` already names an index or alias. The
  // flow index is created (empty) if need be.
  Status EnsureDefaultAlias();

 private:
  RestResponse Route(const RestRequest& request, const std::vector<std::string>& parts);
  RestResponse Info(const RestRequest& request);
  RestResponse Bulk(const RestRequest& request, const std::string& path_index);
  // GET/PUT/POST/DELETE /{index}/_doc/{id}, /_create/{id}, /_update/{id}.
  RestResponse DocumentOp(const RestRequest& request, const std::string& index, const std::string& op,
                          const std::string& id);
  RestResponse MultiGet(const RestRequest& request, const std::string& path_index);
  // Scroll (scroll_handler.cc).
  RestResponse StartScroll(const RestRequest& request, const std::string& indices);
  RestResponse ContinueScroll(const RestRequest& request, const std::string& path_id);
  RestResponse ClearScroll(const RestRequest& request, const std::string& path_ids);
  RestResponse ScrollPage(const RestRequest& request, const std::string& indices, std::string body,
                          const std::string& scroll_id, int64_t keep_alive_ms);
  static Status ParseKeepAlive(const std::string& text, int64_t* ms);
  RestResponse TermsEnum(const RestRequest& request, const std::string& indices);
  RestResponse DeleteByQuery(const RestRequest& request, const std::string& indices);
  // _async_search (async_search_handler.cc).
  struct AsyncResult {
    int64_t start_ms = 0, completed_ms = 0, expires_ms = 0;
    std::string response;  // the search's answer (JSON)
  };
  RestResponse SubmitAsyncSearch(const RestRequest& request, const std::string& indices);
  RestResponse AsyncSearchById(const RestRequest& request, const std::string& id, bool status_only);
  static std::string AsyncAnswer(const std::string& id, const AsyncResult& result);
  RestResponse OpenPointInTime(const RestRequest& request, const std::string& indices);
  RestResponse ClosePointInTime(const RestRequest& request);
  RestResponse SearchPointInTime(const RestRequest& request, const std::string& path_indices,
                                 rapidjson::Document* body);
  RestResponse ResolveIndex(const RestRequest& request, const std::string& names);
  RestResponse Search(const RestRequest& request, const std::string& indices);
  RestResponse Count(const RestRequest& request, const std::string& indices);
  RestResponse MultiSearch(const RestRequest& request, const std::string& indices);
  RestResponse GetMapping(const RestRequest& request, const std::string& indices);
  RestResponse PutMapping(const RestRequest& request, const std::string& indices);
  RestResponse FieldCaps(const RestRequest& request, const std::string& indices);
  RestResponse CatIndices(const RestRequest& request, const std::string& indices);
  // GET /_cat/count[/{indices}]: epoch, timestamp (UTC HH:MM:SS) and the live documents.
  RestResponse CatCount(const RestRequest& request, const std::string& indices);
  RestResponse ClusterHealth(const RestRequest& request);
  RestResponse Refresh(const RestRequest& request, const std::string& indices);
  RestResponse CreateIndex(const RestRequest& request, const std::string& index);
  RestResponse DeleteIndex(const RestRequest& request, const std::string& indices);
  RestResponse GetIndex(const RestRequest& request, const std::string& indices);
  RestResponse Aliases(const RestRequest& request, const std::string& indices, const std::string& names);
  RestResponse UpdateAliases(const RestRequest& request);
  RestResponse Nodes(const RestRequest& request);
  RestResponse SetupProbe(const RestRequest& request, const std::vector<std::string>& parts);

  // Expands an index expression with the request's ignore_unavailable and
  // allow_no_indices; false with *error set (404 index_not_found_exception)
  // when a concrete name is missing.
  bool ResolveIndices(const RestRequest& request, const StoreVersion& version, const std::string& indices,
                      std::vector<std::string>* out, RestResponse* error);

  // The mapping (JSON) the stored index templates give a new index named
  // `index`: the best composable template (highest priority, with its
  // component templates) or else every matching legacy template by order;
  // "" when none matches.
  std::string TemplateMapping(const std::string& index) const;

  // Parses `body` with the request's URL parameters, resolves `indices` and
  // runs the search within the server's limits; false with *error set.
  // `version` (may be null): the store version to read (scroll, point in time).
  bool ExecuteSearch(const RestRequest& request, const std::string& indices, const std::string& body,
                     SearchRequest* search, SearchResponse* response, RestResponse* error,
                     std::shared_ptr<const StoreVersion> version = nullptr);

  // Runs one parsed search body against `indices` (shared by _search and _msearch).
  RestResponse RunSearch(const RestRequest& request, const std::string& indices, const std::string& body,
                         std::shared_ptr<const StoreVersion> version = nullptr);

  Store* store_;
  EsApiOptions options_;
  Metrics* metrics_;
  std::string cluster_uuid_;
  std::mutex write_mu_;  // one _bulk's lookups and commit at a time
  std::atomic<uint64_t> indexing_bytes_{0};
  std::atomic<int> searches_{0};
  std::atomic<uint64_t> seq_no_{0};

  // Open scrolls: what the next page repeats, and where it starts.
  struct ScrollState {
    std::string indices;
    std::map<std::string, std::string> params;
    std::string body;       // the search, its sort ending in _doc
    std::string last_sort;  // the last hit's sort values (JSON), "" before any
    int64_t expires_ms = 0;
    std::shared_ptr<const StoreVersion> version;  // read by every page (its segments stay on disk)
  };
  struct PitState {
    std::string indices;             // the expression the point in time was opened on
    std::string ignore_unavailable;  // its URL parameter, "" when not given
    int64_t expires_ms = 0;
    std::shared_ptr<const StoreVersion> version;  // what every search in it reads
  };
  // Drops expired scrolls and points in time (they pin store versions, and
  // with them segment files), at most every 10 s (Handle calls it).
  void PurgeExpiredContexts();
  std::atomic<int64_t> last_purge_ms_{0};
  std::mutex scroll_mu_;  // scrolls_, pits_ and async_results_
  std::map<std::string, ScrollState> scrolls_;
  std::map<std::string, PitState> pits_;
  std::map<std::string, AsyncResult> async_results_;
};

}  // namespace flowdex
