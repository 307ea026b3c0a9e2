// SqsClient: the SQS calls a queue consumer needs, in the AWS JSON protocol
// (what current SDKs speak) or the older query protocol (form body, XML
// answers) for endpoints that only speak that.
//
// Requests go to the configured endpoint (custom endpoints: always; AWS:
// https://sqs.<region>.amazonaws.com/), with the queue URL passed as an
// opaque string: emulators hand out queue URLs whose host does not resolve.
#pragma once

#include <string>
#include <vector>

#include "aws/aws_client.h"

namespace flowdex {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  int receive_count = 0;  // ApproximateReceiveCount
};

struct SqsBatchEntry {
  std::string id;  // unique within the batch
  std::string receipt_handle;
  int visibility_seconds = 0;  // ChangeMessageVisibilityBatch only
};

struct SqsBatchFailure {
  std::string id;
  std::string code;  // "ReceiptHandleIsInvalid", ...
  std::string message;
};

enum class SqsProtocol { kJson, kQuery };

class SqsClient {
 public:
  // `queue_url` as AWS (or the emulator) gave it. The region is taken from an
  // AWS queue URL's host, else from the configuration.
  SqsClient(AwsConfig config, std::string queue_url, SqsProtocol protocol = SqsProtocol::kJson);

  // ReceiveMessage: up to `max_messages` (1-10), long polling for
  // `wait_seconds` (0-20); `visibility_seconds` < 0 keeps the queue's setting.
  Status Receive(int max_messages, int wait_seconds, int visibility_seconds, std::vector<SqsMessage>* out,
                 AwsError* error = nullptr);

  // DeleteMessageBatch / ChangeMessageVisibilityBatch (up to 10 entries).
  // OK when the call succeeded; entries that failed are in *failed.
  Status DeleteBatch(const std::vector<SqsBatchEntry>& entries, std::vector<SqsBatchFailure>* failed);
  Status ChangeVisibilityBatch(const std::vector<SqsBatchEntry>& entries, std::vector<SqsBatchFailure>* failed);

  const std::string& queue_url() const { return queue_url_; }
  const std::string& region() const { return region_; }
  const AwsConfig& config() const { return config_; }

 private:
  Status Call(const std::string& action, const std::string& json_body, const std::string& form_body,
              HttpResponse* response, AwsError* error, int64_t extra_timeout_ms = 0);
  Status Batch(const std::string& action, const std::vector<SqsBatchEntry>& entries, bool with_visibility,
               std::vector<SqsBatchFailure>* failed);

  AwsConfig config_;
  std::string queue_url_;
  std::string endpoint_;
  std::string region_;
  SqsProtocol protocol_;
};

// The region in an AWS queue URL's host (sqs.<region>.amazonaws.com,
// <region>.queue.amazonaws.com; queue.amazonaws.com is us-east-1), or "".
std::string RegionFromQueueUrl(const std::string& queue_url);

}  // namespace flowdex
