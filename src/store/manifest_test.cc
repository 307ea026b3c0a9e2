#include "store/manifest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/checksum.h"

namespace flowdex {
namespace {

Manifest Sample() {
  Manifest m;
  m.generation = 7;
  m.next_segment_id = 12;
  SegmentRef r;
  r.id = 11;
  r.index = "logs-aws.vpcflow-default";
  r.partition = "2026-11-27";
  r.rows = 65536;
  r.bytes = 123456;
  r.min_time = 1790000000000;
  r.max_time = 1790000300000;
  m.segments.push_back(r);
  SegmentRef rollup = r;
  rollup.id = 10;
  rollup.rows = 12;
  rollup.rollup = "ports";
  rollup.rollup_version = 1;
  m.rollups.push_back(rollup);
  m.segments[0].rollup_version = 1;
  m.sources_file = "SOURCES-000003";
  m.sources_length = 4242;
  return m;
}

TEST(Manifest, RoundTrip) {
  const Manifest m = Sample();
  const std::string text = m.Serialize();
  Manifest back;
  ASSERT_TRUE(Manifest::Parse(text, "M", &back).ok());
  EXPECT_EQ(back.generation, 7u);
  EXPECT_EQ(back.next_segment_id, 12u);
  ASSERT_EQ(back.segments.size(), 1u);
  EXPECT_EQ(back.segments[0].RelativePath(), "indices/logs-aws.vpcflow-default/2026-11-27/00000011.seg");
  EXPECT_EQ(back.segments[0].max_time, 1790000300000);
  EXPECT_EQ(back.segments[0].rollup_version, 1u);
  EXPECT_EQ(back.segments[0].rollup, "");
  ASSERT_EQ(back.rollups.size(), 1u);
  EXPECT_EQ(back.rollups[0].rollup, "ports");
  EXPECT_EQ(back.rollups[0].rollup_version, 1u);
  EXPECT_EQ(back.rollups[0].rows, 12u);
  EXPECT_EQ(back.sources_file, "SOURCES-000003");
  EXPECT_EQ(back.sources_length, 4242u);
  EXPECT_TRUE(back.legacy_sources.empty());
}

// A format 1 manifest (before the source log) lists its sources inline:
// they are read into legacy_sources for the store to move into a log.
TEST(Manifest, ReadsFormat1Sources) {
  std::string body =
      R"({"format":1,"generation":3,"next_segment_id":2,"segments":[{"id":1,"index":"i","partition":"2026-11-27",)"
      R"("rows":5,"bytes":10,"min_time":1,"max_time":2}],"sources":[{"key":"/a \"b\".log.gz","size":9,)"
      R"("records":5,"bad_lines":1,"index":"i"}]})";
  body += "\n";
  const std::string text = body + fmt::format("#crc32c:{:08x}\n", Crc32c(body));
  Manifest back;
  Status s = Manifest::Parse(text, "M", &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(back.segments.size(), 1u);
  EXPECT_EQ(back.segments[0].rollup_version, 0u);
  ASSERT_EQ(back.legacy_sources.size(), 1u);
  EXPECT_EQ(back.legacy_sources[0].key, "/a \"b\".log.gz");
  EXPECT_EQ(back.legacy_sources[0].records, 5u);
  EXPECT_EQ(back.legacy_sources[0].bad_lines, 1u);
  EXPECT_EQ(back.sources_file, "");
}

TEST(Manifest, DamageIsDetected) {
  const std::string text = Sample().Serialize();
  Manifest back;
  EXPECT_TRUE(Manifest::Parse(text.substr(0, text.size() / 2), "M", &back).IsCorruption());
  std::string flipped = text;
  flipped[text.find("65536")] = '7';
  Status s = Manifest::Parse(flipped, "MANIFEST-000007", &back);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("MANIFEST-000007: checksum mismatch"), std::string::npos) << s.message();
  EXPECT_TRUE(Manifest::Parse("", "M", &back).IsCorruption());
}

}  // namespace
}  // namespace flowdex
