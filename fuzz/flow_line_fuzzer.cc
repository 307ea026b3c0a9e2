// libFuzzer target: arbitrary bytes as a plain-text flow-log stream, through
// line splitting, header detection, parsing and the ECS writer.

#include <memory>

#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"
#include "span_source.h"

namespace {

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
  flowdex::fuzz::SpanSource source(data, size, 251);
  EcsSink sink;
  flowdex::FlowReadStats stats;
  flowdex::Status s = reader.Read(&source, "fuzz", &sink, &stats);
  // Text fails only as Corruption (damaged gzip); bytes that start like a
  // Parquet file may also be Unsupported (an encrypted footer, a nested
  // schema), InvalidArgument (no flow-log column) or LimitExceeded.
  if (!s.ok() && !s.IsCorruption() && !s.IsUnsupported() && !s.IsInvalidArgument() &&
      s.code() != flowdex::Status::Code::kLimitExceeded) {
    __builtin_trap();
  }
  return 0;
}
