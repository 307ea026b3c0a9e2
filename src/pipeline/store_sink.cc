#include "pipeline/store_sink.h"

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "enrich/address_enricher.h"
#include "flowlog/flow_log_reader.h"
#include "ingest/flow_segment_writer.h"
#include "util/time_util.h"

namespace flowdex {

std::string SourceKeyForObject(const S3ObjectRef& ref, const std::string& version_id) {
  std::string key = fmt::format("s3://{}/{}", ref.bucket, ref.key);
  if (!version_id.empty()) key += "?versionId=" + version_id;
  return key;
}

std::string StoreSink::Describe() const { return fmt::format("the embedded store in {}", store_->dir()); }

Status StoreSink::WriteObject(const std::string& source_key, ByteSource* body, ObjectResult* result) {
  SourceRecord done;
  if (store_->HasSource(source_key, &done)) {
    result->already_stored = true;
    result->duplicates = done.records;
    return Status::OK();
  }
  FlowSegmentWriter::Options wo;
  wo.index = options_.index;
  wo.zstd_level = options_.zstd_level;
  wo.ingest_time_ms = CurrentTimeMillis();
  if (options_.retention_ms > 0) wo.min_time_ms = wo.ingest_time_ms - options_.retention_ms;
  FlowSegmentWriter writer(store_, wo, [&](const LineContext& ctx, const Status& reason) {
    if (result->bad_line_samples.size() < options_.bad_lines_kept) {
      result->bad_line_samples.push_back(fmt::format("line {}: {}", ctx.line_number, reason.message()));
    }
  });
  writer.BeginSource(source_key);
  FlowReadOptions ro;
  ro.user_format = options_.user_format;
  ro.line_text = false;  // documents without event.original
  std::unique_ptr<AddressEnricher> enricher;
  if (options_.enrichment.active()) {
    enricher = std::make_unique<AddressEnricher>(options_.enrichment);
    ro.enricher = enricher.get();
  }
  FlowLogReader reader(ro);
  FlowReadStats stats;
  Status s = reader.Read(body, source_key, &writer, &stats);
  result->records = stats.records;
  result->bad_lines = stats.bad_lines;
  result->bytes_read = stats.bytes_read;
  result->bytes_decoded = stats.bytes_decoded;
  if (s.ok()) s = writer.status();
  if (!s.ok()) {
    // A damaged or cut-off object is not committed in part: the message
    // stays on the queue and, if the damage is for good, ends in its DLQ.
    writer.Abandon();
    return s;
  }
  CommitBatch batch;
  const uint64_t expired = writer.expired();
  s = writer.Finish(&batch);
  if (!s.ok()) {
    writer.Abandon();
    return s;
  }
  SourceRecord src;
  src.key = source_key;
  src.size = stats.bytes_read;
  src.records = stats.records - expired;
  src.bad_lines = stats.bad_lines;
  src.index = options_.index;
  if (enricher != nullptr) src.enrichment = enricher->sources_description();
  batch.sources.push_back(src);
  s = store_->Commit(batch);
  if (!s.ok()) {
    for (const SegmentRef& r : batch.segments) {
      std::error_code ec;
      std::filesystem::remove(store_->SegmentPath(r), ec);
    }
    if (store_->HasSource(source_key, &done)) {  // another worker stored it meanwhile
      result->already_stored = true;
      result->duplicates = done.records;
      return Status::OK();
    }
    return s;
  }
  result->stored = src.records;
  return Status::OK();
}

}  // namespace flowdex
