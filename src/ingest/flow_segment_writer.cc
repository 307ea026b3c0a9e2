#include "ingest/flow_segment_writer.h"

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "schema/flow_schema.h"
#include "util/time_util.h"

namespace flowdex {

struct FlowSegmentWriter::Partition {
  SegmentRef ref;
  std::unique_ptr<SegmentBuilder> builder;
  int field_column[kFlowFieldCount];  // -1 until the field first has a value
  int facts_column[2] = {-1, -1};     // kSourceFactsColumn, kDestinationFactsColumn
  // The dictionary code of each set of facts (by AddressFacts::id) in this
  // segment: most rows repeat facts already written.
  absl::flat_hash_map<uint64_t, uint32_t> facts_codes[2];
  std::string facts_text;  // SerializeFacts scratch
  int timestamp_column = -1, source_column = -1, offset_column = -1, no_end_column = -1;
};

std::string PartitionName(int64_t day) {
  const CivilTime c = CivilFromSeconds(day * 86400);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

FlowSegmentWriter::FlowSegmentWriter(Store* store, Options options, BadLineFn on_bad_line)
    : store_(store), options_(std::move(options)), on_bad_line_(std::move(on_bad_line)) {}

FlowSegmentWriter::~FlowSegmentWriter() { Abandon(); }

FlowSegmentWriter::Partition* FlowSegmentWriter::PartitionFor(int64_t day) {
  if (day == last_day_) return last_;
  auto it = partitions_.find(day);
  if (it == partitions_.end()) {
    auto p = std::make_unique<Partition>();
    std::string path;
    Status s = store_->NewSegment(options_.index, PartitionName(day), &p->ref, &path);
    SegmentBuilder::Options bo;
    bo.zstd_level = options_.zstd_level;
    bo.time_column = std::string(kTimestampColumn);
    if (s.ok()) s = SegmentBuilder::Create(path, bo, &p->builder);
    if (!s.ok()) {
      if (status_.ok()) status_ = s;
      return nullptr;
    }
    std::fill(std::begin(p->field_column), std::end(p->field_column), -1);
    p->timestamp_column = p->builder->AddColumn(kTimestampColumn, ColumnType::kTimestamp);
    p->source_column = p->builder->AddColumn(kSourceKeyColumn, ColumnType::kKeyword);
    p->offset_column = p->builder->AddColumn(kLineOffsetColumn, ColumnType::kUInt64);
    it = partitions_.emplace(day, std::move(p)).first;
  }
  last_day_ = day;
  last_ = it->second.get();
  return last_;
}

void FlowSegmentWriter::OnRecord(const FlowRecord& r, const LineContext& ctx) {
  if (!status_.ok()) return;
  int64_t ts = options_.ingest_time_ms;
  if (r.has(FlowField::kEnd)) {
    ts = r.end() * 1000;
  } else if (r.has(FlowField::kStart)) {
    ts = r.start() * 1000;
  }
  if (ts < options_.min_time_ms) {
    ++expired_;
    return;
  }
  int64_t day = ts / 86400000;
  if (ts < 0 && ts % 86400000 != 0) --day;
  Partition* p = PartitionFor(day);
  if (p == nullptr) return;
  SegmentBuilder& b = *p->builder;
  b.SetInteger(p->timestamp_column, static_cast<uint64_t>(ts));
  b.SetKeyword(p->source_column, source_key_);
  b.SetInteger(p->offset_column, ctx.offset);
  if (!r.has(FlowField::kEnd)) {
    if (p->no_end_column < 0) p->no_end_column = b.AddColumn(kNoEndColumn, ColumnType::kBool);
    b.SetInteger(p->no_end_column, 1);
  }
  r.ForEachPresent([&](FlowField f) {
    if (f == FlowField::kEnd) return;  // stored as @timestamp
    const FlowColumn& col = FlowColumnFor(f);
    int& c = p->field_column[static_cast<int>(f)];
    if (c < 0) c = b.AddColumn(col.name, col.type);
    switch (col.type) {
      case ColumnType::kIp: b.SetIp(c, r.ip(f)); break;
      case ColumnType::kKeyword: b.SetKeyword(c, r.text(f)); break;
      case ColumnType::kTimestamp: b.SetInteger(c, r.number(f) * 1000); break;
      default: b.SetInteger(c, r.number(f)); break;
    }
  });
  for (FlowSide side : {FlowSide::kSource, FlowSide::kDestination}) {
    const AddressFacts* facts = r.facts(side);
    if (facts != nullptr) WriteFacts(p, side, *facts);
  }
  Status s = b.FinishRow();
  if (!s.ok() && status_.ok()) status_ = s;
  ++rows_;
}

void FlowSegmentWriter::WriteFacts(Partition* p, FlowSide side, const AddressFacts& facts) {
  SegmentBuilder& b = *p->builder;
  const int s = static_cast<int>(side);
  if (p->facts_column[s] < 0) {
    p->facts_column[s] =
        b.AddColumn(side == FlowSide::kSource ? kSourceFactsColumn : kDestinationFactsColumn, ColumnType::kKeyword);
  }
  const int column = p->facts_column[s];
  if (facts.id == 0) {  // not from an enricher's cache: no code to remember
    SerializeFacts(facts, &p->facts_text);
    if (!p->facts_text.empty()) b.SetKeyword(column, p->facts_text);
    return;
  }
  auto [it, fresh] = p->facts_codes[s].try_emplace(facts.id, UINT32_MAX);
  if (fresh) {
    SerializeFacts(facts, &p->facts_text);
    if (!p->facts_text.empty()) it->second = b.KeywordCode(column, p->facts_text);
  }
  if (it->second != UINT32_MAX) b.SetKeywordCode(column, it->second);
}

void FlowSegmentWriter::OnBadLine(const LineContext& ctx, const Status& reason) {
  if (on_bad_line_) on_bad_line_(ctx, reason);
}

Status FlowSegmentWriter::Finish(CommitBatch* batch) {
  if (!status_.ok()) return status_;
  for (auto& [day, p] : partitions_) {
    Status s = FinishSegment(p->builder.get(), &p->ref);
    if (!s.ok()) return status_ = s;
    batch->segments.push_back(p->ref);
  }
  partitions_.clear();
  last_ = nullptr;
  last_day_ = INT64_MIN;
  rows_ = 0;
  return Status::OK();
}

size_t FlowSegmentWriter::memory_usage() const {
  size_t n = 0;
  for (const auto& [day, p] : partitions_) n += p->builder->memory_usage();
  return n;
}

void FlowSegmentWriter::Abandon() {
  partitions_.clear();  // unfinished builders delete their files
  last_ = nullptr;
  last_day_ = INT64_MIN;
  rows_ = 0;
}

}  // namespace flowdex
