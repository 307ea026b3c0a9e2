#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "store/checksum.h"
#include "store/segment_builder.h"
#include "store/segment_reader.h"
#include "store/tokenizer.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("flowdex_segment_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "test.seg").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `rows` rows: ts, port, ip, keyword, and a column added halfway.
  SegmentMeta Build(uint64_t rows) {
    std::unique_ptr<SegmentBuilder> b;
    EXPECT_TRUE(SegmentBuilder::Create(path_, {}, &b).ok());
    const int ts = b->AddColumn("@timestamp", ColumnType::kTimestamp);
    const int port = b->AddColumn("source.port", ColumnType::kUInt16);
    const int ip = b->AddColumn("source.ip", ColumnType::kIp);
    const int kw = b->AddColumn("event.action", ColumnType::kKeyword);
    int late = -1;
    for (uint64_t i = 0; i < rows; ++i) {
      if (i == rows / 2) late = b->AddColumn("late", ColumnType::kUInt64);
      b->SetInteger(ts, 1700000000000ULL + i * 1000);
      if (i % 10 != 3) b->SetInteger(port, i % 65536);
      b->SetIp(ip, IpAddress::FromV4(0x0A000000u + static_cast<uint32_t>((i / 1000) % 300)));
      b->SetKeyword(kw, i % 13 == 0 ? "REJECT" : "ACCEPT");
      if (late >= 0) b->SetInteger(late, i);
      EXPECT_TRUE(b->FinishRow().ok());
    }
    SegmentMeta meta;
    Status s = b->Finish(&meta);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return meta;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SegmentTest, RoundTripAcrossBlocks) {
  const uint64_t rows = 2 * kRowsPerBlock + 1234;
  SegmentMeta written = Build(rows);
  EXPECT_EQ(written.rows, rows);
  EXPECT_EQ(written.min_time, 1700000000000LL);
  EXPECT_EQ(written.max_time, static_cast<int64_t>(1700000000000ULL + (rows - 1) * 1000));

  std::unique_ptr<SegmentReader> r;
  ASSERT_TRUE(SegmentReader::Open(path_, &r).ok());
  EXPECT_EQ(r->rows(), rows);
  EXPECT_EQ(r->block_count(), 3u);
  const int port = r->FindColumn("source.port"), ip = r->FindColumn("source.ip");
  const int kw = r->FindColumn("event.action"), late = r->FindColumn("late");
  ASSERT_GE(port, 0);
  ASSERT_GE(late, 0);
  EXPECT_EQ(r->FindColumn("nope"), -1);
  const std::vector<std::string>* dict = nullptr;
  ASSERT_TRUE(r->Dictionary(kw, &dict).ok());
  ASSERT_EQ(dict->size(), 2u);
  uint64_t row = 0;
  for (size_t b = 0; b < r->block_count(); ++b) {
    ColumnBlock pb, ib, kb, lb;
    ASSERT_TRUE(r->ReadBlock(port, b, &pb).ok());
    ASSERT_TRUE(r->ReadBlock(ip, b, &ib).ok());
    ASSERT_TRUE(r->ReadBlock(kw, b, &kb).ok());
    ASSERT_TRUE(r->ReadBlock(late, b, &lb).ok());
    for (uint32_t i = 0; i < pb.rows; ++i, ++row) {
      ASSERT_EQ(pb.present(i), row % 10 != 3) << row;
      if (pb.present(i)) {
        ASSERT_EQ(pb.values[i], row % 65536);
      }
      ASSERT_EQ(ib.ip(i).v4(), 0x0A000000u + (row / 1000) % 300);
      ASSERT_EQ((*dict)[kb.values[i]], row % 13 == 0 ? "REJECT" : "ACCEPT");
      ASSERT_EQ(lb.present(i), row >= rows / 2) << row;
      if (lb.present(i)) {
        ASSERT_EQ(lb.values[i], row);
      }
    }
  }
  EXPECT_EQ(row, rows);
  // Block statistics allow skipping.
  const ColumnMeta& late_meta = r->meta().columns[late];
  EXPECT_FALSE(late_meta.blocks[0].stats.has_values());
  EXPECT_EQ(late_meta.blocks[2].stats.max, rows - 1);
}

