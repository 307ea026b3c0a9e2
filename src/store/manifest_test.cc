#include "store/manifest.h"

#include <gtest/gtest.h>

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
  SourceRecord s;
  s.key = "/data/AWSLogs/1/vpcflowlogs/a \"quoted\" name.log.gz";
  s.size = 999;
  s.records = 65536;
  s.bad_lines = 2;
  s.index = r.index;
  m.sources.emplace(s.key, s);
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
  ASSERT_EQ(back.sources.size(), 1u);
  EXPECT_EQ(back.sources.begin()->second.key, m.sources.begin()->second.key);
  EXPECT_EQ(back.sources.begin()->second.bad_lines, 2u);
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
