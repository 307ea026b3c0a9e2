// The AWS call layer shared by the S3 and SQS clients: configuration
// (region, custom endpoints, credentials), signing, error decoding, and
// retries with jittered exponential backoff on throttling, 5xx answers and
// network failures.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

// An error answer from an AWS service (or a failure to get one).
struct AwsError {
  long http_status = 0;  // 0: no answer (network)
  std::string code;      // "NoSuchKey", "QueueDoesNotExist", "SignatureDoesNotMatch", ...
  std::string message;
  bool retryable = false;
  std::string ToString() const;
};

// Decodes an error body: S3/STS/SQS-query XML (<Error><Code>) or the JSON
// protocol's {"__type": "...#Code", "message": ...}.
AwsError ParseAwsError(const HttpResponse& response);

struct AwsConfig {
  std::string region;            // default region (bucket or queue region when not known otherwise)
  std::string s3_endpoint;       // custom S3 endpoint ("" : AWS); custom endpoints use path-style addressing
  std::string sqs_endpoint;      // custom SQS endpoint ("" : AWS)
  std::string secrets_endpoint;  // custom Secrets Manager endpoint ("" : AWS)
  std::string ec2_endpoint;      // custom EC2 endpoint ("" : AWS)
  std::string logs_endpoint;     // custom CloudWatch Logs endpoint ("" : AWS)
  std::string sns_endpoint;      // custom SNS endpoint ("" : AWS)
  std::shared_ptr<CredentialsProvider> credentials;
  int max_attempts = 6;  // per call, the first included
  int64_t base_backoff_ms = 200;
  int64_t max_backoff_ms = 20'000;
  int64_t timeout_ms = 30'000;  // per request (long polls add their wait)
  CancellationToken cancel;     // stops retries and transfers (shutdown)
};

// Fills `config` the way the AWS SDKs and CLI do: `endpoint_flag` (when not
// empty) for every service, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SQS /
// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / AWS_ENDPOINT_URL_SNS,
// else AWS_ENDPOINT_URL; region from `region_flag` or DefaultRegion().
void ResolveAwsConfig(const AwsEnvironment& env, const std::string& endpoint_flag, const std::string& region_flag,
                      AwsConfig* config);

// The HttpClient of the calling thread (one pooled connection per thread).
HttpClient& ThreadHttpClient();

// Signs and sends `request`, retrying retryable failures (each attempt signed
// anew). On an HTTP answer >= 300 that is not retried, returns an IoError
// (InvalidArgument for 4xx) whose message is `what` and the decoded error,
// and fills *error. `response` holds the last answer.
Status CallAws(const AwsConfig& config, const std::string& what, HttpRequest request, const SigV4Scope& scope,
               const SigV4Options& options, HttpResponse* response, AwsError* error = nullptr);

// Sleeps for attempt `attempt`'s jittered backoff (full jitter, capped);
// returns false when cancelled meanwhile.
bool BackoffSleep(const AwsConfig& config, int attempt);

}  // namespace flowdex
