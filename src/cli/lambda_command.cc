// flowdex lambda: the AWS Lambda custom runtime (the zip's bootstrap runs it).
#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/pipeline_setup.h"
#include "pipeline/lambda_runtime.h"
#include "pipeline/object_processor.h"

namespace flowdex {

int RunLambdaCommand(const LambdaCommandOptions& options) {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api || !*api) {
    fmt::print(stderr, "flowdex lambda: AWS_LAMBDA_RUNTIME_API is not set (this command runs inside AWS Lambda)\n");
    return 2;
  }
  auto init_error = [&](const std::string& message) {
    fmt::print(stderr, "flowdex lambda: {}\n", message);
    Status r = ReportLambdaInitError(api, "Runtime.ConfigurationError", message);
    if (!r.ok()) fmt::print(stderr, "flowdex lambda: reporting the init error failed: {}\n", r.message());
    return 1;
  };
  FlowFormat user_format;
  if (!options.format.empty()) {
    Status s = FlowFormat::Parse(options.format, &user_format);
    if (!s.ok()) return init_error(fmt::format("FLOWDEX_FORMAT: {}", s.message()));
  }
  // /tmp is all Lambda lets a function write, and it does not outlive the
  // environment: an embedded store there would lose data.
  if (!IsRemoteSink(options.sink)) {
    return init_error(
        "FLOWDEX_SINK must name an Elasticsearch/OpenSearch URL (https://host:9200): "
        "a Lambda function has no lasting disk for the embedded store");
  }
  AwsConfig aws = MakeAwsConfig(options.aws, CancellationToken());
  std::unique_ptr<ObjectSink> sink;
  Status s =
      MakeSink(options.sink, aws, nullptr, options.format.empty() ? nullptr : &user_format, CancellationToken(), &sink);
  if (!s.ok()) return init_error(std::string(s.message()));
  S3Client s3(aws);
  PipelineMetrics metrics;
  ObjectProcessor processor(&s3, sink.get(), options.key_pattern, &metrics);
  s = processor.Validate();
  if (!s.ok()) return init_error(std::string(s.message()));
  LambdaRuntimeOptions lo;
  lo.runtime_api = api;
  lo.deadline_margin_ms = options.deadline_margin_ms;
  lo.max_invocations = options.max_invocations;
  s = RunLambdaRuntime(&processor, lo);
  fmt::print(stderr, "flowdex lambda: {}\n", metrics.Summary());
  if (!s.ok()) {
    fmt::print(stderr, "flowdex lambda: {}\n", s.message());
    return 1;
  }
  return 0;
}

}  // namespace flowdex
