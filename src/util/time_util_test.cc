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
  EXPECT_EQ(Iso(951782400123), "2000-02-29T00:00:00.123Z");   // leap day
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

TEST(TimeUtil, ParsesElasticsearchDates) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseIsoDate("2019-08-26T19:48:53.000Z", &ms));
  EXPECT_EQ(ms, 1566848933000);
  ASSERT_TRUE(ParseIsoDate("2019-08-26T19:48:53Z", &ms));
  EXPECT_EQ(ms, 1566848933000);
  ASSERT_TRUE(ParseIsoDate("2019-08-26T21:48:53.5+02:00", &ms));
  EXPECT_EQ(ms, 1566848933500);
  ASSERT_TRUE(ParseIsoDate("2019-08-26T14:48:53.123456789-0500", &ms));
  EXPECT_EQ(ms, 1566848933123);
  ASSERT_TRUE(ParseIsoDate("2019-08-26T19:48", &ms));
  EXPECT_EQ(ms, 1566848880000);
  ASSERT_TRUE(ParseIsoDate("2019-08-26", &ms));
  EXPECT_EQ(ms, 1566777600000);
  ASSERT_TRUE(ParseIsoDate("2015/09/02", &ms));
  ASSERT_TRUE(ParseIsoDate("2015/09/02 10:00:00", &ms));
  EXPECT_EQ(ms, 1441188000000);
  ASSERT_TRUE(ParseIsoDate("2024-02-29", &ms));
  for (const char* bad :
       {"", "2019", "2019-8-26", "2019-08-26T", "2019-08-26 19:48", "2019-13-01", "2019-02-29", "2019-08-26T19:48:53.Z",
        "hello", "10.0.0.1", "2019-08-26T19:48:53+25:00", "2015/09/02T10:00", "2019-08-26Tx"}) {
    EXPECT_FALSE(ParseIsoDate(bad, &ms)) << bad;
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
  ASSERT_TRUE(ParseDuration("250ms", &ms).ok());
  EXPECT_EQ(ms, 250);
  for (const char* bad : {"", "d", "30", "30x", "-5d", "1.5h", "30dd", "30mss", "99999999999999999d"}) {
    EXPECT_FALSE(ParseDuration(bad, &ms).ok()) << bad;
  }
}

}  // namespace
}  // namespace flowdex
