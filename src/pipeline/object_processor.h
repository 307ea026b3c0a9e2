// ObjectProcessor: the step every ingest path shares (SQS worker, Lambda,
// S3 backfill): take an object announced by a notification (or listed),
// skip it when its key does not match the pattern, stream it from S3 into
// the sink, log what happened and count it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <re2/re2.h>

#include "aws/s3_client.h"
#include "pipeline/object_sink.h"
#include "pipeline/s3_notification.h"

namespace flowdex {

// Counters of the pipeline (flowdex serve exposes them at /metrics).
struct PipelineMetrics {
  std::atomic<uint64_t> messages_received{0};
  std::atomic<uint64_t> messages_deleted{0};    // done, or nothing to ingest
  std::atomic<uint64_t> messages_returned{0};   // failed: left for redelivery (and the DLQ)
  std::atomic<uint64_t> messages_malformed{0};  // not a notification (left for the DLQ)
  std::atomic<uint64_t> test_events{0};
  std::atomic<uint64_t> visibility_extensions{0};
  std::atomic<uint64_t> objects_stored{0};
  std::atomic<uint64_t> objects_already_stored{0};
  std::atomic<uint64_t> objects_skipped{0};  // key does not match --key-pattern
  std::atomic<uint64_t> objects_missing{0};  // announced but gone (404): given up
  std::atomic<uint64_t> objects_failed{0};
  std::atomic<uint64_t> records_stored{0};
  std::atomic<uint64_t> records_duplicate{0};
  std::atomic<uint64_t> records_dead_lettered{0};
  std::atomic<uint64_t> bad_lines{0};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<int64_t> messages_in_flight{0};

  // Prometheus text exposition (flowdex_pipeline_* counters and gauges).
  std::string Render() const;
  // "12 objects stored (345,678 records), 1 already stored, ..." for summaries;
  // the SQS message counts only when `messages`.
  std::string Summary(bool messages = true) const;
};

enum class MessageOutcome {
  kDone,   // every object is in the sink, or there was nothing to ingest: delete the message
  kRetry,  // something failed: leave the message for redelivery (and the queue's DLQ)
};

class ObjectProcessor {
 public:
  // `key_pattern` (RE2, searched in the key; "" matches every key).
  ObjectProcessor(const S3Client* s3, ObjectSink* sink, const std::string& key_pattern, PipelineMetrics* metrics);

  // Checks the key pattern compiles (before starting).
  Status Validate() const;

  // Ingests one object. OK also for an object skipped by the key pattern or
  // gone from the bucket (404, given up: *gone is set); an error leaves the
  // object to be retried.
  Status ProcessObject(const S3ObjectRef& ref, bool* gone = nullptr);

  // Handles one SQS message body: classifies it, ingests its objects in order
  // and says whether the message may be deleted. `id` names it in logs.
  MessageOutcome ProcessMessage(const std::string& id, const std::string& body);

  ObjectSink* sink() const { return sink_; }
  PipelineMetrics* metrics() const { return metrics_; }

 private:
  const S3Client* s3_;
  ObjectSink* sink_;
  std::unique_ptr<RE2> key_pattern_;
  PipelineMetrics* metrics_;
};

}  // namespace flowdex
