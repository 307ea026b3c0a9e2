// The GeoIP databases, the folder that reloads them and the enricher,
// against tiny databases written by MaxMind's own writer
// (tests/enrich/make_geoip_test_db.pl; the values below are its records).
#include "enrich/address_enricher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "enrich/aws_ip_ranges.h"
#include "enrich/geoip_database.h"
#include "enrich/geoip_directory.h"
#include "flowlog/flow_format.h"
#include "flowlog/line_parser.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;
const std::string kDir = FLOWDEX_TEST_GEOIP_DIR;

IpAddress Ip(std::string_view text) {
  IpAddress ip;
  EXPECT_TRUE(ParseIpAddress(text, &ip)) << text;
  return ip;
}

GeoIpRecord LookupBoth(const GeoIpDatabases& dbs, std::string_view ip) {
  GeoIpRecord r;
  EXPECT_TRUE(dbs.Lookup(Ip(ip), &r).ok());
  return r;
}

std::shared_ptr<GeoIpDirectory> OpenDir(const std::string& dir) {
  std::unique_ptr<GeoIpDirectory> d;
  Status s = GeoIpDirectory::Open(dir, &d);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return d;
}

EnrichmentSources GeoIpOnly(std::shared_ptr<GeoIpDirectory> dir) {
  EnrichmentSources sources;
  sources.geoip = std::move(dir);
  return sources;
}

