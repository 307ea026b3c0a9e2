// libFuzzer target: arbitrary bytes as a Parquet flow-log file. Reading must
// end in records, bad rows or an error status (Corruption, Unsupported,
// InvalidArgument, LimitExceeded), never a crash, a hang or a read out of
// bounds, whatever the footer, page headers, levels or encodings claim.
#include <cstring>
#include <vector>

#include "flowlog/flow_log_reader.h"
#include "flowlog/parquet_flow_reader.h"
#include "span_source.h"

namespace {

class NullSink final : public flowdex::FlowRecordSink {
 public:
  void OnRecord(const flowdex::FlowRecord&, const flowdex::LineContext&) override {}
  void OnBadLine(const flowdex::LineContext&, const flowdex::Status&) override {}
};

// The input readable at any offset, like a file or an S3 object.
class SpanFile final : public flowdex::RandomAccessSource {
 public:
  SpanFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t size() const override { return size_; }
  flowdex::Status ReadAt(uint64_t offset, size_t n, uint8_t* buf) override {
    if (offset > size_ || n > size_ - offset) __builtin_trap();  // the reader must check first
    if (n > 0) std::memcpy(buf, data_ + offset, n);
    return flowdex::Status::OK();
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flowdex::FlowReadOptions options;
  NullSink sink;
  // 1. At offsets, as a file or an S3 object is read.
  {
    SpanFile file(data, size);
    flowdex::ParquetFlowReader reader(options);
    flowdex::FlowReadStats stats;
    flowdex::Status s = reader.Read(&file, "fuzz.parquet", &sink, &stats);
    if (!s.ok() && !s.IsCorruption() && !s.IsUnsupported() && !s.IsInvalidArgument() &&
        s.code() != flowdex::Status::Code::kLimitExceeded) {
      __builtin_trap();
    }
  }
  // 2. As a stream (standard input): sniffed by its magic number, held in memory.
  {
    flowdex::fuzz::SpanSource source(data, size, 4099);
    static flowdex::FlowLogReader reader(options);
    flowdex::FlowReadStats stats;
    reader.Read(&source, "fuzz.parquet", &sink, &stats);
  }
  return 0;
}
