// CloudWatch Logs: FilterLogEvents, the call a backfill of a log group
// needs (`flowdex ingest cwl://LOG_GROUP`). JSON protocol, SigV4 "logs".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "util/status.h"

namespace flowdex {

struct LogEvent {
  std::string log_stream;
  std::string event_id;
  int64_t timestamp_ms = 0;
  std::string message;
};

struct FilterLogEventsRequest {
  std::string log_group;      // a name ("/aws/vpc/flow-logs")
  std::string stream_prefix;  // logStreamNamePrefix ("" : every stream)
  std::string stream_name;    // logStreamNames: this one stream ("" : all; not with stream_prefix)
  int64_t start_ms = -1;      // startTime, inclusive (-1: none)
  int64_t end_ms = -1;        // endTime, inclusive (-1: none)
  int limit = 0;              // events a page, 1..10000 (0: the service's default)
  std::string next_token;
};

struct LogEventsPage {
  std::vector<LogEvent> events;
  std::string next_token;  // "" : the last page
};

// One page of FilterLogEvents. Events of one stream come in timestamp
// order; across streams the order is the service's (moto's differs from AWS's). NotFound for
// a log group that does not exist; other AWS errors as CallAws reports them.
Status FilterLogEvents(const AwsConfig& config, const FilterLogEventsRequest& request, LogEventsPage* page,
                       AwsError* error = nullptr);

// Every log stream of the group whose name starts with `prefix`
// (DescribeLogStreams, all pages), in name order. NotFound for a missing group.
Status ListLogStreams(const AwsConfig& config, const std::string& log_group, const std::string& prefix,
                      std::vector<std::string>* streams, AwsError* error = nullptr);

}  // namespace flowdex
