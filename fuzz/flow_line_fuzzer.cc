// libFuzzer target: arbitrary bytes as a plain-text flow-log stream, through
// line splitting, header detection, parsing and the ECS writer.
#include <algorithm>
#include <cstring>

#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"

namespace {

class SpanSource final : public flowdex::ByteSource {
 public:
  SpanSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  flowdex::Status Read(uint8_t* buf, size_t cap, size_t* n) override {
    // Small, uneven reads exercise the line buffer's boundaries.
    *n = std::min({cap, size_ - pos_, size_t{1 + pos_ % 251}});
    std::memcpy(buf, data_ + pos_, *n);
    pos_ += *n;
    return flowdex::Status::OK();
  }
  uint64_t bytes_consumed() const override { return pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

class EcsSink final : public flowdex::FlowRecordSink {
 public:
  void OnRecord(const flowdex::FlowRecord& r, const flowdex::LineContext& ctx) override {
    std::string_view doc = writer_.Write(r, ctx.line);
    if (doc.empty() || doc.front() != '{' || doc.back() != '}') __builtin_trap();
  }
  void OnBadLine(const flowdex::LineContext& ctx, const flowdex::Status& reason) override {
    if (reason.ok() || ctx.line_number == 0) __builtin_trap();
  }

 private:
  flowdex::EcsDocumentWriter writer_{{.include_original = true}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Readers are reused across inputs (as in real use, one per stream in turn);
  // the first byte, when odd, selects one with a user format for headerless lines.
  static std::unique_ptr<flowdex::FlowLogReader> readers[10];
  const int which = size > 0 && (data[0] & 1) ? 1 + data[0] % 9 : 0;
  if (!readers[which]) {
    flowdex::FlowReadOptions options;
    options.max_line_bytes = 4096;
    if (which > 0) options.user_format = &flowdex::FlowFormat::AllFieldsUpTo(which);
    readers[which] = std::make_unique<flowdex::FlowLogReader>(options);
  }
  flowdex::FlowLogReader& reader = *readers[which];
  SpanSource source(data, size);
  EcsSink sink;
  flowdex::FlowReadStats stats;
  flowdex::Status s = reader.Read(&source, "fuzz", &sink, &stats);
  if (!s.ok() && !s.IsCorruption()) __builtin_trap();
  return 0;
}
