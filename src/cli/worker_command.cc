// flowdex worker: the seed's pipeline worker (S3 notifications on SQS ->
// objects from S3 -> the embedded store or an Elasticsearch cluster).
#include <thread>

#include <fmt/format.h>

#include "api/es_exception.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "cli/commands.h"
#include "cli/pipeline_setup.h"
#include "pipeline/object_processor.h"
#include "pipeline/sqs_worker.h"
#include "rollup/rollup_maintainer.h"
#include "util/shutdown_signals.h"

namespace flowdex {

int RunWorkerCommand(const WorkerCommandOptions& options) {
  // SIGTERM/SIGINT stop receiving; started messages finish.
  ShutdownSignals signals([](const char* name) {
    fmt::print(stderr, "flowdex worker: {} received: no new messages; finishing those started\n", name);
  });

  FlowFormat user_format;
  if (!options.format.empty()) {
    Status s = FlowFormat::Parse(options.format, &user_format);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex worker: --format: {}\n", s.message());
      return 2;
    }
  }
  SqsProtocol protocol;
  Status s = ParseSqsProtocol(options.aws.sqs_protocol, &protocol);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex worker: {}\n", s.message());
    return 2;
  }
  AwsConfig aws = MakeAwsConfig(options.aws, signals.token());
  std::unique_ptr<Store> store;
  if (!IsRemoteSink(options.sink)) {
    StoreOptions so;
    so.background_work = true;
    so.background_tasks.push_back(RollupTask());  // dashboards' rollups follow new data
    s = Store::Open(options.data_dir, so, &store);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex worker: {}\n", s.message());
      return 1;
    }
  }
  std::unique_ptr<ObjectSink> sink;
  s = MakeSink(options.sink, aws, store.get(), options.format.empty() ? nullptr : &user_format, signals.token(), &sink);
  if (!s.ok()) {
    fmt::print(stderr, "flowdex worker: {}\n", s.message());
    return 2;
  }
  S3Client s3(aws);
  SqsClient sqs(aws, options.queue_url, protocol);
  PipelineMetrics metrics;
  ObjectProcessor processor(&s3, sink.get(), options.key_pattern, &metrics);
  s = processor.Validate();
  if (!s.ok()) {
    fmt::print(stderr, "flowdex worker: {}\n", s.message());
    return 2;
  }
  SqsWorkerOptions wo;
  wo.workers = options.workers;
  wo.visibility_seconds = options.visibility_seconds;
  wo.wait_seconds = options.wait_seconds;
  wo.retry_after_seconds = options.retry_after_seconds;
  wo.delete_after_receives = options.delete_after_receives;
  wo.exit_when_idle = options.exit_when_idle;
  SqsWorker worker(&sqs, &processor, wo);

  // --metrics-listen: the pipeline's counters for Prometheus, on GET
  // /metrics, through the API's HTTP server (its bounds and timeouts).
  Metrics server_metrics;
  std::unique_ptr<HttpServer> metrics_server;
  std::thread metrics_thread;
  if (!options.metrics_listen.empty()) {
    const size_t colon = options.metrics_listen.rfind(':');
    int port = 0;
    if (colon != std::string::npos) port = std::atoi(options.metrics_listen.c_str() + colon + 1);
    if (colon == std::string::npos || port <= 0 || port > 65535) {
      fmt::print(stderr, "flowdex worker: --metrics-listen wants host:port, not {}\n", options.metrics_listen);
      return 2;
    }
    HttpServerOptions http;
    http.host = options.metrics_listen.substr(0, colon);
    http.port = port;
    http.threads = 2;
    http.ui = false;
    http.backend = [&metrics](const RestRequest& r) {
      if (r.method != "GET" || r.path != "/metrics") {
        return ErrorResponse(MakeEsException("resource_not_found_exception", "only GET /metrics is served here", 404));
      }
      RestResponse out;
      out.content_type = "text/plain; version=0.0.4";
      out.body = metrics.Render();
      return out;
    };
    metrics_server = std::make_unique<HttpServer>(nullptr, &server_metrics, http);
    s = metrics_server->Bind();
    if (!s.ok()) {
      fmt::print(stderr, "flowdex worker: --metrics-listen {}: {}\n", options.metrics_listen, s.message());
      return 1;
    }
    metrics_thread = std::thread([&] { metrics_server->Run(); });
  }

  fmt::print(stderr, "flowdex worker: {} -> {} ({} workers, region {}{})\n", options.queue_url, sink->Describe(),
             options.workers, sqs.region(), aws.sqs_endpoint.empty() ? "" : ", endpoint " + aws.sqs_endpoint);
  s = worker.Run(signals.token());
  if (metrics_thread.joinable()) {
    metrics_server->Stop();
    metrics_thread.join();
  }
  fmt::print(stderr, "flowdex worker: {}\n", metrics.Summary());
  if (!s.ok()) {
    fmt::print(stderr, "flowdex worker: {}\n", s.message());
    return 1;
  }
  return 0;
}

}  // namespace flowdex
