// Micro-benchmarks of the parse path (Google Benchmark). The whole-process
// comparison with libdeflate-gunzip is bench/parse_bench.sh; both run from
// `make bench`.
#include <benchmark/benchmark.h>
#include <libdeflate.h>

#include <cstring>

#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"
#include "gen/flow_generator.h"
#include "io/gzip_source.h"

namespace flowdex {
namespace {

constexpr uint64_t kRecords = 200000;

const std::string& SampleText() {
  static const std::string text = [] {
    FlowGenOptions o;
    o.records = kRecords;
    FlowGenerator g(o);
    std::string t;
    g.FileText(0, &t);
    return t;
  }();
  return text;
}

const std::string& SampleGzip() {
  static const std::string gz = [] {
    const std::string& text = SampleText();
    libdeflate_compressor* c = libdeflate_alloc_compressor(6);
    std::string out(libdeflate_gzip_compress_bound(c, text.size()), '\0');
    out.resize(libdeflate_gzip_compress(c, text.data(), text.size(), out.data(), out.size()));
    libdeflate_free_compressor(c);
    return out;
  }();
  return gz;
}

class StringSource final : public ByteSource {
 public:
  explicit StringSource(const std::string& s) : s_(s) {}
  Status Read(uint8_t* buf, size_t cap, size_t* n) override {
    *n = std::min(cap, s_.size() - pos_);
    std::memcpy(buf, s_.data() + pos_, *n);
    pos_ += *n;
    return Status::OK();
  }
  uint64_t bytes_consumed() const override { return pos_; }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

class CountingSink final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext&) override { bytes += r.bytes(); }
  void OnBadLine(const LineContext&, const Status&) override { ++bad; }
  uint64_t bytes = 0, bad = 0;
};

class EcsSink final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext& ctx) override { size += writer.Write(r, ctx.line).size(); }
  void OnBadLine(const LineContext&, const Status&) override {}
  EcsDocumentWriter writer{{}};
  uint64_t size = 0;
};

void BM_ParsePlainText(benchmark::State& state) {
  const std::string& text = SampleText();
  FlowLogReader reader;
  for (auto _ : state) {
    StringSource src(text);
    CountingSink sink;
    FlowReadStats stats;
    reader.Read(&src, "bench", &sink, &stats);
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ParsePlainText)->Unit(benchmark::kMillisecond);

void BM_GunzipOnly(benchmark::State& state) {
  const std::string& gz = SampleGzip();
  std::vector<uint8_t> out(1 << 20);
  for (auto _ : state) {
    StringSource src(gz);
    GzipSource g(&src, "bench");
    size_t n = 0, total = 0;
    do {
      g.Read(out.data(), out.size(), &n);
      total += n;
    } while (n > 0);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * SampleText().size());
}
BENCHMARK(BM_GunzipOnly)->Unit(benchmark::kMillisecond);

void BM_ParseGzip(benchmark::State& state) {
  const std::string& gz = SampleGzip();
  FlowLogReader reader;
  for (auto _ : state) {
    StringSource src(gz);
    CountingSink sink;
    FlowReadStats stats;
    reader.Read(&src, "bench", &sink, &stats);
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * SampleText().size());
}
BENCHMARK(BM_ParseGzip)->Unit(benchmark::kMillisecond);

void BM_ParseAndWriteEcs(benchmark::State& state) {
  const std::string& text = SampleText();
  FlowLogReader reader;
  EcsSink sink;
  for (auto _ : state) {
    StringSource src(text);
    FlowReadStats stats;
    reader.Read(&src, "bench", &sink, &stats);
    benchmark::DoNotOptimize(sink.size);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_ParseAndWriteEcs)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flowdex

BENCHMARK_MAIN();
