#include "query/hit_fetcher.h"

#include "flowlog/flow_record.h"
#include "ingest/document_writer.h"
#include "inventory/inventory_namer.h"
#include "schema/document_id.h"
#include "schema/flow_row_decoder.h"
#include "schema/flow_schema.h"

namespace flowdex {

bool IsFlowSegment(const SegmentReader& seg) {
  return seg.FindColumn(kSourceColumn) < 0 && seg.FindColumn(kTimestampColumn) >= 0;
}

HitFetcher::HitFetcher(const SegmentReader* seg, std::shared_ptr<const InventoryHistory> inventory)
    : seg_(seg), flow_(IsFlowSegment(*seg)), ecs_({}) {
  if (flow_) decoder_ = std::make_unique<FlowRowDecoder>(seg);
  if (flow_ && inventory != nullptr && inventory->addresses() > 0) {
    namer_ = std::make_unique<InventoryNamer>(std::move(inventory));
  }
}

HitFetcher::~HitFetcher() = default;

Status HitFetcher::Fetch(uint32_t row, std::string* id, std::string* source) {
  const size_t block = row / kRowsPerBlock;
  const uint32_t i = row % kRowsPerBlock;
  if (flow_) {
    if (block != flow_block_) {
      Status s = decoder_->LoadBlock(block);
      if (!s.ok()) return s;
      flow_block_ = block;
    }
    FlowRecord record;
    decoder_->Rebuild(i, &record);
    if (namer_) namer_->Enrich(&record);
    *id = DocumentIdFor(decoder_->SourceKey(i), decoder_->LineOffset(i));
    if (source) *source = std::string(ecs_.Write(record, ""));
    return Status::OK();
  }
  const int id_col = seg_->FindColumn(kIdColumn);
  const std::vector<std::string>* dict = nullptr;
  Status s = seg_->Dictionary(id_col, &dict);
  if (s.ok() && block != ids_block_) s = seg_->ReadBlock(id_col, block, &ids_);
  if (!s.ok()) return s;
  ids_block_ = block;
  *id = (*dict)[ids_.values[i]];
  if (source) {
    if (block != sources_block_) {
      s = seg_->ReadBlock(seg_->FindColumn(kSourceColumn), block, &sources_);
      if (!s.ok()) return s;
      sources_block_ = block;
    }
    *source = std::string(sources_.blob_at(i));
  }
  return Status::OK();
}

}  // namespace flowdex
