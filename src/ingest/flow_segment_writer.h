// FlowSegmentWriter: a FlowRecordSink that stores records as rows of segment
// files, one open segment per day partition of @timestamp, until Finish hands
// them over as a CommitBatch (or Abandon deletes them).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "flowlog/flow_log_reader.h"
#include "schema/flow_index.h"
#include "store/segment_builder.h"
#include "store/store.h"

namespace flowdex {

class FlowSegmentWriter final : public FlowRecordSink {
 public:
  struct Options {
    std::string index = std::string(kFlowIndex);
    int zstd_level = 1;
    int64_t ingest_time_ms = 0;       // @timestamp of records with neither start nor end
    int64_t min_time_ms = INT64_MIN;  // records older than this are dropped (retention)
  };
  using BadLineFn = std::function<void(const LineContext&, const Status&)>;

  FlowSegmentWriter(Store* store, Options options, BadLineFn on_bad_line);
  ~FlowSegmentWriter() override;

  // The key (file path or object key) of the records that follow.
  void BeginSource(std::string_view key) { source_key_ = key; }

  void OnRecord(const FlowRecord& record, const LineContext& ctx) override;
  void OnBadLine(const LineContext& ctx, const Status& reason) override;

  // Completes every open segment and appends it to batch->segments. The
  // writer is empty afterwards and can take more records.
  Status Finish(CommitBatch* batch);
  // Deletes every open segment.
  void Abandon();

  // Rows in open segments.
  uint64_t rows() const { return rows_; }
  // Memory held by the open segments' builders.
  size_t memory_usage() const;
  // Records dropped because they are older than min_time_ms.
  uint64_t expired() const { return expired_; }
  // The first error met while writing (OnRecord cannot return one).
  const Status& status() const { return status_; }

 private:
  struct Partition;
  Partition* PartitionFor(int64_t day);
  void WriteFacts(Partition* p, FlowSide side, const AddressFacts& facts);

  Store* store_;
  Options options_;
  BadLineFn on_bad_line_;
  std::string source_key_;
  std::map<int64_t, std::unique_ptr<Partition>> partitions_;
  Partition* last_ = nullptr;
  int64_t last_day_ = INT64_MIN;
  uint64_t rows_ = 0;
  uint64_t expired_ = 0;
  Status status_;
};

// "YYYY-MM-DD" of a day number (days since 1970-01-01).
std::string PartitionName(int64_t day);

}  // namespace flowdex