// tests/enrich/ip-ranges.json, in AWS's format.
std::shared_ptr<const AwsIpRanges> TestRanges() {
  std::ifstream in(std::string(FLOWDEX_TEST_ENRICH_DIR) + "/ip-ranges.json");
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::unique_ptr<AwsIpRanges> ranges;
  Status s = AwsIpRanges::Parse(json, "ip-ranges.json", &ranges);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return ranges;
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("flowdex_geoip_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }
  // Puts a copy of a test database here, as geoipupdate does: a new file
  // renamed over the old one.
  void Install(const std::string& name, const std::string& as) const {
    fs::copy_file(kDir + "/" + name, path_ / (as + ".tmp"), fs::copy_options::overwrite_existing);
    fs::rename(path_ / (as + ".tmp"), path_ / as);
  }

 private:
  fs::path path_;
};

TEST(GeoIpDatabase, KnowsItsTypeAndBuildDate) {
  std::unique_ptr<GeoIpDatabase> city, asn;
  ASSERT_TRUE(GeoIpDatabase::Open(kDir + "/GeoLite2-City.mmdb", &city).ok());
  ASSERT_TRUE(GeoIpDatabase::Open(kDir + "/GeoLite2-ASN.mmdb", &asn).ok());
  EXPECT_EQ(city->type(), "GeoLite2-City");
  EXPECT_EQ(city->kind(), GeoIpDatabase::Kind::kCity);
  EXPECT_EQ(asn->kind(), GeoIpDatabase::Kind::kAsn);
  EXPECT_EQ(city->build_epoch(), 1764547200);  // 2025-12-01, as the writer script sets it
}

TEST(GeoIpDatabase, FilesThatAreNotDatabasesAreErrors) {
  TempDir tmp;
  std::ofstream(tmp.path() + "/junk.mmdb") << "this is not a MaxMind database";
  std::unique_ptr<GeoIpDatabase> db;
  Status s = GeoIpDatabase::Open(tmp.path() + "/junk.mmdb", &db);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  s = GeoIpDatabase::Open(tmp.path() + "/missing.mmdb", &db);
  EXPECT_EQ(s.code(), Status::Code::kIoError) << s.ToString();
}

// The fields Elastic's geoip processor writes with its default properties.
TEST(GeoIpDatabases, ReadsWhatElasticsGeoipProcessorTakes) {
  auto dir = OpenDir(kDir);
  auto dbs = dir->Current();
  EXPECT_EQ(dbs->Describe(), "GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-12-01");

  const GeoIpRecord gb = LookupBoth(*dbs, "81.2.69.160");
  EXPECT_EQ(gb.continent_name, "Europe");
  EXPECT_EQ(gb.country_iso_code, "GB");
  EXPECT_EQ(gb.country_name, "United Kingdom");
  // The most specific of the two subdivisions, prefixed with the country.
  EXPECT_EQ(gb.region_iso_code, "GB-WBK");
  EXPECT_EQ(gb.region_name, "West Berkshire");
  EXPECT_EQ(gb.city_name, "Boxford");
  EXPECT_EQ(gb.location, "51.75,-1.25");
  EXPECT_TRUE(gb.has_as_number);
  EXPECT_EQ(gb.as_number, 20712u);
  EXPECT_EQ(gb.as_organization_name, "Andrews & Arnold Ltd");

  const GeoIpRecord se = LookupBoth(*dbs, "89.160.20.129");
  EXPECT_EQ(se.region_name, "\xc3\x96sterg\xc3\xb6tland County");  // UTF-8 as stored
  EXPECT_EQ(se.city_name, "Link\xc3\xb6ping");
  EXPECT_EQ(se.location, "58.4167,15.6167");

  // Country-level: no region, no city; IPv6.
  const GeoIpRecord v6 = LookupBoth(*dbs, "2001:480::9");
  EXPECT_EQ(v6.country_iso_code, "US");
  EXPECT_EQ(v6.region_iso_code, "");
  EXPECT_EQ(v6.city_name, "");
  EXPECT_EQ(v6.location, "37.751,-97.822");
  EXPECT_EQ(v6.as_number, 668u);

  // Only a continent; no location.
  const GeoIpRecord asia = LookupBoth(*dbs, "175.16.199.1");
  EXPECT_EQ(asia.continent_name, "Asia");
  EXPECT_EQ(asia.country_iso_code, "");
  EXPECT_EQ(asia.location, "");
  EXPECT_FALSE(asia.has_as_number);

  // An AS number without an organisation.
  const GeoIpRecord bare = LookupBoth(*dbs, "45.0.3.4");
  EXPECT_TRUE(bare.has_as_number);
  EXPECT_EQ(bare.as_number, 64500u);
  EXPECT_EQ(bare.as_organization_name, "");
  EXPECT_FALSE(bare.Facts().has_geo());

  // Not in the databases; and private, although the test database has it.
  EXPECT_TRUE(LookupBoth(*dbs, "8.8.8.8").empty());
  EXPECT_TRUE(LookupBoth(*dbs, "10.1.2.3").empty());
  EXPECT_TRUE(LookupBoth(*dbs, "::ffff:10.1.2.3").empty());
}

TEST(GeoIpDirectory, MissingOrEmptyFoldersAreRefused) {
  std::unique_ptr<GeoIpDirectory> d;
  EXPECT_EQ(GeoIpDirectory::Open("/nonexistent/geoip", &d).code(), Status::Code::kInvalidArgument);
  TempDir tmp;
  Status s = GeoIpDirectory::Open(tmp.path(), &d);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("no City, Country or ASN database"), std::string_view::npos) << s.ToString();
}

// A database added or replaced while running is used from the next stream
// on; a damaged replacement keeps the previous set.
TEST(GeoIpDirectory, PicksUpReplacedDatabasesWithoutARestart) {
  TempDir tmp;
  tmp.Install("GeoLite2-City.mmdb", "GeoLite2-City.mmdb");
  auto dir = OpenDir(tmp.path());
  dir->set_recheck(std::chrono::milliseconds(0));
  AddressEnricher enricher(GeoIpOnly(dir));
  enricher.BeginStream();
  EXPECT_EQ(enricher.sources_description(), "GeoLite2-City 2025-12-01");
  const AddressFacts* f = enricher.Lookup(Ip("81.2.69.160"));
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->has_as_number);
  const uint64_t generation = dir->Current()->generation;

  tmp.Install("GeoLite2-ASN.mmdb", "GeoLite2-ASN.mmdb");
  // Not within a stream: the cached facts stay as they were.
  EXPECT_FALSE(enricher.Lookup(Ip("81.2.69.160"))->has_as_number);
  enricher.BeginStream();
  EXPECT_EQ(dir->Current()->generation, generation + 1);
  EXPECT_EQ(enricher.sources_description(), "GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-12-01");
  f = enricher.Lookup(Ip("81.2.69.160"));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->as_number, 20712u);

  // A broken file in place of the City database: the last good set stays.
  std::ofstream(tmp.path() + "/GeoLite2-City.mmdb.tmp") << "truncated";
  fs::rename(tmp.path() + "/GeoLite2-City.mmdb.tmp", tmp.path() + "/GeoLite2-City.mmdb");
  enricher.BeginStream();
  EXPECT_EQ(dir->Current()->generation, generation + 1);
  EXPECT_NE(dir->last_error(), "");
  f = enricher.Lookup(Ip("81.2.69.160"));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->city_name, "Boxford");
}

