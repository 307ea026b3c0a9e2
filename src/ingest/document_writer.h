// DocumentWriter: stores arbitrary JSON documents (for _bulk and NDJSON
// files) as rows of segment files, typing their fields with the index's
// mapping and extending it by Elasticsearch's dynamic rules. Each document
// keeps its _id (given or generated) and its _source exactly as sent.
//
// Documents are checked before anything is written: a document whose values
// do not fit the mapping is refused with Elasticsearch's error type and
// reason, and the writer is unchanged.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "store/mapping.h"
#include "store/segment_builder.h"
#include "store/store.h"

namespace flowdex {

// Column names every document segment has.
inline constexpr std::string_view kIdColumn = "_id";
inline constexpr std::string_view kSourceColumn = "_source";

class DocumentWriter {
 public:
  // Reads a date in a mapping's `format` (Java-style patterns and named
  // formats): the query layer's DateFormat, handed down (the ingest layer
  // sits below it). Null: only ISO dates and epoch milliseconds are read.
  using DateParser = std::function<bool(const std::string& format, std::string_view text, int64_t* ms)>;

  struct Options {
    std::string index;
    DateParser parse_date;
    int zstd_level = 1;
    // Field whose date places a document in a day partition; documents
    // without it go to the partition "undated".
    std::string time_field = "@timestamp";
    // When the open segments' buffers (dictionaries mostly) outgrow this, they
    // are completed and new ones begun, so one huge file stays within budget.
    size_t max_open_bytes = 256u << 20;
  };

  // `mapping` is the index's current mapping; the writer extends a copy.
  DocumentWriter(Store* store, Options options, IndexMapping mapping);
  ~DocumentWriter();

  // Where a document read from a file came from (stored as _flowdex.source
  // and _flowdex.offset, like flow records).
  struct Origin {
    std::string_view source;
    uint64_t offset = 0;
  };

  // Adds one document. `id` may be empty (an id is generated). Returns false
  // with *error set when the document cannot be indexed (it is then not added).
  bool Add(std::string_view json, std::string_view id, MappingError* error, const Origin* origin = nullptr);

  // Completes the open segments into *batch, together with the mapping now in
  // force (batch->mappings). The writer can take more documents afterwards.
  Status Finish(CommitBatch* batch);

  // The mapping with every field added so far.
  const IndexMapping& mapping() const { return mapping_; }
  uint64_t rows() const { return rows_; }
  // Memory held by the open segments' builders.
  size_t memory_usage() const;
  // The first store error met (Add cannot return one).
  const Status& status() const { return status_; }

 private:
  struct Partition;
  Partition* PartitionFor(const std::string& name);

  Store* store_;
  Options options_;
  IndexMapping mapping_;
  std::map<std::string, std::unique_ptr<Partition>> partitions_;
  std::vector<SegmentRef> sealed_;  // completed for memory's sake, not yet committed
  Status SealAll();
  uint64_t rows_ = 0;
  uint64_t id_counter_ = 0;
  std::string id_prefix_;
  Status status_;
};

}  // namespace flowdex
