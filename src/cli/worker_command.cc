// flowdex worker: the seed's pipeline worker (S3 notifications on SQS ->
// objects from S3 -> the embedded store or an Elasticsearch cluster).
#include <signal.h>

#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "cli/commands.h"
#include "cli/pipeline_setup.h"
#include "pipeline/object_processor.h"
#include "pipeline/sqs_worker.h"

namespace flowdex {

int RunWorkerCommand(const WorkerCommandOptions& options) {
  // SIGTERM/SIGINT stop receiving; started messages finish.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> stop{false};

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
  AwsConfig aws = MakeAwsConfig(options.aws, &stop);
  std::unique_ptr<Store> store;
  if (!IsRemoteSink(options.sink)) {
    StoreOptions so;
    so.background_work = true;
    s = Store::Open(options.data_dir, so, &store);
    if (!s.ok()) {
      fmt::print(stderr, "flowdex worker: {}\n", s.message());
      return 1;
    }
  }
  std::unique_ptr<ObjectSink> sink;
  s = MakeSink(options.sink, aws, store.get(), options.format.empty() ? nullptr : &user_format, &stop, &sink);
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

  // --metrics-listen: the pipeline's counters for Prometheus, on GET /metrics.
  httplib::Server metrics_server;
  std::thread metrics_thread;
  if (!options.metrics_listen.empty()) {
    const size_t colon = options.metrics_listen.rfind(':');
    int port = 0;
    if (colon != std::string::npos) port = std::atoi(options.metrics_listen.c_str() + colon + 1);
    if (colon == std::string::npos || port <= 0 || port > 65535) {
      fmt::print(stderr, "flowdex worker: --metrics-listen wants host:port, not {}\n", options.metrics_listen);
      return 2;
    }
    metrics_server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.Render(), "text/plain; version=0.0.4");
    });
    if (!metrics_server.bind_to_port(options.metrics_listen.substr(0, colon).c_str(), port)) {
      fmt::print(stderr, "flowdex worker: cannot listen on {}\n", options.metrics_listen);
      return 1;
    }
    metrics_thread = std::thread([&] { metrics_server.listen_after_bind(); });
  }

  std::atomic<bool> finished{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (finished) return;  // woken by the main thread at the end
    fmt::print(stderr, "flowdex worker: {} received: no new messages; finishing those started\n",
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
    stop = true;
  });
  fmt::print(stderr, "flowdex worker: {} -> {} ({} workers, region {}{})\n", options.queue_url, sink->Describe(),
             options.workers, sqs.region(), aws.sqs_endpoint.empty() ? "" : ", endpoint " + aws.sqs_endpoint);
  s = worker.Run(&stop);
  finished = true;
  if (!stop) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  if (metrics_thread.joinable()) {
    metrics_server.stop();
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