TEST(AddressEnricher, SetsBothSidesAndCachesPerAddress) {
  auto dir = OpenDir(kDir);
  AddressEnricher enricher(GeoIpOnly(dir));
  enricher.BeginStream();
  const FlowFormat& v2 = FlowFormat::DefaultV2();
  auto parse = [&](const std::string& line, FlowRecord* r) {
    std::string_view tokens[kMaxLineTokens];
    const size_t n = TokenizeFlowLine(line, tokens, kMaxLineTokens);
    ASSERT_TRUE(ParseFlowTokens(tokens, n, v2, r).ok()) << line;
  };
  FlowRecord r;
  for (int i = 0; i < 3; ++i) {
    parse("2 123456789012 eni-1 81.2.69.160 10.0.0.5 443 5000 6 1 40 1764547200 1764547260 ACCEPT OK", &r);
    enricher.Enrich(&r);
    ASSERT_NE(r.facts(FlowSide::kSource), nullptr);
    EXPECT_EQ(r.facts(FlowSide::kSource)->country_iso_code, "GB");
    EXPECT_EQ(r.facts(FlowSide::kDestination), nullptr);  // private
  }
  EXPECT_EQ(enricher.lookups(), 1u);  // one database lookup for three records
  parse("2 123456789012 eni-1 8.8.8.8 216.160.83.60 443 5000 6 1 40 1764547200 1764547260 ACCEPT OK", &r);
  enricher.Enrich(&r);
  EXPECT_EQ(r.facts(FlowSide::kSource), nullptr);  // unknown to the databases
  ASSERT_NE(r.facts(FlowSide::kDestination), nullptr);
  EXPECT_EQ(r.facts(FlowSide::kDestination)->city_name, "Milton");
  EXPECT_EQ(enricher.lookups(), 3u);
  // A record without addresses keeps no facts from the one before.
  parse("2 123456789012 eni-1 - - - - - - - 1764547200 1764547260 - NODATA", &r);
  enricher.Enrich(&r);
  EXPECT_EQ(r.facts(FlowSide::kSource), nullptr);
  EXPECT_EQ(r.facts(FlowSide::kDestination), nullptr);
}

// A cache that fills up starts over between records, never within one.
TEST(AddressEnricher, AFullCacheStartsOverBetweenRecords) {
  auto dir = OpenDir(kDir);
  AddressEnricher enricher(GeoIpOnly(dir), /*max_cached=*/3);
  enricher.BeginStream();
  FlowRecord r;
  for (int i = 0; i < 50; ++i) {
    const std::string src = "81.2.69." + std::to_string(i);
    const std::string line = "2 1 eni-1 " + src + " 216.160.83." + std::to_string(56 + i % 8) +
                             " 1 2 6 1 40 1764547200 1764547260 ACCEPT OK";
    std::string_view tokens[kMaxLineTokens];
    const size_t n = TokenizeFlowLine(line, tokens, kMaxLineTokens);
    ASSERT_TRUE(ParseFlowTokens(tokens, n, FlowFormat::DefaultV2(), &r).ok());
    enricher.Enrich(&r);
    ASSERT_NE(r.facts(FlowSide::kSource), nullptr);
    ASSERT_NE(r.facts(FlowSide::kDestination), nullptr);
    EXPECT_EQ(r.facts(FlowSide::kSource)->city_name, "Boxford") << i;
    EXPECT_EQ(r.facts(FlowSide::kDestination)->city_name, "Milton") << i;
  }
}

