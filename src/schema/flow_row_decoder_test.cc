#include "schema/flow_row_decoder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "flowlog/ecs_writer.h"
#include "flowlog/flow_log_reader.h"
#include "gen/flow_generator.h"
#include "ingest/flow_ingester.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

// The ECS document of every line, keyed by (source key, line offset).
class DocumentsByLine final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& r, const LineContext& ctx) override {
    docs[{key, ctx.offset}] = std::string(writer.Write(r, ctx.line));
  }
  void OnBadLine(const LineContext&, const Status&) override {}
  std::string key;
  EcsDocumentWriter writer{{}};
  std::map<std::pair<std::string, uint64_t>, std::string> docs;
};

TEST(FlowSource, StoredFlowsRebuildTheirDocumentsExactly) {
  const fs::path root = fs::temp_directory_path() / ("flowdex_flow_source_test_" + std::to_string(::getpid()));
  fs::remove_all(root);
  std::vector<std::string> files;
  for (const char* fields : {"v8", "v2", "tgw", "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr"}) {
    FlowGenOptions g;
    g.records = 7000;
    g.files = 1;
    g.seed = files.size() + 1;
    g.start += static_cast<int64_t>(files.size()) * 300;
    g.out_dir = (root / ("logs" + std::to_string(files.size()))).string();
    ASSERT_TRUE(FlowFormat::Parse(fields, &g.format).ok());
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    files.push_back(result.paths[0]);
  }
  DocumentsByLine expected;
  FlowLogReader reader;
  for (const std::string& f : files) {
    expected.key = SourceKeyForPath(f);
    FlowReadStats stats;
    ASSERT_TRUE(reader.ReadFile(f, &expected, &stats).ok());
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open((root / "data").string(), &store).ok());
  IngestProgress progress;
  IngestSummary summary;
  ASSERT_TRUE(IngestFlowFiles(store.get(), files, {}, &progress, &summary).ok());
  ASSERT_EQ(summary.records, expected.docs.size());

  EcsDocumentWriter writer({});
  FlowRecord record;
  size_t compared = 0;
  for (const SegmentRef& ref : store->Current()->segments) {
    std::shared_ptr<SegmentReader> seg;
    ASSERT_TRUE(store->OpenSegment(ref, &seg).ok());
    FlowRowDecoder decoder(seg.get());
    for (size_t b = 0; b < seg->block_count(); ++b) {
      ASSERT_TRUE(decoder.LoadBlock(b).ok());
      const uint32_t rows = seg->meta().columns[0].blocks[b].stats.rows;
      for (uint32_t i = 0; i < rows; ++i) {
        decoder.Rebuild(i, &record);
        auto it = expected.docs.find({std::string(decoder.SourceKey(i)), decoder.LineOffset(i)});
        ASSERT_NE(it, expected.docs.end());
        ASSERT_EQ(writer.Write(record, ""), it->second);
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, expected.docs.size());
  store.reset();
  fs::remove_all(root);
}

}  // namespace
}  // namespace flowdex
