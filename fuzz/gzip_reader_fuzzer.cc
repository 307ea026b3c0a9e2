// libFuzzer target: arbitrary bytes as a gzip stream. Decoding must end in
// data or a Corruption status, never a crash, a hang or an unbounded buffer.
#include <algorithm>
#include <cstring>
#include <vector>

#include "flowlog/flow_log_reader.h"
#include "io/gzip_source.h"

namespace {

class SpanSource final : public flowdex::ByteSource {
 public:
  SpanSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  flowdex::Status Read(uint8_t* buf, size_t cap, size_t* n) override {
    *n = std::min({cap, size_ - pos_, size_t{1 + pos_ % 509}});
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

class NullSink final : public flowdex::FlowRecordSink {
 public:
  void OnRecord(const flowdex::FlowRecord&, const flowdex::LineContext&) override {}
  void OnBadLine(const flowdex::LineContext&, const flowdex::Status&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 1. The decoder alone, with a small output buffer.
  {
    SpanSource source(data, size);
    flowdex::GzipSource gz(&source, "fuzz.gz");
    std::vector<uint8_t> out(977);
    size_t total = 0;
    for (int calls = 0; calls < 1000000; ++calls) {
      size_t n = 0;
      flowdex::Status s = gz.Read(out.data(), out.size(), &n);
      if (!s.ok()) {
        if (!s.IsCorruption() && !s.IsIoError()) __builtin_trap();
        break;
      }
      if (n == 0) break;
      total += n;
      if (total > (size_t{64} << 20)) break;  // a decompression bomb: stop, it is not a bug
    }
  }
  // 2. The whole reader, which sniffs gzip by its magic number.
  {
    SpanSource source(data, size);
    static flowdex::FlowLogReader reader;
    NullSink sink;
    flowdex::FlowReadStats stats;
    reader.Read(&source, "fuzz.gz", &sink, &stats);
  }
  return 0;
}
