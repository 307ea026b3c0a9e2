// key_source.cc: the keys every kind of field gives a row.
#include "query/aggs/key_source.h"

#include "query/aggs/agg_test_util.h"

namespace flowdex {
namespace {

std::vector<std::string> KeysOf(KeySource* keys, uint32_t row) {
  std::vector<uint64_t> raw;
  EXPECT_TRUE(keys->Keys(row, &raw).ok());
  std::vector<std::string> shown;
  for (uint64_t k : raw) {
    const AggKey key = keys->ResultKey(k);
    shown.push_back(std::holds_alternative<std::string>(key) ? std::get<std::string>(key)
                                                             : std::to_string(std::get<int64_t>(key)));
  }
  std::sort(shown.begin(), shown.end());
  return shown;
}

TEST(KeySource, DerivedFieldsGiveTheValuesTheirDocumentsShow) {
  auto seg = AggTestSegment::Flows(SampleFlowLines());
  const SegmentReader& reader = *seg->context().segment;
  auto make = [&](const char* field) {
    std::unique_ptr<KeySource> keys;
    EXPECT_TRUE(KeySource::Make(FieldCatalog::Flow().Resolve(field), reader, &keys).ok());
    return keys;
  };
  // Row 0: 10.0.0.1 -> 10.0.0.2 TCP ACCEPT, flags 19.
  EXPECT_EQ(KeysOf(make("aws.vpcflow.tcp_flags_array").get(), 0), (std::vector<std::string>{"ack", "fin", "syn"}));
  EXPECT_EQ(KeysOf(make("event.type").get(), 0), (std::vector<std::string>{"allowed", "connection"}));
  EXPECT_EQ(KeysOf(make("network.transport").get(), 0), (std::vector<std::string>{"tcp"}));
  EXPECT_EQ(KeysOf(make("network.iana_number").get(), 0), (std::vector<std::string>{"6"}));
  EXPECT_EQ(KeysOf(make("source.address").get(), 0), (std::vector<std::string>{"10.0.0.1"}));
  EXPECT_EQ(KeysOf(make("cloud.provider").get(), 0), (std::vector<std::string>{"aws"}));
  // Row 5, NODATA: only what every record has.
  EXPECT_EQ(KeysOf(make("event.type").get(), 5), (std::vector<std::string>{"connection"}));
  EXPECT_TRUE(KeysOf(make("event.outcome").get(), 5).empty());
  EXPECT_TRUE(KeysOf(make("network.community_id").get(), 5).empty());
  EXPECT_TRUE(make("event.outcome")->Refindable());
  EXPECT_FALSE(make("network.community_id")->Refindable());
  std::unique_ptr<KeySource> none;
  EXPECT_TRUE(KeySource::Make(FieldCatalog::Flow().Resolve("no.such"), reader, &none).ok());
  EXPECT_EQ(none, nullptr);
}

}  // namespace
}  // namespace flowdex