TEST_F(SegmentTest, PagePostingsNameEveryPageHoldingAValue) {
  const uint64_t rows = kRowsPerBlock + 30000;
  Build(rows);
  std::unique_ptr<SegmentReader> r;
  ASSERT_TRUE(SegmentReader::Open(path_, &r).ok());
  const int kw = r->FindColumn("event.action"), ip = r->FindColumn("source.ip");
  const int port = r->FindColumn("source.port"), late = r->FindColumn("late");
  ASSERT_TRUE(r->HasPostings(kw));
  ASSERT_TRUE(r->HasPostings(ip));
  EXPECT_FALSE(r->HasPostings(late)) << "uint64 columns have none";
  int64_t reject = -1, missing = -1;
  ASSERT_TRUE(r->FindKeyword(kw, "REJECT", &reject).ok());
  ASSERT_TRUE(r->FindKeyword(kw, "NOPE", &missing).ok());
  ASSERT_GE(reject, 0);
  EXPECT_EQ(missing, -1);
  // Rows with source.ip 10.0.0.42 ((i / 1000) % 300 == 42) sit on known pages.
  Bitmap pages;
  ASSERT_TRUE(r->PagePostings(ip, IpAddress::FromV4(0x0A00002Au), &pages).ok());
  std::set<uint32_t> expected;
  for (uint64_t i = 0; i < rows; ++i) {
    if ((i / 1000) % 300 == 42) expected.insert(static_cast<uint32_t>(i / kRowsPerPage));
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), expected.size());
  for (uint32_t p : expected) EXPECT_TRUE(roaring_bitmap_contains(pages.get(), p)) << p;
  // An address that is not there has no pages.
  ASSERT_TRUE(r->PagePostings(ip, IpAddress::FromV4(0x0B000000u), &pages).ok());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), 0u);
  // REJECT (every 13th row) is on every page.
  ASSERT_TRUE(r->PagePostings(kw, static_cast<uint64_t>(reject), &pages).ok());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), (rows + kRowsPerPage - 1) / kRowsPerPage);
  // Ports here vary row by row: their postings would cost more than they save.
  EXPECT_FALSE(r->HasPostings(port));
  EXPECT_TRUE(r->VerifyPostings(ip).ok());
}

TEST_F(SegmentTest, ArraysBlobsAndTextAcrossBlocks) {
  const uint64_t rows = kRowsPerBlock + 5000;
  {
    std::unique_ptr<SegmentBuilder> b;
    ASSERT_TRUE(SegmentBuilder::Create(path_, {}, &b).ok());
    const int tags = b->AddColumn("tags", ColumnType::kKeyword);
    const int ips = b->AddColumn("related.ip", ColumnType::kIp);
    const int nums = b->AddColumn("codes", ColumnType::kInt64);
    const int src = b->AddColumn("_source", ColumnType::kBlob);
    const int msg = b->AddColumn("message", ColumnType::kText);
    for (uint64_t i = 0; i < rows; ++i) {
      // Row i has i % 4 tags (none when 0), always two addresses, -i and i.
      for (uint64_t t = 0; t < i % 4; ++t) b->AddKeyword(tags, std::string("t") + std::to_string(t));
      b->AddIp(ips, IpAddress::FromV4(static_cast<uint32_t>(i)));
      b->AddIp(ips, IpAddress::FromV4(static_cast<uint32_t>(i + 1)));
      b->AddInteger(nums, static_cast<uint64_t>(-static_cast<int64_t>(i)));
      b->AddInteger(nums, i);
      if (i % 3 != 0) b->SetBlob(src, std::string("{\"n\":") + std::to_string(i) + "}");
      b->SetKeyword(msg, i % 1000 == 7 ? "Connection REFUSED by host-7" : "all good");
      ASSERT_TRUE(b->FinishRow().ok());
    }
    SegmentMeta meta;
    ASSERT_TRUE(b->Finish(&meta).ok());
  }
  std::unique_ptr<SegmentReader> r;
  ASSERT_TRUE(SegmentReader::Open(path_, &r).ok());
  const int tags = r->FindColumn("tags"), ips = r->FindColumn("related.ip"), nums = r->FindColumn("codes");
  const int src = r->FindColumn("_source"), msg = r->FindColumn("message");
  const std::vector<std::string>* dict = nullptr;
  ASSERT_TRUE(r->Dictionary(tags, &dict).ok());
  uint64_t row = 0;
  for (size_t blk = 0; blk < r->block_count(); ++blk) {
    ColumnBlock tb, ib, nb, sb;
    ASSERT_TRUE(r->ReadBlock(tags, blk, &tb).ok());
    ASSERT_TRUE(r->ReadBlock(ips, blk, &ib).ok());
    ASSERT_TRUE(r->ReadBlock(nums, blk, &nb).ok());
    ASSERT_TRUE(r->ReadBlock(src, blk, &sb).ok());
    ASSERT_TRUE(tb.multi());
    for (uint32_t i = 0; i < tb.rows; ++i, ++row) {
      ASSERT_EQ(tb.present(i), row % 4 != 0);
      ASSERT_EQ(tb.offsets[i + 1] - tb.offsets[i], row % 4) << row;
      for (uint32_t k = tb.offsets[i]; k < tb.offsets[i + 1]; ++k) {
        ASSERT_EQ((*dict)[tb.values[k]], std::string("t") + std::to_string(k - tb.offsets[i]));
      }
      ASSERT_EQ(ib.offsets[i + 1] - ib.offsets[i], 2u);
      ASSERT_EQ(ib.ip(ib.offsets[i]).v4(), static_cast<uint32_t>(row));
      ASSERT_EQ(ib.ip(ib.offsets[i] + 1).v4(), static_cast<uint32_t>(row + 1));
      ASSERT_EQ(static_cast<int64_t>(nb.values[nb.offsets[i]]), -static_cast<int64_t>(row));
      ASSERT_EQ(sb.present(i), row % 3 != 0);
      if (sb.present(i)) {
        ASSERT_EQ(sb.blob_at(i), std::string("{\"n\":") + std::to_string(row) + "}");
      }
    }
  }
  EXPECT_EQ(row, rows);
  // Min and max cover every value of the arrays.
  EXPECT_EQ(static_cast<int64_t>(r->meta().columns[nums].blocks[1].stats.min), -static_cast<int64_t>(rows - 1));
  // Text postings are by token, lowercased.
  Bitmap pages;
  ASSERT_TRUE(r->TokenPostings(msg, "refused", &pages).ok());
  std::set<uint32_t> expected;
  for (uint64_t i = 7; i < rows; i += 1000) expected.insert(static_cast<uint32_t>(i / kRowsPerPage));
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), expected.size());
  ASSERT_TRUE(r->TokenPostings(msg, "REFUSED", &pages).ok());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), 0u) << "tokens are stored lowercased";
  ASSERT_TRUE(r->TokenPostings(msg, "host", &pages).ok());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), expected.size());
  // The tags' postings: t2 is on every page.
  int64_t t2 = -1;
  ASSERT_TRUE(r->FindKeyword(tags, "t2", &t2).ok());
  ASSERT_TRUE(r->PagePostings(tags, static_cast<uint64_t>(t2), &pages).ok());
  EXPECT_EQ(roaring_bitmap_get_cardinality(pages.get()), (rows + kRowsPerPage - 1) / kRowsPerPage);
}

