// CloudWatch Logs backfill: `flowdex ingest cwl://LOG_GROUP[?stream-prefix=..]`
// reads a log group's events with FilterLogEvents (every page, events in
// timestamp order) and stores each page's messages (one flow-log line each;
// CloudWatch Logs delivery writes no header, so --format gives the layout)
// as one object of the sink.
//
// Resumable and exactly once, with a checkpoint file: before a page is
// committed its extent (its key and its last event) is recorded as pending,
// and after the commit the position moves past it (the last timestamp and
// the ids of the events at that timestamp). A run that finds a pending page
// rebuilds exactly that page and commits it under the same key, which the
// sink recognises if the crash came after the commit. A finished run's
// checkpoint lets the next run read only what arrived since.
#pragma once

#include <cstdint>
#include <string>

#include "aws/aws_client.h"
#include "pipeline/object_sink.h"
#include "util/cancellation.h"

namespace flowdex {

struct CwlSource {
  std::string log_group;
  std::string stream_prefix;  // only streams whose names start with it
  int64_t start_ms = -1;      // -1: from the group's first event
  int64_t end_ms = -1;        // -1: up to the time the run starts
};

// Splits "cwl://LOG_GROUP[?stream-prefix=P&start=T&end=T]": the group name is
// everything up to '?' ("cwl:///aws/vpc/flows" names "/aws/vpc/flows"),
// percent-decoded; T as --start takes it (2026-11-01T10:00Z, Unix seconds,
// now-24h).
Status ParseCwlUrl(const std::string& url, int64_t now_seconds, CwlSource* out);

struct CwlBackfillOptions {
  std::string checkpoint_path;  // "" : no checkpoint (every run reads it all; keys still dedupe)
  int page_limit = 0;           // events a FilterLogEvents page (0: the service's default, up to 10,000)
  CancellationToken cancel;
};

struct CwlBackfillSummary {
  uint64_t pages = 0;  // objects committed (or found already stored)
  uint64_t events = 0;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  uint64_t bad_lines = 0;
  bool resumed = false;           // a checkpoint was there
  bool finished_pending = false;  // ...with a page left pending by an interrupted run
};

// Reads the group from the checkpoint's position (or the start) to its end
// and stores every event. Stops at the first error (a later run resumes).
Status RunCwlBackfill(const AwsConfig& aws, ObjectSink* sink, const CwlSource& source,
                      const CwlBackfillOptions& options, CwlBackfillSummary* summary);

}  // namespace flowdex
