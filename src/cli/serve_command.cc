#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "api/backend_proxy.h"
#include "api/es_api.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "aws/secrets_client.h"
#include "cli/commands.h"
#include "cli/pipeline_setup.h"
#include "detect/detection_api.h"
#include "detect/detection_engine.h"
#include "ingest/folder_watcher.h"
#include "pipeline/firehose_receiver.h"
#include "pipeline/object_processor.h"
#include "pipeline/sqs_worker.h"
#include "pipeline/store_sink.h"
#include "rollup/rollup_maintainer.h"
#include "schema/flow_index.h"
#include "store/store.h"
#include "util/allocator_tuning.h"
#include "util/byte_size.h"
#include "util/shutdown_signals.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// serve --backend: the UI here, every API request forwarded to the cluster.
// `running` is set to the server while it runs (the signal handler stops it).
int ServeBackend(const ServeCommandOptions& options, HttpServerOptions http, ShutdownSignals& signals,
                 std::atomic<HttpServer*>& running) {
  BackendOptions b;
  b.url = options.backend;
  b.basic_auth = options.backend_basic_auth;
  b.api_key = options.backend_api_key;
  b.ca_file = options.backend_ca_cert;
  b.insecure = options.backend_insecure;
  auto proxy = std::make_shared<BackendProxy>(b);
  http.backend = [proxy](const RestRequest& r) { return proxy->Forward(r); };
  Metrics metrics;
  HttpServer server(nullptr, &metrics, http);
  Status s = server.Bind();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: {}\n", s.message());
    return 1;
  }
  const std::string url = fmt::format("{}://{}:{}", http.tls_cert.empty() ? "http" : "https", http.host, server.port());
  fmt::print(stderr, "flowdex serve: the UI at {}/_ui/, the API proxied to {}\n", url, options.backend);
  if (!options.ready_file.empty()) std::ofstream(options.ready_file) << url << "\n";
  running = &server;
  if (!signals.received()) server.Run();
  signals.Finish();  // the handler is done with the server
  running = nullptr;
  return 0;
}

}  // namespace

