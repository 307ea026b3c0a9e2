#include "flowlog/flow_log_reader.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace flowdex {
namespace {

using testing::CollectingSink;
using testing::Gzip;
using testing::MemorySource;

constexpr const char* kV2Header =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status";

std::string V2Line(int i) {
  return "2 123456789010 eni-1235b8ca123456789 10.0.0." + std::to_string(i % 250) + " 172.31.16.21 20641 22 6 20 " +
         std::to_string(1000 + i) + " 1418530010 1418530070 ACCEPT OK";
}

Status ReadText(const std::string& data, CollectingSink* sink, FlowReadStats* stats, FlowReadOptions opts = {},
                size_t chunk = 1 << 20) {
  MemorySource src(data, chunk);
  FlowLogReader reader(opts);
  return reader.Read(&src, "test.log", sink, stats);
}

TEST(FlowLogReader, HeaderLineChoosesTheLayout) {
  // A custom order: the header names it, and the header is not a record.
  std::string data =
      "srcaddr dstaddr bytes action log-status\n"
      "10.0.0.1 10.0.0.2 500 ACCEPT OK\n"
      "10.0.0.3 10.0.0.4 600 REJECT OK\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats).ok());
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.src_addrs[1], "10.0.0.3");
  EXPECT_EQ(sink.bytes[1], 600u);
  EXPECT_EQ(sink.records[0].line_number, 2u);
  EXPECT_EQ(stats.header_lines, 1u);
  EXPECT_EQ(stats.bad_lines, 0u);
}

TEST(FlowLogReader, HeaderWinsOverUserFormat) {
  FlowFormat user;
  ASSERT_TRUE(FlowFormat::Parse("bytes srcaddr", &user).ok());
  CollectingSink sink;
  FlowReadStats stats;
  FlowReadOptions opts;
  opts.user_format = &user;
  ASSERT_TRUE(ReadText("srcaddr bytes\n10.0.0.9 77\n", &sink, &stats, opts).ok());
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.src_addrs[0], "10.0.0.9");
  EXPECT_EQ(sink.bytes[0], 77u);
}

TEST(FlowLogReader, UserFormatForHeaderlessFiles) {
  FlowFormat user;
  ASSERT_TRUE(FlowFormat::Parse("bytes srcaddr", &user).ok());
  CollectingSink sink;
  FlowReadStats stats;
  FlowReadOptions opts;
  opts.user_format = &user;
  ASSERT_TRUE(ReadText("77 10.0.0.9\n12 10.0.0.1 extra\n", &sink, &stats, opts).ok());
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.bytes[0], 77u);
  ASSERT_EQ(sink.bad.size(), 1u);
  EXPECT_NE(sink.bad[0].reason.find("expected 2 fields (--format), found 3"), std::string::npos);
}

TEST(FlowLogReader, DefaultV2ThenTokenCountRule) {
  std::string data = V2Line(1) + "\n" +
                     // 6 tokens: Elastic's NAT-gateway layout.
                     "- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5\n" +
                     // 13 tokens: no layout fits.
                     "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats).ok());
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.src_addrs[1], "10.0.1.5");
  ASSERT_EQ(sink.bad.size(), 1u);
  EXPECT_EQ(sink.bad[0].line_number, 3u);
  EXPECT_NE(sink.bad[0].reason.find("expected 14 fields"), std::string::npos);
}

TEST(FlowLogReader, BadLinesAreReportedCountedAndSkipped) {
  std::string data = std::string(kV2Header) + "\n" + V2Line(1) + "\n" +
                     "2 1 eni-1 10.0.0.1 10.0.0.2 99999 22 6 1 1 1 2 ACCEPT OK\n" +                 // bad port
                     "garbage \x01\x02\xff bytes\n" +                                               // garbage bytes
                     V2Line(2) + "\r\n" +                                                           // CRLF
                     "   \n" +                                                                      // blank
                     "2  123456789010 eni-1  10.0.0.7 172.31.16.21 1 22 6 20 10 1 2 ACCEPT OK\n" +  // runs of spaces
                     "2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1 2\n" +                               // wrong count
                     V2Line(3);                                                                     // no final newline
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats).ok());
  EXPECT_EQ(stats.records, 4u);
  EXPECT_EQ(stats.bad_lines, 3u);
  EXPECT_EQ(stats.blank_lines, 1u);
  EXPECT_EQ(stats.header_lines, 1u);
  ASSERT_EQ(sink.bad.size(), 3u);
  EXPECT_EQ(sink.bad[0].line_number, 3u);
  EXPECT_NE(sink.bad[0].reason.find("srcport"), std::string::npos);
  EXPECT_EQ(sink.bad[1].line_number, 4u);
  EXPECT_NE(sink.bad[1].reason.find("unreadable byte 0x01 at column 9"), std::string::npos);
  EXPECT_EQ(sink.bad[2].line_number, 8u);
  EXPECT_EQ(sink.src_addrs[2], "10.0.0.7");
  EXPECT_EQ(sink.records[1].line, V2Line(2)) << "CR must be stripped";
  EXPECT_EQ(sink.records[3].line_number, 9u);
}

