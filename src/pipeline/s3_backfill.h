// S3 backfill: ingests the objects that already exist below an S3 prefix
// (ListObjectsV2, 1000 keys a page, N objects at once), resumable: after
// each page the last key before which every object is stored is written
// to a checkpoint file, and a new run lists from there (start-after).
// Objects already in the sink are recognised by their source key / ids,
// so overlap with live notifications costs nothing but a lookup.
#pragma once

#include <atomic>
#include <string>

#include "pipeline/object_processor.h"
#include "util/cancellation.h"

namespace flowdex {

// Splits "s3://bucket/prefix" (prefix may be empty).
Status ParseS3Url(const std::string& url, std::string* bucket, std::string* prefix);

struct S3BackfillOptions {
  int workers = 4;
  std::string checkpoint_path;  // "" : no checkpoint
  CancellationToken cancel;
};

struct S3BackfillSummary {
  uint64_t listed = 0;
  uint64_t failed = 0;
  std::string resumed_after;  // the checkpoint the run started from ("" : the start)
  std::string checkpoint;     // the checkpoint it left
};

// Lists and ingests every object below s3://bucket/prefix. Returns an error
// when listing fails; objects that fail are counted (a later run retries
// them: the checkpoint never passes a failed key).
Status RunS3Backfill(const S3Client& s3, ObjectProcessor* processor, const std::string& bucket,
                     const std::string& prefix, const S3BackfillOptions& options, S3BackfillSummary* summary);

}  // namespace flowdex