int RunServeCommand(const ServeCommandOptions& options) {
  // First, before any thread starts: SIGTERM and SIGINT stop the server
  // (requests in flight finish), the watcher and the SQS workers.
  std::atomic<HttpServer*> running{nullptr};
  ShutdownSignals signals([&](const char* name) {
    fmt::print(stderr, "flowdex serve: {} received, finishing in-flight requests\n", name);
    if (HttpServer* server = running.load()) server->Stop();
  });

  HttpServerOptions http;
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    fmt::print(stderr, "flowdex serve: --listen wants host:port, not {}\n", options.listen);
    return 2;
  }
  http.host = options.listen.substr(0, colon);
  if (http.host.size() > 2 && http.host.front() == '[') http.host = http.host.substr(1, http.host.size() - 2);
  try {
    http.port = std::stoi(options.listen.substr(colon + 1));
  } catch (...) {
    http.port = -1;
  }
  if (http.port < 0 || http.port > 65535) {
    fmt::print(stderr, "flowdex serve: bad port in --listen {}\n", options.listen);
    return 2;
  }
  int64_t read_timeout_ms = 0;
  if (!ParseDuration(options.read_timeout, &read_timeout_ms).ok() || read_timeout_ms < 1000) {
    fmt::print(stderr, "flowdex serve: --read-timeout wants a duration of at least 1s, not {}\n", options.read_timeout);
    return 2;
  }
  http.read_timeout_s = static_cast<int>(read_timeout_ms / 1000);
  http.threads = std::max(1, options.threads);
  http.max_queued = static_cast<size_t>(std::max(0, options.max_queued));
  http.max_body_bytes = options.max_body_mb << 20;
  http.basic_auth = options.basic_auth;
  http.api_keys = options.api_keys;
  http.tls_cert = options.tls_cert;
  http.tls_key = options.tls_key;
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    fmt::print(stderr, "flowdex serve: --tls-cert and --tls-key go together\n");
    return 2;
  }

  // Firehose deliveries: set up once the store and the enrichment are; the
  // server accepts no connection before Run.
  FirehoseMetrics firehose_metrics;
  std::unique_ptr<FirehoseReceiver> firehose;
  FirehoseOptions firehose_options;
  const bool firehose_on = !options.firehose_access_key.empty() || !options.firehose_access_key_secret.empty();
  if (firehose_on) {
    if (options.firehose_path.empty() || options.firehose_path[0] != '/' ||
        options.firehose_path.rfind("/_ui", 0) == 0) {
      fmt::print(stderr, "flowdex serve: --firehose-path wants a path such as /_firehose, not {}\n",
                 options.firehose_path);
      return 2;
    }
    for (const std::string& spec : options.firehose_formats) {
      const size_t eq = spec.find('=');
      FlowFormat format;
      Status fs = FlowFormat::Parse(eq == std::string::npos ? spec : spec.substr(eq + 1), &format);
      if (!fs.ok()) {
        fmt::print(stderr, "flowdex serve: --firehose-format {}: {}\n", spec, fs.message());
        return 2;
      }
      if (eq == std::string::npos) {
        firehose_options.format = format;
      } else {
        firehose_options.log_group_formats[spec.substr(0, eq)] = format;
      }
    }
    firehose_options.access_key = options.firehose_access_key;
    if (const char* delay = std::getenv("FLOWDEX_TEST_FIREHOSE_ANSWER_DELAY_MS"); delay != nullptr) {
      firehose_options.answer_delay_ms = std::atoi(delay);
    }
    if (firehose_options.access_key.empty()) {
      std::string secret;
      Status ss =
          GetSecretString(MakeAwsConfig(options.aws, signals.token()), options.firehose_access_key_secret, &secret);
      if (ss.ok()) ss = ParseFirehoseAccessKey(secret, &firehose_options.access_key);
      if (!ss.ok()) {
        fmt::print(stderr, "flowdex serve: --firehose-access-key-secret: {}\n", ss.message());
        return 2;
      }
    }
    http.firehose_path = options.firehose_path;
    http.firehose = [&firehose](const RestRequest& r) {
      return firehose ? firehose->Handle(r) : FirehoseAnswer(503, r.Header("x-amz-firehose-request-id"), "starting");
    };
    http.firehose_error = [](int status, const std::string& id, const std::string& message) {
      return FirehoseAnswer(status, id, message);
    };
  }

  // Detections: answered once the engine is open (before that, 503).
  std::unique_ptr<DetectionEngine> detections;
  int64_t rules_tick_ms = 0, alert_late_ms = 0;
  if (!ParseDuration(options.rules_tick, &rules_tick_ms).ok() || rules_tick_ms < 100) {
    fmt::print(stderr, "flowdex serve: --rules-tick wants a duration of at least 100ms, not {}\n", options.rules_tick);
    return 2;
  }
  if (!ParseDuration(options.alert_late, &alert_late_ms).ok()) {
    fmt::print(stderr, "flowdex serve: --alert-late wants a duration such as 30m, not {}\n", options.alert_late);
    return 2;
  }
  http.flowdex_paths = [](const std::string& path) { return IsDetectionPath(path); };
  http.flowdex_api = [&detections](const RestRequest& r) {
    if (!detections) {
      RestResponse res;
      res.status = 503;
      res.body = R"({"error":{"type":"unavailable","reason":"detections are starting"},"status":503})";
      return res;
    }
    return HandleDetectionRequest(detections.get(), r);
  };

  if (!options.backend.empty()) {
    if (!options.enable_rules.empty()) {
      fmt::print(stderr, "flowdex serve: --backend serves a remote cluster: --enable-rules needs the local store\n");
      return 2;
    }
    // Detections need the local store: a clear 404 rather than the cluster's
    // "no handler" (the UI says so).
    http.flowdex_api = [](const RestRequest&) {
      RestResponse res;
      res.status = 404;
      res.body = R"({"error":{"root_cause":[{"type":"resource_not_found_exception","reason":"detections run on )"
                 R"(flowdex's own store, not with --backend"}],"type":"resource_not_found_exception","reason":)"
                 R"("detections run on flowdex's own store, not with --backend"},"status":404})";
      return res;
    };
    if (firehose_on) {
      fmt::print(stderr,
                 "flowdex serve: --backend serves a remote cluster: --firehose-access-key needs the local store\n");
      return 2;
    }
    if (!options.sqs.empty() || !options.watch.empty()) {
      fmt::print(stderr, "flowdex serve: --backend serves a remote cluster: --watch and --sqs need the local store\n");
      return 2;
    }
    return ServeBackend(options, http, signals, running);
  }

  StoreOptions store_options;
  store_options.background_work = true;
  store_options.background_tasks.push_back(RollupTask());  // dashboards' rollups follow new data
  if (!options.retention.empty()) {
    Status s = ParseDuration(options.retention, &store_options.retention_ms);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex serve: --retention: {}\n", s.message());
      return 2;
    }
  }
  for (const auto& [flag, text, bytes] :
       {std::tuple{"--max-disk", &options.max_disk, &store_options.max_disk_bytes},
        std::tuple{"--block-cache", &options.block_cache, &store_options.block_cache_bytes},
        std::tuple{"--filter-cache", &options.filter_cache, &store_options.filter_cache_bytes}}) {
    if (text->empty()) continue;
    Status s = ParseByteSize(*text, bytes);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex serve: {}: {}\n", flag, s.message());
      return 2;
    }
  }
  std::unique_ptr<Store> store;
  Status s = Store::Open(options.data_dir, store_options, &store);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: {}\n", s.message());
    return 1;
  }

  Metrics metrics;
  EsApiOptions api_options;
  api_options.cancel = signals.token();
  api_options.version = options.es_version;
  api_options.max_concurrent_searches = options.max_concurrent_searches;
  api_options.indexing_pressure_bytes = options.indexing_pressure_mb << 20;
  s = ParseDuration(options.search_timeout, &api_options.search_timeout_ms);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: --search-timeout: {}\n", s.message());
    return 2;
  }
  EsApi api(store.get(), api_options, &metrics);
  s = api.EnsureDefaultAlias();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: {}\n", s.message());
    return 1;
  }
  HttpServer server(&api, &metrics, http);
  s = server.Bind();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: {}\n", s.message());
    return 1;
  }
  api.set_publish_address(fmt::format("{}:{}", http.host, server.port()));
  const std::string scheme = options.tls_cert.empty() ? "http" : "https";
  const std::string url =
      fmt::format("{}://{}:{}", scheme, http.host.find(':') != std::string::npos ? "[" + http.host + "]" : http.host,
                  server.port());

  EnrichmentSources enrichment;
  s = OpenEnrichment(options.enrichment, options.data_dir, MakeAwsConfig(options.aws, signals.token()), &enrichment);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: {}\n", s.message());
    return 2;
  }
  api.set_inventory(enrichment.inventory);
  FolderWatcherOptions watch;
  watch.dirs = options.watch;
  watch.ingest.retention_ms = store_options.retention_ms;
  watch.ingest.enrichment = enrichment;
  FolderWatcher watcher(store.get(), watch, [&](const WatchedFileReport& r) {
    if (r.failed) {
      ++metrics.watch_failures;
      fmt::print(stderr, "flowdex serve: watch: {} failed: {}\n", r.path, r.error);
    } else if (r.ingested) {
      ++metrics.watch_files;
      metrics.watch_records += r.records;
      metrics.watch_bad_lines += r.bad_lines;
      fmt::print(stderr, "flowdex serve: watch: {}: {} records, {} bad lines, {:.0f} ms\n", r.path, r.records,
                 r.bad_lines, r.seconds * 1000);
    } else {
      fmt::print(stderr, "flowdex serve: watch: {}: already ingested, skipped\n", r.path);
    }
  });
  if (!options.watch.empty()) {
    s = watcher.Start();
    if (!s.ok()) {
      fmt::print(stderr, "flowdex serve: {}\n", s.message());
      return 1;
    }
  }

  // --sqs: the pipeline worker in-process, into this store.
  PipelineMetrics pipeline_metrics;
  AwsConfig aws;
  std::unique_ptr<S3Client> s3;
  std::unique_ptr<StoreSink> sqs_sink;
  std::unique_ptr<ObjectProcessor> processor;
  std::vector<std::unique_ptr<SqsClient>> queues;
  std::vector<std::thread> sqs_threads;
  if (!options.sqs.empty()) {
    SqsProtocol protocol;
    s = ParseSqsProtocol(options.aws.sqs_protocol, &protocol);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex serve: {}\n", s.message());
      return 2;
    }
    aws = MakeAwsConfig(options.aws, signals.token());
    s3 = std::make_unique<S3Client>(aws);
    StoreSink::Options so;
    so.retention_ms = store_options.retention_ms;
    so.enrichment = enrichment;
    sqs_sink = std::make_unique<StoreSink>(store.get(), so);
    processor = std::make_unique<ObjectProcessor>(s3.get(), sqs_sink.get(), options.key_pattern, &pipeline_metrics);
    s = processor->Validate();
    if (!s.ok()) {
      fmt::print(stderr, "flowdex serve: {}\n", s.message());
      return 2;
    }
    for (const std::string& queue_url : options.sqs) {
      queues.push_back(std::make_unique<SqsClient>(aws, queue_url, protocol));
      SqsClient* q = queues.back().get();
      sqs_threads.emplace_back([&, q] {
        SqsWorkerOptions wo;
        wo.workers = options.sqs_workers;
        SqsWorker worker(q, processor.get(), wo);
        fmt::print(stderr, "flowdex serve: ingesting S3 notifications from {}\n", q->queue_url());
        Status r = worker.Run(signals.token());
        if (!r.ok()) fmt::print(stderr, "flowdex serve: --sqs stopped: {}\n", r.message());
      });
    }
  }

  std::unique_ptr<StoreSink> firehose_sink;
  if (firehose_on) {
    StoreSink::Options so;
    so.retention_ms = store_options.retention_ms;
    so.enrichment = enrichment;
    firehose_sink = std::make_unique<StoreSink>(store.get(), so);
    firehose = std::make_unique<FirehoseReceiver>(firehose_sink.get(), firehose_options, &firehose_metrics);
    fmt::print(stderr, "flowdex serve: accepting Amazon Data Firehose deliveries at {}{}\n", url,
               options.firehose_path);
  }
  metrics.extra = [&pipeline_metrics, &firehose_metrics, sqs = !options.sqs.empty(), firehose_on] {
    return (sqs ? pipeline_metrics.Render() : std::string()) +
           (firehose_on ? firehose_metrics.Render() : std::string());
  };

  DetectionOptions detect_options;
  detect_options.dir = options.data_dir + "/detections";
  detect_options.flow_index = std::string(kFlowIndex);
  detect_options.ui_url = url;
  detect_options.tick_ms = rules_tick_ms;
  detect_options.late_ms = alert_late_ms;
  detect_options.enable = options.enable_rules;
  detect_options.data_generation = [&store] { return store->Current()->generation; };
  AwsConfig alert_aws = MakeAwsConfig(options.aws, signals.token());
  alert_aws.max_attempts = 2;  // the outbox retries with its own, longer backoff
  auto engine = std::make_unique<DetectionEngine>([&api](const RestRequest& r) { return api.Handle(r); },
                                                  detect_options, std::make_unique<AlertNotifier>(alert_aws));
  s = engine->Open();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex serve: detections: {}\n", s.message());
    return 2;
  }
  engine->Start();
  detections = std::move(engine);

  // Every 10 s: a trim gives back what the last seconds freed (measured:
  // ~5 ms for a settled 300 MB heap, 120 ms the first time 150 MB of it
  // was free), and the next queries fault those pages in again.
  FreeMemoryReleaser releaser(std::chrono::seconds(10));
  const auto version = store->Current();
  fmt::print(stderr, "flowdex serve: {} documents in {} indices at {}; listening on {}\n", version->Rows(),
             version->indices.size(), options.data_dir, url);
  if (!options.ready_file.empty()) std::ofstream(options.ready_file) << url << "\n";
  running = &server;
  if (!signals.received()) server.Run();
  signals.Finish();  // the handler is done with the server
  running = nullptr;
  signals.RequestStop();  // also when Run returned on its own (the socket failed)
  for (auto& t : sqs_threads) t.join();
  watcher.Stop();
  detections->Stop();
  store.reset();  // background work stopped, directory released
  fmt::print(stderr, "flowdex serve: stopped\n");
  return 0;
}

}  // namespace flowdex