TEST(FlowLogReader, JsonWrappedLinesAreTheirMessage) {
  // CloudWatch Logs exports, Firehose and Elastic's test files wrap each
  // record as {"message": "..."}; plain and wrapped lines mix freely.
  std::string data = std::string(kV2Header) + "\n" + V2Line(1) + "\n" + "{\"message\":\"" + V2Line(2) +
                     "\",\"timestamp\":1418530070000}\n" + "  {\"message\": \"" + V2Line(3) +
                     "\"}\n" +                            // leading spaces: a plain line, bad
                     "{\"log\": \"x\"}\n" +               // no message
                     "{\"message\": 7}\n" +               // not a string
                     "{\"message\": \"x\"} trailing\n" +  // not one JSON value
                     "{\"message\": \"" + V2Line(4) + "\"}\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats).ok());
  ASSERT_EQ(sink.records.size(), 3u);
  EXPECT_EQ(sink.records[1].line, V2Line(2)) << "the line is the message (event.original)";
  EXPECT_EQ(sink.bytes[1], 1002u);
  EXPECT_EQ(sink.bytes[2], 1004u);
  ASSERT_EQ(sink.bad.size(), 4u);
  EXPECT_EQ(sink.bad[1].reason, "a JSON line without a \"message\" string");
  EXPECT_EQ(sink.bad[2].reason, "a JSON line without a \"message\" string");
  EXPECT_NE(sink.bad[3].reason.find("a JSON line that does not parse"), std::string::npos);
}

TEST(FlowLogReader, OffsetsPointAtLineStarts) {
  std::string data = std::string(kV2Header) + "\n" + V2Line(1) + "\n" + V2Line(2) + "\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats, {}, 5).ok());
  ASSERT_EQ(sink.records.size(), 2u);
  for (const auto& r : sink.records) EXPECT_EQ(data.substr(r.offset, r.line.size()), r.line);
}

TEST(FlowLogReader, ManyLinesAcrossBufferBoundaries) {
  std::string data = std::string(kV2Header) + "\n";
  for (int i = 0; i < 30000; ++i) data += V2Line(i) + "\n";
  for (size_t chunk : {size_t{1} << 20, size_t{4093}, size_t{97}}) {
    CollectingSink sink;
    FlowReadStats stats;
    ASSERT_TRUE(ReadText(data, &sink, &stats, {}, chunk).ok());
    ASSERT_EQ(sink.records.size(), 30000u);
    EXPECT_EQ(sink.bytes.back(), 1000u + 29999u);
    EXPECT_EQ(stats.bytes_decoded, data.size());
  }
}

TEST(FlowLogReader, ReadsGzipAndMultiMemberGzip) {
  std::string part1 = std::string(kV2Header) + "\n", part2;
  for (int i = 0; i < 1000; ++i) part1 += V2Line(i) + "\n";
  for (int i = 1000; i < 2500; ++i) part2 += V2Line(i) + "\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(Gzip(part1) + Gzip(part2), &sink, &stats, {}, 4096).ok());
  EXPECT_EQ(sink.records.size(), 2500u);
  EXPECT_TRUE(stats.gzip);
  EXPECT_EQ(stats.bytes_decoded, part1.size() + part2.size());
}

TEST(FlowLogReader, TruncatedGzipKeepsEveryCompleteLineBeforeTheDamage) {
  std::string text = std::string(kV2Header) + "\n";
  for (int i = 0; i < 20000; ++i) text += V2Line(i) + "\n";
  const std::string gz = Gzip(text);
  CollectingSink sink;
  FlowReadStats stats;
  Status s = ReadText(gz.substr(0, gz.size() * 2 / 3), &sink, &stats, {}, 4096);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  ASSERT_GT(sink.records.size(), 10000u);
  ASSERT_LT(sink.records.size(), 20000u);
  // Every record delivered is a complete, correct line of the original, in order.
  for (size_t i = 0; i < sink.records.size(); ++i) ASSERT_EQ(sink.records[i].line, V2Line(static_cast<int>(i)));
  // The line the damage cut short is counted as bad, never delivered as data.
  ASSERT_EQ(sink.bad.size(), 1u);
  EXPECT_NE(sink.bad[0].reason.find("cut off"), std::string::npos);
  EXPECT_EQ(stats.records + stats.bad_lines + stats.header_lines, sink.records.size() + 2);
}

TEST(FlowLogReader, OverlongLinesAreSkippedWithBoundedMemory) {
  FlowReadOptions opts;
  opts.max_line_bytes = 1024;
  std::string data = V2Line(1) + "\n" + std::string(5000, 'x') + "\n" + V2Line(2) + "\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats, opts, 100).ok());
  ASSERT_EQ(sink.records.size(), 2u);
  ASSERT_EQ(sink.bad.size(), 1u);
  EXPECT_EQ(sink.bad[0].line_number, 2u);
  EXPECT_NE(sink.bad[0].reason.find("longer than 1024"), std::string::npos);
  EXPECT_EQ(sink.records[1].line_number, 3u);
}

TEST(FlowLogReader, ConcatenatedFilesSwitchLayoutAtEachHeader) {
  std::string data = std::string(kV2Header) + "\n" + V2Line(1) + "\n" + "srcaddr bytes\n" + "10.9.9.9 42\n";
  CollectingSink sink;
  FlowReadStats stats;
  ASSERT_TRUE(ReadText(data, &sink, &stats).ok());
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.bytes[1], 42u);
  EXPECT_EQ(stats.header_lines, 2u);
}

TEST(FlowLogReader, MissingFileIsAnError) {
  FlowLogReader reader;
  CollectingSink sink;
  FlowReadStats stats;
  EXPECT_TRUE(reader.ReadFile("/nonexistent/flow.log.gz", &sink, &stats).IsIoError());
}

}  // namespace
}  // namespace flowdex
