// EcsDocumentWriter: turns a FlowRecord into the Elastic Common Schema
// document that Elastic's AWS integration (data stream aws.vpcflow, newest
// generation) indexes for it. docs/flowlog.md lists every field and the few
// deliberate differences (a "-" value leaves the field out instead of being
// indexed as "-"; empty objects are left out).
#pragma once

#include <memory>
#include <string_view>

#include "flowlog/ecs_fields.h"
#include "flowlog/flow_record.h"

namespace flowdex {

class EcsDocumentWriter {
 public:
  struct Options {
    bool include_original = false;  // event.original: the line as read
  };
  explicit EcsDocumentWriter(Options options);
  ~EcsDocumentWriter();
  EcsDocumentWriter(const EcsDocumentWriter&) = delete;
  EcsDocumentWriter& operator=(const EcsDocumentWriter&) = delete;

  // Returns the record's document as one line of JSON (no newline). The view
  // stays valid until the next call. `original` is the line the record came
  // from. Reuses its buffers: no allocation per record once warmed up.
  std::string_view Write(const FlowRecord& record, std::string_view original);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowdex
