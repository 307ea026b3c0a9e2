// ObjectSink: where the records of one flow-log object (an S3 object, a
// file) are written durably: the embedded store (StoreSink) or an
// Elasticsearch/OpenSearch cluster (ElasticsearchSink). The SQS worker, the
// S3 backfill and the Lambda handler all write through this interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aws/s3_client.h"
#include "io/byte_source.h"
#include "util/status.h"

namespace flowdex {

struct ObjectResult {
  uint64_t records = 0;        // records read from the object
  uint64_t stored = 0;         // ...written now
  uint64_t duplicates = 0;     // ...already in the sink (a redelivery)
  uint64_t dead_lettered = 0;  // ...refused for good by the sink (written to the dead-letter file)
  uint64_t bad_lines = 0;      // lines that are not flow records
  uint64_t bytes_read = 0;     // of the object as stored (compressed)
  uint64_t bytes_decoded = 0;
  bool already_stored = false;                // the whole object was there before: nothing was read
  std::vector<std::string> bad_line_samples;  // "line N: reason", the first few
};

class ObjectSink {
 public:
  virtual ~ObjectSink() = default;

  // Reads `body` to its end and stores every record, with the document ids
  // derived from `source_key` and each line's offset. Returns OK only when
  // every record is durable in the sink (or was already there); on an error
  // the caller retries the whole object later, which the ids make harmless.
  // Bad lines are counted, not errors. Thread-safe: workers call it at once.
  virtual Status WriteObject(const std::string& source_key, ByteSource* body, ObjectResult* result) = 0;

  // True when `source_key` is known to be stored completely (the download is skipped).
  virtual bool HasObject(const std::string& /*source_key*/) { return false; }

  // "the embedded store in ./flowdex-data", "https://host:9200".
  virtual std::string Describe() const = 0;
};

// The key an S3 object's records are known by: "s3://bucket/key", plus
// "?versionId=..." for a version of a versioned bucket (a new version is a
// new source; a redelivery of the same one is not).
std::string SourceKeyForObject(const S3ObjectRef& ref, const std::string& version_id);

}  // namespace flowdex
