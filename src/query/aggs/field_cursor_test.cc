#include "query/aggs/field_cursor.h"

#include <gtest/gtest.h>
#include <roaring/roaring.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "gen/flow_generator.h"
#include "ingest/flow_ingester.h"
#include "query/aggs/aggregation.h"
#include "query/dsl/dsl_parser.h"
#include "schema/field_catalog.h"
#include "segment_test_util.h"
#include "store/bitmap.h"
#include "store/block_cache.h"
#include "store/store.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

// One flow segment of three blocks, opened twice: `sparse_` with a block
// cache too small for any block (cursors read the blocks of which a
// selection holds few rows in place), `decoded_` with every block decoded
// in its cache.
class SparseReadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("flowdex_sparse_read_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    FlowGenOptions g;
    g.records = 140000;
    g.files = 2;
    g.seed = 5;
    g.out_dir = (root_ / "logs").string();
    ASSERT_TRUE(FlowFormat::Parse("v5", &g.format).ok());
    FlowGenResult result;
    ASSERT_TRUE(FlowGenerator(g).WriteAll(&result).ok());
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open((root_ / "data").string(), &store).ok());
    IngestOptions o;
    o.workers = 1;  // one segment
    IngestProgress progress;
    IngestSummary summary;
    ASSERT_TRUE(IngestFlowFiles(store.get(), result.paths, o, &progress, &summary).ok());
    ASSERT_EQ(store->Current()->segments.size(), 1u);
    const std::string path = store->dir() + "/" + store->Current()->segments[0].RelativePath();
    std::unique_ptr<SegmentReader> reader;
    ASSERT_TRUE(SegmentReader::Open(path, &reader).ok());
    sparse_cache_ = new BlockCache(kRowsPerBlock);  // always full: sparse blocks are read in place
    reader->set_block_cache(sparse_cache_);
    sparse_ = std::move(reader);
    ASSERT_TRUE(SegmentReader::Open(path, &reader).ok());
    decoded_cache_ = new BlockCache(uint64_t{1} << 32);
    reader->set_block_cache(decoded_cache_);
    ASSERT_NO_FATAL_FAILURE(testing::DecodeEveryBlock(*reader));
    decoded_ = std::move(reader);
  }
  static void TearDownTestSuite() {
    sparse_.reset();
    decoded_.reset();
    delete sparse_cache_;
    delete decoded_cache_;
    fs::remove_all(root_);
  }

  // The aggregations of `body` over `rows` of `seg`, as JSON.
  static std::string Aggregate(const SegmentReader& seg, const std::string& body, const roaring_bitmap_t* rows) {
    SearchRequest request;
    ParseError error;
    EXPECT_TRUE(ParseSearchBody(body, &request, &error)) << error.reason;
    AggContext ctx;
    ctx.segment = &seg;
    ctx.catalog = &FieldCatalog::Flow();
    ctx.index = "flows";
    std::vector<AggResult> results;
    const Status s = CollectAggregations(request.aggs, ctx, rows, &results);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::string out;
    for (size_t i = 0; i < results.size(); ++i) {
      std::string json;
      WriteAggregationJson(request.aggs[i], results[i], &json);
      out += json + "\n";
    }
    return out;
  }

  static fs::path root_;
  static BlockCache* sparse_cache_;
  static BlockCache* decoded_cache_;
  static std::shared_ptr<SegmentReader> sparse_, decoded_;
};

fs::path SparseReadTest::root_;
BlockCache* SparseReadTest::sparse_cache_ = nullptr;
BlockCache* SparseReadTest::decoded_cache_ = nullptr;
std::shared_ptr<SegmentReader> SparseReadTest::sparse_;
std::shared_ptr<SegmentReader> SparseReadTest::decoded_;

