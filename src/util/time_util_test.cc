#include "util/time_util.h"

#include <gtest/gtest.h>

#include <string>

namespace flowdex {
namespace {

std::string Iso(int64_t ms) {
  char buf[kIso8601MillisLength];
  FormatIso8601Millis(ms, buf);
  return std::string(buf, kIso8601MillisLength);
}

TEST(TimeUtil, FormatsElasticStyleTimestamps) {
  EXPECT_EQ(Iso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso(1566848933000), "2019-08-26T19:48:53.000Z");  // Elastic fixture value
  EXPECT_EQ(Iso(1418530070000), "2014-12-14T04:07:50.000Z");  // AWS example end time
  EXPECT_EQ(Iso(951782400123), "2000-02-29T00:00:00.123Z");    // leap day
  EXPECT_EQ(Iso(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeUtil, CivilRoundTrip) {
  for (int64_t t = -86400LL * 800; t < 86400LL * 365 * 400; t += 86400 * 37 + 3607) {
    CivilTime c = CivilFromSeconds(t);
    EXPECT_EQ(DaysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second, t);
  }
}

TEST(TimeUtil, ParsesTimeArguments) {
  int64_t t = 0;
  ASSERT_TRUE(ParseTimeArg("1700000000", 0, &t).ok());
  EXPECT_EQ(t, 1700000000);
  ASSERT_TRUE(ParseTimeArg("2026-11-01", 0, &t).ok());
  EXPECT_EQ(t, 1793491200);
  ASSERT_TRUE(ParseTimeArg("2026-11-01T10:05Z", 0, &t).ok());
  EXPECT_EQ(t, 1793491200 + 10 * 3600 + 5 * 60);
  ASSERT_TRUE(ParseTimeArg("2026-11-01T10:05:30Z", 0, &t).ok());
  EXPECT_EQ(t, 1793491200 + 10 * 3600 + 5 * 60 + 30);
  ASSERT_TRUE(ParseTimeArg("now", 5000, &t).ok());
  EXPECT_EQ(t, 5000);
  ASSERT_TRUE(ParseTimeArg("now-2h", 10000, &t).ok());
  EXPECT_EQ(t, 10000 - 7200);
  ASSERT_TRUE(ParseTimeArg("now-7d", 1000000, &t).ok());
  EXPECT_EQ(t, 1000000 - 7 * 86400);
  ASSERT_TRUE(ParseTimeArg("now+30m", 0, &t).ok());
  EXPECT_EQ(t, 1800);
}

TEST(TimeUtil, RejectsBadTimeArguments) {
  int64_t t = 0;
  for (const char* bad : {"", "yesterday", "now-", "now-5y", "now-h", "2026-13-01", "2026-11-01T25:00Z",
                          "2026-11-01 10:00", "2026-11-01T10:00", "12ab"}) {
    Status s = ParseTimeArg(bad, 0, &t);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
  }
}

TEST(TimeUtil, ParsesDurations) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseDuration("30d", &ms).ok());
  EXPECT_EQ(ms, 30LL * 86400 * 1000);
  ASSERT_TRUE(ParseDuration("12h", &ms).ok());
  EXPECT_EQ(ms, 12LL * 3600 * 1000);
  ASSERT_TRUE(ParseDuration("2w", &ms).ok());
  EXPECT_EQ(ms, 14LL * 86400 * 1000);
  ASSERT_TRUE(ParseDuration("45s", &ms).ok());
  EXPECT_EQ(ms, 45000);
  for (const char* bad : {"", "d", "30", "30x", "-5d", "1.5h", "30dd"}) EXPECT_FALSE(ParseDuration(bad, &ms).ok()) << bad;
}

}  // namespace
}  // namespace flowdex
