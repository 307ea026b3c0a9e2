#include "pipeline/object_processor.h"

#include <chrono>

#include <fmt/format.h>

#include "util/prometheus_text.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

std::string HumanBytes(uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < (1u << 20)) return fmt::format("{:.1f} KiB", n / 1024.0);
  if (n < (1u << 30)) return fmt::format("{:.1f} MiB", n / 1048576.0);
  return fmt::format("{:.2f} GiB", n / 1073741824.0);
}

void LogObject(const std::string& line) { fmt::print(stderr, "flowdex: {}\n", line); }

}  // namespace

std::string PipelineMetrics::Render() const {
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    AppendPrometheusCounter(&out, fmt::format("flowdex_pipeline_{}", name), help, v);
  };
  counter("messages_received_total", "SQS messages received.", messages_received);
  counter("messages_deleted_total", "SQS messages deleted after their objects were stored (or held nothing to ingest).",
          messages_deleted);
  counter("messages_returned_total", "SQS messages left for redelivery after a failure.", messages_returned);
  counter("messages_malformed_total", "SQS messages that are not S3 notifications.", messages_malformed);
  counter("test_events_total", "s3:TestEvent messages deleted.", test_events);
  counter("visibility_extensions_total", "ChangeMessageVisibility heartbeats.", visibility_extensions);
  counter("objects_stored_total", "S3 objects stored.", objects_stored);
  counter("objects_already_stored_total", "S3 objects found already stored (redeliveries).", objects_already_stored);
  counter("objects_skipped_total", "S3 objects skipped by the key pattern.", objects_skipped);
  counter("objects_missing_total", "Announced S3 objects that no longer exist.", objects_missing);
  counter("objects_failed_total", "S3 objects that failed (retried later).", objects_failed);
  counter("records_stored_total", "Flow records stored.", records_stored);
  counter("records_duplicate_total", "Flow records already in the sink.", records_duplicate);
  counter("records_dead_lettered_total", "Flow records refused by the sink for good.", records_dead_lettered);
  counter("bad_lines_total", "Lines that are not flow records.", bad_lines);
  counter("bytes_read_total", "Bytes of S3 objects read.", bytes_read);
  out += fmt::format(
      "# HELP flowdex_pipeline_messages_in_flight SQS messages being processed.\n"
      "# TYPE flowdex_pipeline_messages_in_flight gauge\nflowdex_pipeline_messages_in_flight {}\n",
      messages_in_flight.load());
  return out;
}

std::string PipelineMetrics::Summary(bool messages) const {
  std::string out = fmt::format(
      "{} objects stored ({} records, {} bad lines, {}), {} already stored, {} skipped, {} missing, {} failed",
      objects_stored.load(), records_stored.load(), bad_lines.load(), HumanBytes(bytes_read.load()),
      objects_already_stored.load(), objects_skipped.load(), objects_missing.load(), objects_failed.load());
  if (records_duplicate.load() || records_dead_lettered.load()) {
    out += fmt::format("; records already in the sink {}, dead-lettered {}", records_duplicate.load(),
                       records_dead_lettered.load());
  }
  if (messages) {
    out += fmt::format("; messages: {} received, {} deleted, {} returned, {} malformed, visibility extended {} times",
                       messages_received.load(), messages_deleted.load(), messages_returned.load(),
                       messages_malformed.load(), visibility_extensions.load());
  }
  return out;
}

ObjectProcessor::ObjectProcessor(const S3Client* s3, ObjectSink* sink, const std::string& key_pattern,
                                 PipelineMetrics* metrics)
    : s3_(s3), sink_(sink), metrics_(metrics) {
  if (!key_pattern.empty()) key_pattern_ = std::make_unique<RE2>(key_pattern, RE2::Quiet);
}

Status ObjectProcessor::Validate() const {
  if (key_pattern_ && !key_pattern_->ok()) {
    return Status::InvalidArgument(fmt::format("--key-pattern: {}", key_pattern_->error()));
  }
  return Status::OK();
}