// Every kind of aggregation that reads field cursors, over selections
// sparse enough to be read in place (and, last, all rows, which decode):
// the same answers as from decoded blocks.
TEST_F(SparseReadTest, AggregationsAnswerAsFromDecodedBlocks) {
  const std::vector<std::string> bodies = {
      R"({"aggs":{"a":{"terms":{"field":"event.action"},"aggs":{"b":{"sum":{"field":"network.bytes"}}}}}})",
      R"({"aggs":{"p":{"terms":{"field":"destination.port","size":20},"aggs":{"m":{"stats":{"field":"network.packets"}}}}}})",
      R"({"aggs":{"h":{"date_histogram":{"field":"@timestamp","fixed_interval":"5m"},"aggs":{"t":{"terms":{"field":"network.iana_number"}}}}}})",
      R"({"aggs":{"h":{"histogram":{"field":"network.bytes","interval":100000}}}})",
      R"({"aggs":{"r":{"range":{"field":"source.port","ranges":[{"to":1024},{"from":1024,"to":32768},{"from":32768}]}}}})",
      R"({"aggs":{"c":{"cardinality":{"field":"destination.port"}},"x":{"max":{"field":"event.start"}},"v":{"value_count":{"field":"aws.vpcflow.interface_id"}}}})",
      R"({"aggs":{"c":{"composite":{"size":50,"sources":[{"a":{"terms":{"field":"event.action"}}},{"p":{"terms":{"field":"network.iana_number"}}}]}}}})",
      R"({"aggs":{"m":{"missing":{"field":"aws.vpcflow.tcp_flags"}},"e":{"extended_stats":{"field":"source.bytes"}}}})",
      R"({"aggs":{"s":{"terms":{"field":"source.ip","size":5},"aggs":{"d":{"terms":{"field":"destination.port"}}}}}})",
  };
  std::mt19937_64 rng(3);
  const uint32_t rows = static_cast<uint32_t>(sparse_->rows());
  std::vector<Bitmap> selections;
  for (int kind = 0; kind < 4; ++kind) {
    Bitmap sel(roaring_bitmap_create());
    for (uint32_t r = 0; r < rows; ++r) {
      const bool pick = kind == 0   ? r % 97 == 5
                        : kind == 1 ? r % kRowsPerBlock < 30 || r % kRowsPerBlock > kRowsPerBlock - 30
                        : kind == 2 ? rng() % 100 == 0
                                    : true;
      if (pick) roaring_bitmap_add(sel.get(), r);
    }
    selections.push_back(std::move(sel));
  }
  for (size_t k = 0; k < selections.size(); ++k) {
    for (const std::string& body : bodies) {
      EXPECT_EQ(Aggregate(*sparse_, body, selections[k].get()), Aggregate(*decoded_, body, selections[k].get()))
          << "selection " << k << ": " << body;
    }
    if (k + 1 < selections.size()) {
      // Sparse reads go around the cache: only addresses were decoded.
      for (size_t c = 0; c < sparse_->meta().columns.size(); ++c) {
        if (sparse_->meta().columns[c].type == ColumnType::kIp) continue;
        for (size_t b = 0; b < sparse_->block_count(); ++b) {
          EXPECT_EQ(sparse_->CachedBlock(static_cast<int>(c), b), nullptr)
              << "selection " << k << ": " << sparse_->meta().columns[c].name << " block " << b;
        }
      }
    }
  }
}

// A cursor over source.bytes selecting row 7 alone of `reader` reads it
// from the block `reader`'s cache holds: the whole block, not a gathered one.
void ExpectCachedBlockServesRow7(const SegmentReader& reader) {
  Bitmap sel(roaring_bitmap_create());
  roaring_bitmap_add(sel.get(), 7);
  const int column = reader.FindColumn("source.bytes");
  ASSERT_GE(column, 0);
  FieldCursor cursor;
  ASSERT_TRUE(cursor.Init(reader, std::vector<int>{column}, sel.get()).ok());
  const ColumnBlock* block = nullptr;
  ASSERT_TRUE(cursor.BlockOf(7, &block).ok());
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(block, reader.CachedBlock(column, 0).get());
}

// While the block cache has room, a sparse read decodes and caches the
// block (the next query finds it there), as one without a selection does.
TEST_F(SparseReadTest, ACacheWithRoomGetsTheBlock) {
  std::unique_ptr<SegmentReader> reader;
  ASSERT_TRUE(SegmentReader::Open(sparse_->path(), &reader).ok());
  BlockCache cache(uint64_t{1} << 30);
  reader->set_block_cache(&cache);
  ExpectCachedBlockServesRow7(*reader);
}

// A block the cache holds is used as it is.
TEST_F(SparseReadTest, CachedBlocksAreUsedAsTheyAre) { ExpectCachedBlockServesRow7(*decoded_); }

}  // namespace
}  // namespace flowdex
