#include "schema/flow_row_decoder.h"

#include <charconv>

#include "schema/flow_schema.h"

namespace flowdex {

FlowRowDecoder::FlowRowDecoder(const SegmentReader* reader) : reader_(reader) {
  for (int i = 0; i < kFlowFieldCount; ++i) {
    const FlowField f = static_cast<FlowField>(i);
    const FlowColumn& col = FlowColumnFor(f);
    if (col.name.empty()) continue;
    Column c;
    c.index = reader->FindColumn(col.name);
    c.field = f;
    if (c.index < 0) continue;
    if (HasDictionary(reader->meta().columns[c.index].type)) reader->Dictionary(c.index, &c.dict);
    columns_.push_back(std::move(c));
  }
  facts_[0].index = reader->FindColumn(kSourceFactsColumn);
  facts_[1].index = reader->FindColumn(kDestinationFactsColumn);
  for (Column& c : facts_) {
    if (c.index >= 0) reader->Dictionary(c.index, &c.dict);
  }
  timestamp_.index = reader->FindColumn(kTimestampColumn);
  no_end_.index = reader->FindColumn(kNoEndColumn);
  source_.index = reader->FindColumn(kSourceKeyColumn);
  if (source_.index >= 0) reader->Dictionary(source_.index, &source_.dict);
  offset_.index = reader->FindColumn(kLineOffsetColumn);
}

Status FlowRowDecoder::LoadBlock(size_t block) {
  for (Column* c : {&timestamp_, &no_end_, &source_, &offset_}) {
    if (c->index < 0) continue;
    Status s = reader_->ReadBlockShared(c->index, block, &c->block);
    if (!s.ok()) return s;
  }
  for (Column& c : columns_) {
    Status s = reader_->ReadBlockShared(c.index, block, &c.block);
    if (!s.ok()) return s;
    if (c.dict == nullptr && HasDictionary(c.block->type)) return Status::Corruption("missing dictionary");
  }
  for (Column& c : facts_) {
    if (c.index < 0) continue;
    Status s = reader_->ReadBlockShared(c.index, block, &c.block);
    if (!s.ok()) return s;
    if (c.dict == nullptr || !HasDictionary(c.block->type)) return Status::Corruption("bad facts column");
  }
  return Status::OK();
}

void FlowRowDecoder::Rebuild(uint32_t row, FlowRecord* record) {
  record->Clear();
  char* out = scratch_;
  char* const end = scratch_ + sizeof(scratch_);
  auto number_text = [&](uint64_t v) {
    auto [p, ec] = std::to_chars(out, end, v);
    (void)ec;
    std::string_view text(out, static_cast<size_t>(p - out));
    out = p;
    return text;
  };
  for (Column& c : columns_) {
    if (!c.block->present(row)) continue;
    const FlowFieldInfo& info = GetFlowFieldInfo(c.field);
    switch (c.block->type) {
      case ColumnType::kIp: {
        const IpAddress ip = c.block->ip(row);
        *record->mutable_ip(info.ip_slot) = ip;
        const size_t n = FormatIpAddress(ip, out);
        record->SetText(c.field, std::string_view(out, n));
        out += n;
        break;
      }
      case ColumnType::kKeyword: {
        const std::string& text = (*c.dict)[c.block->values[row]];
        record->SetText(c.field, text);
        if (info.type == FlowFieldType::kAction) {
          record->SetNumber(c.field,
                            static_cast<uint64_t>(text == "REJECT" ? FlowAction::kReject : FlowAction::kAccept));
        } else if (info.type == FlowFieldType::kLogStatus) {
          record->SetNumber(c.field, static_cast<uint64_t>(text == "NODATA"     ? LogStatus::kNoData
                                                           : text == "SKIPDATA" ? LogStatus::kSkipData
                                                                                : LogStatus::kOk));
        }
        break;
      }
      case ColumnType::kTimestamp: {
        const uint64_t seconds = static_cast<uint64_t>(static_cast<int64_t>(c.block->values[row]) / 1000);
        record->SetNumber(c.field, seconds);
        record->SetText(c.field, number_text(seconds));
        break;
      }
      default:
        record->SetNumber(c.field, c.block->values[row]);
        record->SetText(c.field, number_text(c.block->values[row]));
        break;
    }
  }
  RebuildFacts(row, record);
  // @timestamp is the end time, unless the line had none.
  const bool had_end = !(no_end_.index >= 0 && no_end_.block->present(row));
  if (had_end && timestamp_.index >= 0 && timestamp_.block->present(row)) {
    const uint64_t seconds = static_cast<uint64_t>(static_cast<int64_t>(timestamp_.block->values[row]) / 1000);
    record->SetNumber(FlowField::kEnd, seconds);
    record->SetText(FlowField::kEnd, number_text(seconds));
  }
}

void FlowRowDecoder::RebuildFacts(uint32_t row, FlowRecord* record) {
  for (int side = 0; side < 2; ++side) {
    const Column& c = facts_[side];
    if (c.index < 0 || !c.block->present(row)) continue;
    const uint64_t code = c.block->values[row];
    if (code >= c.dict->size()) continue;
    ParseFacts((*c.dict)[code], &parsed_facts_[side]);
    if (!parsed_facts_[side].empty()) record->set_facts(static_cast<FlowSide>(side), &parsed_facts_[side]);
  }
}

std::string_view FlowRowDecoder::SourceKey(uint32_t row) const {
  if (source_.index < 0 || !source_.block->present(row)) return {};
  return (*source_.dict)[source_.block->values[row]];
}

uint64_t FlowRowDecoder::LineOffset(uint32_t row) const {
  return offset_.index >= 0 && offset_.block->present(row) ? offset_.block->values[row] : 0;
}

}  // namespace flowdex