Status ObjectProcessor::ProcessObject(const S3ObjectRef& ref, bool* gone) {
  if (gone) *gone = false;
  const std::string where = fmt::format("s3://{}/{}", ref.bucket, ref.key);
  if (key_pattern_ && !RE2::PartialMatch(ref.key, *key_pattern_)) {
    metrics_->objects_skipped.fetch_add(1);
    LogObject(fmt::format("{}: skipped (the key does not match --key-pattern)", where));
    return Status::OK();
  }
  const auto start = std::chrono::steady_clock::now();
  ObjectResult result;
  int resumes = 0;  // ranged GETs that continued a cut-off transfer
  const std::string pre_key = SourceKeyForObject(ref, ref.version_id);
  Status s;
  if (sink_->HasObject(pre_key)) {
    result.already_stored = true;
  } else {
    std::unique_ptr<S3ObjectReader> reader;
    s = s3_->OpenObject(ref, &reader);
    if (s.IsNotFound()) {
      // Deleted since it was announced (lifecycle, another consumer): retrying cannot help.
      metrics_->objects_missing.fetch_add(1);
      if (gone) *gone = true;
      LogObject(fmt::format("{}: gone from the bucket, given up ({})", where, s.message()));
      return Status::OK();
    }
    if (s.ok()) {
      s = sink_->WriteObject(SourceKeyForObject(ref, reader->version_id()), reader.get(), &result);
      resumes = reader->resumes();
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_->bytes_read.fetch_add(result.bytes_read);
  metrics_->bad_lines.fetch_add(result.bad_lines);
  if (!s.ok()) {
    metrics_->objects_failed.fetch_add(1);
    LogObject(fmt::format("{}: FAILED after {} records, {:.2f} s: {}", where, result.records, seconds, s.message()));
    return s;
  }
  if (result.already_stored) {
    metrics_->objects_already_stored.fetch_add(1);
    LogObject(fmt::format("{}: already stored, nothing added", where));
    return Status::OK();
  }
  metrics_->objects_stored.fetch_add(1);
  metrics_->records_stored.fetch_add(result.stored);
  metrics_->records_duplicate.fetch_add(result.duplicates);
  metrics_->records_dead_lettered.fetch_add(result.dead_lettered);
  std::string extra;
  if (result.duplicates) extra += fmt::format(", {} already there", result.duplicates);
  if (result.dead_lettered) extra += fmt::format(", {} dead-lettered", result.dead_lettered);
  if (resumes) extra += fmt::format(", download resumed {} time{}", resumes, resumes == 1 ? "" : "s");
  LogObject(fmt::format("{}: stored {} records{} ({} bad lines, {}, {:.2f} s)", where, result.stored, extra,
                        result.bad_lines, HumanBytes(result.bytes_read), seconds));
  for (const std::string& bad : result.bad_line_samples) LogObject(fmt::format("{}: bad {}", where, bad));
  return Status::OK();
}

MessageOutcome ObjectProcessor::ProcessMessage(const std::string& id, const std::string& body) {
  const S3Notification n = ParseS3Notification(body);
  switch (n.kind) {
    case NotificationKind::kTestEvent:
      metrics_->test_events.fetch_add(1);
      LogObject(fmt::format("message {}: {}, deleted", id, n.reason));
      return MessageOutcome::kDone;
    case NotificationKind::kIgnored:
      LogObject(fmt::format("message {}: {}, nothing to ingest, deleted", id, n.reason));
      return MessageOutcome::kDone;
    case NotificationKind::kMalformed:
      metrics_->messages_malformed.fetch_add(1);
      LogObject(fmt::format("message {}: {}; left on the queue for its dead-letter queue", id, n.reason));
      return MessageOutcome::kRetry;
    case NotificationKind::kObjects: break;
  }
  for (const std::string& skipped : n.skipped) LogObject(fmt::format("message {}: not ingested: {}", id, skipped));
  for (const S3ObjectRef& ref : n.objects) {
    if (!ProcessObject(ref).ok()) return MessageOutcome::kRetry;
  }
  return MessageOutcome::kDone;
}

}  // namespace flowdex
