// libFuzzer target: arbitrary bytes as a gzip stream. Decoding must end in
// data or a Corruption status, never a crash, a hang or an unbounded buffer.
#include <vector>

#include "flowlog/flow_log_reader.h"
#include "io/gzip_source.h"
#include "span_source.h"

namespace {

class NullSink final : public flowdex::FlowRecordSink {
 public:
  void OnRecord(const flowdex::FlowRecord&, const flowdex::LineContext&) override {}
  void OnBadLine(const flowdex::LineContext&, const flowdex::Status&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // 1. The decoder alone, with a small output buffer.
  {
    flowdex::fuzz::SpanSource source(data, size, 509);
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
    flowdex::fuzz::SpanSource source(data, size, 509);
    static flowdex::FlowLogReader reader;
    NullSink sink;
    flowdex::FlowReadStats stats;
    reader.Read(&source, "fuzz.gz", &sink, &stats);
  }
  return 0;
}
