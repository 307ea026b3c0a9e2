// Rebuilding flow records from their columns, so that a stored flow can be
// shown as the very ECS document `flowdex parse` prints for its line (the
// _source of a flow hit). Nothing but the columns is needed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "flowlog/flow_record.h"
#include "store/column_codec.h"
#include "store/segment_reader.h"

namespace flowdex {

class FlowRowDecoder {
 public:
  explicit FlowRowDecoder(const SegmentReader* reader);

  // Decodes every flow column of block `block`.
  Status LoadBlock(size_t block);
  // Fills *record with row `row` of the loaded block. Text of the record
  // points into this decoder (dictionaries and a scratch buffer) and stays
  // valid until the next call.
  void Rebuild(uint32_t row, FlowRecord* record);
  // The row's source key and line offset (its _id is derived from them).
  std::string_view SourceKey(uint32_t row) const;
  uint64_t LineOffset(uint32_t row) const;

 private:
  void RebuildFacts(uint32_t row, FlowRecord* record);

  struct Column {
    int index = -1;  // in the segment
    FlowField field;
    const std::vector<std::string>* dict = nullptr;
    std::shared_ptr<const ColumnBlock> block;  // from the store's block cache when it has one
  };
  const SegmentReader* reader_;
  std::vector<Column> columns_;
  Column facts_[2];  // kSourceFactsColumn, kDestinationFactsColumn (enrichment)
  AddressFacts parsed_facts_[2];
  Column timestamp_, no_end_, source_, offset_;
  char scratch_[4096];
};

}  // namespace flowdex
