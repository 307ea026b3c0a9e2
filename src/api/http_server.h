// HttpServer: serves an EsApi over HTTP/1.1 (cpp-httplib), or HTTPS with a
// certificate and key. It owns the protections a server facing shippers and
// browsers needs: bounded bodies (compressed or not), headers, connections
// and read/write times; optional basic auth and API keys; overload answered
// 429 es_rejected_execution_exception instead of queueing without bound.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/es_api.h"
#include "api/metrics.h"
#include "util/status.h"

namespace flowdex {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9200;                     // 0: any free port (see HttpServer::port)
  size_t max_body_bytes = 100u << 20;  // after decompression; larger bodies get 413
  int threads = 32;                    // connections served at once
  size_t max_queued = 256;             // connections waiting for a thread; more get 429
  int read_timeout_s = 30;             // per read of a request
  int write_timeout_s = 30;
  int keep_alive_timeout_s = 5;  // idle connections are closed after this
  // "user:password" for basic auth; API keys as "id:key". None: no auth.
  std::string basic_auth;
  std::vector<std::string> api_keys;
  std::string tls_cert, tls_key;  // both set: HTTPS
  bool ui = true;                 // serve the web UI at /_ui/
  // When set, answers every API request instead of the EsApi (serve
  // --backend: a proxy to an Elasticsearch/OpenSearch cluster).
  std::function<RestResponse(const RestRequest&)> backend;
  // When set, requests to `firehose_path` go to this handler (Amazon Data
  // Firehose's HTTP endpoint delivery, which brings its own access key, so
  // basic auth and API keys do not apply there), and `firehose_error`
  // shapes the answers the server gives itself there (413).
  std::string firehose_path = "/_firehose";
  std::function<RestResponse(const RestRequest&)> firehose;
  std::function<RestResponse(int status, const std::string& request_id, const std::string& message)> firehose_error;
  // When set, answers the requests `flowdex_paths` accepts (the detection
  // API under /_flowdex/), after the same authentication as the rest.
  std::function<bool(const std::string& path)> flowdex_paths;
  std::function<RestResponse(const RestRequest&)> flowdex_api;
};

class HttpServer {
 public:
  HttpServer(EsApi* api, Metrics* metrics, HttpServerOptions options);
  ~HttpServer();

  // Binds the listening socket. Fails when the address is taken or the
  // certificate cannot be loaded.
  Status Bind();
  // The bound port (after Bind).
  int port() const { return port_; }
  // Serves until Stop(); in-flight requests finish before it returns.
  void Run();
  // Stops accepting; safe from any thread.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace flowdex
