// HitFetcher: the _id and _source of rows of one segment. Flow segments
// rebuild the ECS document from the columns (byte-identical to `flowdex
// parse`); document segments read the stored _source.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "flowlog/ecs_writer.h"
#include "store/segment_reader.h"
#include "util/status.h"

namespace flowdex {

class FlowRowDecoder;
class InventoryHistory;
class InventoryNamer;

// True for segments of the flow index (flow columns, no stored _source).
bool IsFlowSegment(const SegmentReader& seg);

class HitFetcher {
 public:
  // `inventory` (may be null) names flow rows whose addresses were stored
  // without an owner (InventoryNamer).
  explicit HitFetcher(const SegmentReader* seg, std::shared_ptr<const InventoryHistory> inventory = nullptr);
  ~HitFetcher();

  // Sets *id and, when source is not null, *source for `row`. Rows in
  // increasing order decode each block once; any order works.
  Status Fetch(uint32_t row, std::string* id, std::string* source);

 private:
  const SegmentReader* seg_;
  bool flow_;
  std::unique_ptr<FlowRowDecoder> decoder_;
  std::unique_ptr<InventoryNamer> namer_;
  EcsDocumentWriter ecs_;
  ColumnBlock ids_, sources_;
  size_t ids_block_ = SIZE_MAX, sources_block_ = SIZE_MAX, flow_block_ = SIZE_MAX;
};

}  // namespace flowdex