// The most specific range names an address: the longest prefix, and a
// named service before AMAZON on the same prefix.
TEST(AwsIpRanges, NamesTheMostSpecificRange) {
  auto ranges = TestRanges();
  ASSERT_NE(ranges, nullptr);
  EXPECT_EQ(ranges->description(), "AWS ip-ranges 2025-12-01-20-13-09");
  auto find = [&](std::string_view ip) -> std::string {
    const AwsIpRanges::Range* r = ranges->Find(Ip(ip));
    return r == nullptr ? "-" : r->service + " " + r->region;
  };
  EXPECT_EQ(find("52.94.7.1"), "S3 us-east-1");          // /24 inside the /22 and the /16
  EXPECT_EQ(find("52.94.0.9"), "DYNAMODB us-east-1");    // /22 listed as AMAZON and DYNAMODB
  EXPECT_EQ(find("52.94.3.255"), "DYNAMODB us-east-1");  // last address of the /22
  EXPECT_EQ(find("52.94.4.0"), "AMAZON us-east-1");      // first after it: the /16
  EXPECT_EQ(find("52.94.255.255"), "AMAZON us-east-1");
  EXPECT_EQ(find("52.95.0.0"), "-");
  EXPECT_EQ(find("3.5.141.7"), "S3 ap-northeast-2");
  EXPECT_EQ(find("15.177.63.255"), "ROUTE53_HEALTHCHECKS GLOBAL");
  EXPECT_EQ(find("15.177.64.0"), "-");
  EXPECT_EQ(find("2600:1f18::1"), "EC2 us-east-1");
  EXPECT_EQ(find("2600:1f18:8000::1"), "-");  // beyond the /33
  EXPECT_EQ(find("8.8.8.8"), "-");
}

TEST(AwsIpRanges, OtherDocumentsAreRefused) {
  std::unique_ptr<AwsIpRanges> r;
  for (const char* bad : {"", "[]", "{}", R"({"prefixes":[{"ip_prefix":"1.2.3.0/33","region":"x","service":"y"}]})",
                          R"({"prefixes":[{"ip_prefix":"1.2.3.0/24","service":"y"}]})",
                          R"({"prefixes":[{"ip_prefix":"banana/8","region":"x","service":"y"}]})"}) {
    Status s = AwsIpRanges::Parse(bad, "f.json", &r);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("f.json: not AWS's ip-ranges.json"), std::string_view::npos) << s.ToString();
  }
}

// Both sources at once: GeoIP's facts and AWS's names on the same address.
TEST(AddressEnricher, CombinesGeoIpAndAwsRanges) {
  EnrichmentSources sources = GeoIpOnly(OpenDir(kDir));
  sources.aws_ip_ranges = TestRanges();
  AddressEnricher enricher(sources);
  enricher.BeginStream();
  EXPECT_EQ(enricher.sources_description(),
            "GeoLite2-City 2025-12-01, GeoLite2-ASN 2025-12-01, AWS ip-ranges 2025-12-01-20-13-09");
  const AddressFacts* f = enricher.Lookup(Ip("52.94.7.1"));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->city_name, "Ashburn");
  EXPECT_EQ(f->as_number, 16509u);
  EXPECT_EQ(f->aws_service, "S3");
  EXPECT_EQ(f->aws_region, "us-east-1");
  // Only AWS knows it.
  f = enricher.Lookup(Ip("3.5.140.1"));
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->has_geo());
  EXPECT_EQ(f->aws_service, "S3");
  // Only GeoIP knows it.
  f = enricher.Lookup(Ip("81.2.69.160"));
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->has_aws());
}

}  // namespace
}  // namespace flowdex
