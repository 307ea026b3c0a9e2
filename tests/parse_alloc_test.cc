// The parse path makes no heap allocation per record: after the reader's
// buffers exist, reading many more lines allocates nothing. A separate test
// binary, because it replaces the global operator new to count calls.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "flowlog/flow_log_reader.h"
#include "gen/flow_generator.h"
#include "test_util.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace flowdex {
namespace {

class CountingSink final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext&) override { bytes += r.bytes(); }
  void OnBadLine(const LineContext&, const Status&) override { ++bad; }
  uint64_t bytes = 0, bad = 0;
};

uint64_t AllocationsToRead(FlowLogReader& reader, const std::string& data) {
  testing::MemorySource src(data, 64 * 1024);
  CountingSink sink;
  FlowReadStats stats;
  const uint64_t before = g_allocations.load();
  Status s = reader.Read(&src, "alloc-test", &sink, &stats);
  const uint64_t after = g_allocations.load();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(sink.bad, 0u);
  return after - before;
}

TEST(ParsePath, NoAllocationPerRecord) {
  for (const char* fields : {"v2", "v5", "v8"}) {
    FlowGenOptions small, large;
    small.records = 1000;
    large.records = 100000;
    ASSERT_TRUE(FlowFormat::Parse(fields, &small.format).ok());
    large.format = small.format;
    std::string small_text, large_text, small_gz_text;
    FlowGenerator(small).FileText(0, &small_text);
    FlowGenerator(large).FileText(0, &large_text);
    FlowLogReader reader;
    AllocationsToRead(reader, small_text);  // warm up
    const uint64_t few = AllocationsToRead(reader, small_text);
    const uint64_t many = AllocationsToRead(reader, large_text);
    // Per-stream set-up may allocate a little; 100x the records must not add any.
    EXPECT_EQ(many, few) << fields;
    EXPECT_LE(many, 32u) << fields;  // the header line builds a format: a few per stream
    const uint64_t gz_few = AllocationsToRead(reader, testing::Gzip(small_text));
    const uint64_t gz_many = AllocationsToRead(reader, testing::Gzip(large_text));
    EXPECT_EQ(gz_many, gz_few) << fields << " (gzip)";
  }
}

}  // namespace
}  // namespace flowdex
