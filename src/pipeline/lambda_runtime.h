// The AWS Lambda custom runtime loop (provided.al2023) for SQS-triggered
// invocations, and for CloudWatch Logs subscription filters (awslogs events:
// the payload's events stored as one object, answered {"records": N}; an
// error makes Lambda retry the asynchronous invocation): GET the next event from AWS_LAMBDA_RUNTIME_API, handle each
// SQS record's body as the worker does, and answer with the partial batch
// response ({"batchItemFailures":[{"itemIdentifier": messageId}...]}) so
// only failed messages return to the queue. Near the invocation's deadline
// no new message is started; the rest are reported as failures rather than
// letting the invocation time out (which would return the whole batch).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "pipeline/object_processor.h"

namespace flowdex {

struct LambdaRuntimeOptions {
  std::string runtime_api;              // host:port (AWS_LAMBDA_RUNTIME_API)
  int64_t deadline_margin_ms = 10'000;  // start no message with less time left than this
  int max_invocations = 0;              // > 0: return after this many (tests)
};

// What an SQS event needs answered; exposed for tests.
struct SqsEventRecord {
  std::string message_id;
  std::string body;
};
// Parses a Lambda SQS event ({"Records":[{"messageId","body",...}]}).
Status ParseSqsEvent(std::string_view event, std::vector<SqsEventRecord>* records);

// If `event` is a CloudWatch Logs subscription event ({"awslogs": {"data":
// base64 of gzip JSON}}), stores its flow records through the processor's
// sink and says so in *handled; the function's answer (or error) is in
// *answer. Exposed for tests.
Status HandleCloudWatchLogsEvent(std::string_view event, ObjectSink* sink, bool* handled, std::string* answer);

// Runs the loop until the runtime API goes away (or max_invocations).
// Returns an error when the runtime API cannot be reached.
Status RunLambdaRuntime(ObjectProcessor* processor, const LambdaRuntimeOptions& options);

// Reports an initialisation error (bad configuration) to the runtime API.
Status ReportLambdaInitError(const std::string& runtime_api, const std::string& type, const std::string& message);

}  // namespace flowdex