TEST(Tokenizer, SplitsLowercasesAndKeepsUtf8Words) {
  std::vector<std::string> got;
  ForEachToken("Connection REFUSED: host-7.example, café 10.0.0.1", [&](std::string_view t) { got.emplace_back(t); });
  EXPECT_EQ(got,
            (std::vector<std::string>{"connection", "refused", "host", "7", "example", "café", "10", "0", "0", "1"}));
  got.clear();
  ForEachToken(std::string(300, 'a'), [&](std::string_view t) { got.emplace_back(t); });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].size(), kMaxTokenLength);
}

TEST_F(SegmentTest, EmptySegment) {
  Build(0);
  std::unique_ptr<SegmentReader> r;
  ASSERT_TRUE(SegmentReader::Open(path_, &r).ok());
  EXPECT_EQ(r->rows(), 0u);
  EXPECT_EQ(r->block_count(), 0u);
}

TEST_F(SegmentTest, UnfinishedBuilderLeavesNoFile) {
  {
    std::unique_ptr<SegmentBuilder> b;
    ASSERT_TRUE(SegmentBuilder::Create(path_, {}, &b).ok());
    b->AddColumn("x", ColumnType::kUInt8);
    b->SetInteger(0, 1);
    ASSERT_TRUE(b->FinishRow().ok());
  }
  EXPECT_FALSE(fs::exists(path_));
}

// Flips one byte at `offset` of the file.
void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x20));
}

TEST_F(SegmentTest, FlippedByteInABlockIsReportedWithFileAndOffset) {
  Build(100000);
  std::unique_ptr<SegmentReader> r;
  ASSERT_TRUE(SegmentReader::Open(path_, &r).ok());
  const int ip = r->FindColumn("source.ip");
  const Extent e = r->meta().columns[ip].blocks[1].extent;
  r.reset();
  FlipByte(path_, e.offset + e.size / 2);
  ASSERT_TRUE(SegmentReader::Open(path_, &r).ok()) << "the directory is intact";
  ColumnBlock out;
  EXPECT_TRUE(r->ReadBlock(ip, 0, &out).ok()) << "other blocks still read";
  Status s = r->ReadBlock(ip, 1, &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find(path_), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("checksum mismatch in block 1 of column source.ip at offset " + std::to_string(e.offset)),
            std::string::npos)
      << s.message();
}

TEST_F(SegmentTest, DamagedDirectoryOrFooterOrTruncationFailsOpen) {
  Build(70000);
  const uint64_t size = fs::file_size(path_);
  std::string copy = path_ + ".orig";
  fs::copy_file(path_, copy);

  FlipByte(path_, size - 30);  // inside the directory
  std::unique_ptr<SegmentReader> r;
  Status s = SegmentReader::Open(path_, &r);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("directory"), std::string::npos) << s.message();

  fs::copy_file(copy, path_, fs::copy_options::overwrite_existing);
  fs::resize_file(path_, size - 5);
  s = SegmentReader::Open(path_, &r);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  fs::copy_file(copy, path_, fs::copy_options::overwrite_existing);
  FlipByte(path_, 2);  // the magic number
  s = SegmentReader::Open(path_, &r);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("not a flowdex segment"), std::string::npos);

  std::ofstream(path_, std::ios::trunc) << "tiny";
  EXPECT_TRUE(SegmentReader::Open(path_, &r).IsCorruption());
}

TEST(Crc32c, StandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

}  // namespace
}  // namespace flowdex
