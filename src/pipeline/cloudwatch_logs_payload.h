// CloudWatch Logs subscription payloads: what a subscription filter sends to
// a Lambda function (the event's awslogs.data: base64 of gzip of this JSON)
// and to Amazon Data Firehose (each record: gzip of this JSON).
//
//   {"messageType": "DATA_MESSAGE", "owner": "123456789012",
//    "logGroup": "vpc-flow-logs", "logStream": "eni-0abc-all",
//    "subscriptionFilters": ["to-flowdex"],
//    "logEvents": [{"id": "3195...", "timestamp": 1700000000000,
//                   "message": "2 123456789012 eni-0abc ..."}]}
//
// "CONTROL_MESSAGE" payloads (sent once to check the destination is
// reachable) carry no flow records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/object_sink.h"
#include "util/status.h"

namespace flowdex {

struct CloudWatchLogsEvent {
  std::string id;
  int64_t timestamp_ms = 0;
  std::string message;
};

struct CloudWatchLogsPayload {
  std::string message_type;  // "DATA_MESSAGE" or "CONTROL_MESSAGE"
  std::string owner;         // the account
  std::string log_group;
  std::string log_stream;
  std::vector<CloudWatchLogsEvent> events;

  bool is_control() const { return message_type == "CONTROL_MESSAGE"; }
};

// Parses the JSON of a payload. InvalidArgument, naming what is missing,
// for JSON that is not a subscription payload.
Status ParseCloudWatchLogsPayload(std::string_view json, CloudWatchLogsPayload* out);

// True when `bytes` start with gzip's magic number.
bool IsGzip(std::string_view bytes);

// Gunzips `bytes` (one or more gzip members) into *out, refusing more than
// `max_bytes` of output (LimitExceeded) and damaged data (Corruption).
Status Gunzip(std::string_view bytes, size_t max_bytes, std::string* out);

// Gunzips and parses a payload as a subscription delivers it.
Status DecodeCloudWatchLogsData(std::string_view gzip_bytes, size_t max_bytes, CloudWatchLogsPayload* out);

// Stores a DATA_MESSAGE payload's events (a flow-log line each) as one object
// of the sink, keyed "cwl://GROUP/STREAM#FIRST_EVENT_ID" (*key), so that a
// payload delivered again adds nothing. A CONTROL_MESSAGE stores nothing.
Status StoreCloudWatchLogsPayload(ObjectSink* sink, const CloudWatchLogsPayload& payload, ObjectResult* result,
                                  std::string* key);

}  // namespace flowdex
