// FirehoseReceiver: the HTTP endpoint Amazon Data Firehose delivers to
// (`flowdex serve --firehose-access-key`, POST /_firehose), per Firehose's
// "HTTP endpoint delivery request and response specifications" (protocol
// version 1.0):
//
//   request:  X-Amz-Firehose-Request-Id, X-Amz-Firehose-Access-Key,
//             X-Amz-Firehose-Source-Arn, optional X-Amz-Firehose-Common-Attributes,
//             Content-Encoding gzip (undone by the HTTP server), and the body
//             {"requestId": "...", "timestamp": ms, "records": [{"data": base64}]}
//   response: {"requestId": <the same>, "timestamp": ms[, "errorMessage": "..."]}
//             200 only once every record is durable in the sink.
//
// A record's data is flow-log text (lines, a header line allowed), JSON
// lines {"message": "<line>"}, or a CloudWatch Logs subscription payload
// (gzip JSON; CONTROL_MESSAGE skipped). A request is stored as one object
// of the sink under "firehose://<stream>/<request-id>", so a retry of a
// request already stored (Firehose keeps the id between attempts) adds
// nothing and is answered 200. docs/aws.md, "Amazon Data Firehose".
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "api/rest.h"
#include "flowlog/flow_format.h"
#include "pipeline/object_sink.h"

namespace flowdex {

struct FirehoseOptions {
  std::string access_key;  // compared in constant time; never logged
  // The layout of records without a header line (the flow log's LogFormat;
  // Firehose carries no header). A request may override it with the common
  // attribute "flowdex-format".
  FlowFormat format = FlowFormat::DefaultV2();
  // Per CloudWatch Logs log group, for subscription payloads.
  std::map<std::string, FlowFormat> log_group_formats;
  size_t max_record_bytes = size_t{64} << 20;  // one record after gunzip
  bool log_requests = true;                    // a line on stderr per request
  // For crash tests only: wait this long between the commit and the answer
  // (env FLOWDEX_TEST_FIREHOSE_ANSWER_DELAY_MS), so a kill -9 can land there.
  int answer_delay_ms = 0;
};

// Counters for /metrics (flowdex_firehose_*).
struct FirehoseMetrics {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> requests_stored{0};
  std::atomic<uint64_t> requests_duplicate{0};     // a retry of a request already stored
  std::atomic<uint64_t> requests_unauthorized{0};  // missing or wrong access key
  std::atomic<uint64_t> requests_invalid{0};       // 4xx other than the key
  std::atomic<uint64_t> requests_failed{0};        // 5xx: the sink could not store them
  std::atomic<uint64_t> records{0};                // Firehose records received
  std::atomic<uint64_t> flow_records{0};           // flow records stored
  std::atomic<uint64_t> bad_lines{0};
  std::atomic<uint64_t> control_messages{0};

  std::string Render() const;
};

class FirehoseReceiver {
 public:
  FirehoseReceiver(ObjectSink* sink, FirehoseOptions options, FirehoseMetrics* metrics)
      : sink_(sink), options_(std::move(options)), metrics_(metrics) {}

  // Answers one delivery request (the body already decompressed).
  RestResponse Handle(const RestRequest& request);

  // The sink's key for a request: "firehose://<stream name>/<request id>".
  static std::string SourceKey(std::string_view source_arn, std::string_view request_id);

 private:
  ObjectSink* sink_;
  FirehoseOptions options_;
  FirehoseMetrics* metrics_;
};

// The access key as kept in Secrets Manager: {"api_key": "..."} (the shape
// Firehose's own Secrets Manager integration reads) or the key itself.
// InvalidArgument, never quoting the secret, for an empty key or JSON
// without "api_key".
Status ParseFirehoseAccessKey(std::string_view secret, std::string* key);

// The body Firehose expects in every answer.
RestResponse FirehoseAnswer(int status, std::string_view request_id, std::string_view error_message);

}  // namespace flowdex
