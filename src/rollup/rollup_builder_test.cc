#include "rollup/rollup_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <tuple>

#include "schema/flow_index.h"
#include "store/segment_builder.h"
#include "store/segment_reader.h"

namespace flowdex {
namespace {

namespace fs = std::filesystem;

// A group as the test computes it: the time bucket, then each dimension as text
// ("" when absent), and its sums.
using GroupKey = std::vector<std::string>;
struct Sums {
  uint64_t docs = 0, bytes = 0;
  bool operator==(const Sums&) const = default;
};

std::string ValueText(const ColumnBlock& b, uint32_t i, const std::vector<std::string>* dict) {
  if (!b.present(i)) return "";
  if (b.type == ColumnType::kIp) {
    char text[kMaxIpTextLength];
    return std::string(text, FormatIpAddress(b.ip(i), text));
  }
  if (dict != nullptr) return "k:" + (*dict)[b.values[i]];
  return std::to_string(b.values[i]);
}

// Reads every row of `seg` as (bucket of `resolution_ms`, dims...) -> sums,
// counting `_doc_count` when the segment has it.
std::map<GroupKey, Sums> Groups(const SegmentReader& seg, const std::vector<std::string_view>& dims,
                                int64_t resolution_ms = kRollupHourMs) {
  std::map<GroupKey, Sums> out;
  const int time_col = seg.FindColumn(kTimestampColumn);
  const int bytes_col = seg.FindColumn(RollupSumColumns()[0]);
  const int docs_col = seg.FindColumn(kDocCountColumn);
  for (size_t b = 0; b < seg.block_count(); ++b) {
    ColumnBlock time, bytes, docs;
    EXPECT_TRUE(seg.ReadBlock(time_col, b, &time).ok());
    EXPECT_TRUE(seg.ReadBlock(bytes_col, b, &bytes).ok());
    if (docs_col >= 0) {
      EXPECT_TRUE(seg.ReadBlock(docs_col, b, &docs).ok());
    }
    std::vector<ColumnBlock> cols(dims.size());
    std::vector<const std::vector<std::string>*> dicts(dims.size(), nullptr);
    for (size_t c = 0; c < dims.size(); ++c) {
      const int at = seg.FindColumn(dims[c]);
      if (at < 0) continue;
      EXPECT_TRUE(seg.ReadBlock(at, b, &cols[c]).ok());
      if (HasDictionary(cols[c].type)) {
        EXPECT_TRUE(seg.Dictionary(at, &dicts[c]).ok());
      }
    }
    for (uint32_t i = 0; i < time.rows; ++i) {
      GroupKey key{std::to_string(RollupBucket(static_cast<int64_t>(time.values[i]), resolution_ms))};
      for (size_t c = 0; c < dims.size(); ++c) key.push_back(cols[c].rows ? ValueText(cols[c], i, dicts[c]) : "");
      Sums& s = out[key];
      s.docs += docs_col >= 0 ? docs.values[i] : 1;
      s.bytes += bytes.values[i];
    }
  }
  return out;
}

// The runs of equal values (absent counts as a value) of `column` in row
// order; fails when rows of one value are not in time order.
size_t ClusterRuns(const SegmentReader& seg, std::string_view column) {
  const int col = seg.FindColumn(column);
  const int time_col = seg.FindColumn(kTimestampColumn);
  size_t runs = 0;
  std::string last = "none yet";
  uint64_t last_time = 0;
  for (size_t b = 0; b < seg.block_count(); ++b) {
    ColumnBlock values, time;
    EXPECT_TRUE(seg.ReadBlock(col, b, &values).ok());
    EXPECT_TRUE(seg.ReadBlock(time_col, b, &time).ok());
    for (uint32_t i = 0; i < values.rows; ++i) {
      const std::string v = ValueText(values, i, nullptr);
      if (v != last) {
        ++runs;
      } else {
        EXPECT_LE(last_time, time.values[i]) << v;
      }
      last = v;
      last_time = time.values[i];
    }
  }
  return runs;
}

class RollupBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("flowdex_rollup_builder_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    ASSERT_TRUE(Store::Open(root_.string(), StoreOptions{}, &store_).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }

  // Starts a raw segment with an @timestamp column (its number in *time).
  void NewSegment(std::unique_ptr<SegmentBuilder>* b, SegmentRef* ref, int* time) {
    std::string path;
    ASSERT_TRUE(store_->NewSegment(std::string(kFlowIndex), kPartition, ref, &path).ok());
    SegmentBuilder::Options options;
    options.time_column = std::string(kTimestampColumn);
    ASSERT_TRUE(SegmentBuilder::Create(path, options, b).ok());
    *time = (*b)->AddColumn(kTimestampColumn, ColumnType::kTimestamp);
  }
  // Finishes the segment and opens it.
  void Finish(SegmentBuilder* b, SegmentRef* ref, std::shared_ptr<SegmentReader>* out) {
    ASSERT_TRUE(FinishSegment(b, ref).ok());
    ASSERT_TRUE(store_->OpenSegment(*ref, out).ok());
  }

  static constexpr const char* kPartition = "2026-10-01";
  std::unique_ptr<Store> store_;
  fs::path root_;
};

// Every dimension type a rollup key packs (keywords, 8- and 16-bit
// integers, booleans, IPv4 and IPv6 addresses), at the ends of their
// ranges and absent, over several hours and two inputs: the rollup holds
// exactly the group-by of the raw rows.
TEST_F(RollupBuilderTest, RollupRowsAreTheGroupByOfTheRawRows) {
  const RollupSpec spec{
      .name = "test",
      .dims = {"event.action", "network.iana_number", "destination.port", "flag", "source.ip"},
      .dim_types = {ColumnType::kKeyword, ColumnType::kUInt8, ColumnType::kUInt16, ColumnType::kBool, ColumnType::kIp},
      .resolution_ms = kRollupHourMs,
      .cluster = "destination.port"};
  const std::vector<std::string> actions = {"accept", "reject", "a-much-longer-action-name"};
  const std::vector<uint64_t> protocols = {0, 6, 17, 255};
  const std::vector<uint64_t> ports = {0, 22, 443, 65535};
  std::vector<IpAddress> ips;
  for (const char* text : {"0.0.0.0", "10.0.0.1", "255.255.255.255", "2001:db8::1", "ffff:ffff::ffff", "::"}) {
    IpAddress ip;
    ASSERT_TRUE(ParseIpAddress(text, &ip)) << text;
    ips.push_back(ip);
  }
  std::mt19937_64 rng(7);
  std::vector<std::shared_ptr<SegmentReader>> inputs;
  for (int input = 0; input < 2; ++input) {
    SegmentRef ref;
    std::unique_ptr<SegmentBuilder> b;
    int time = -1;
    ASSERT_NO_FATAL_FAILURE(NewSegment(&b, &ref, &time));
    std::vector<int> dim;
    for (size_t c = 0; c < spec.dims.size(); ++c) dim.push_back(b->AddColumn(spec.dims[c], spec.dim_types[c]));
    const int bytes = b->AddColumn(RollupSumColumns()[0], ColumnType::kUInt64);
    // More rows than a block, with many ties, so groups repeat across blocks.
    for (int row = 0; row < 70000; ++row) {
      b->SetInteger(time, 1'790'000'000'000 + (rng() % (5 * 3'600'000)));
      if (rng() % 8) b->SetKeyword(dim[0], actions[rng() % actions.size()]);
      if (rng() % 8) b->SetInteger(dim[1], protocols[rng() % protocols.size()]);
      if (rng() % 8) b->SetInteger(dim[2], ports[rng() % ports.size()]);
      if (rng() % 8) b->SetInteger(dim[3], rng() % 2);
      if (rng() % 8) b->SetIp(dim[4], ips[rng() % ips.size()]);
      b->SetInteger(bytes, rng() % 100000);
      ASSERT_TRUE(b->FinishRow().ok());
    }
    std::shared_ptr<SegmentReader> reader;
    ASSERT_NO_FATAL_FAILURE(Finish(b.get(), &ref, &reader));
    inputs.push_back(reader);
  }
  std::map<GroupKey, Sums> want;
  for (const auto& in : inputs) {
    for (const auto& [key, sums] : Groups(*in, spec.dims)) {
      want[key].docs += sums.docs;
      want[key].bytes += sums.bytes;
    }
  }

  std::vector<SegmentRef> out;
  RollupBuildStats stats;
  ASSERT_TRUE(BuildRollups(store_.get(), std::string(kFlowIndex), kPartition, inputs, {&spec}, 1, CancellationToken(),
                           &out, &stats)
                  .ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(stats.input_rows, 140000u);
  EXPECT_EQ(stats.output_rows, want.size());
  std::shared_ptr<SegmentReader> rollup;
  ASSERT_TRUE(store_->OpenSegment(out[0], &rollup).ok());
  EXPECT_EQ(Groups(*rollup, spec.dims), want);
  // The cluster dimension's rows are together: one run per value (and one
  // of rows without it), in time order within it.
  EXPECT_EQ(ClusterRuns(*rollup, "destination.port"), ports.size() + 1);

  // Rolling the rollup up again (a merge) changes nothing.
  std::vector<SegmentRef> merged;
  ASSERT_TRUE(BuildRollups(store_.get(), std::string(kFlowIndex), kPartition, {rollup}, {&spec}, 1, CancellationToken(),
                           &merged)
                  .ok());
  ASSERT_EQ(merged.size(), 1u);
  std::shared_ptr<SegmentReader> again;
  ASSERT_TRUE(store_->OpenSegment(merged[0], &again).ok());
  EXPECT_EQ(Groups(*again, spec.dims), want);
}

// A daily twin built beside its hourly spec (grouped from the hourly
// groups) holds the group-by of the raw rows per UTC day, as does one built
// from the raw rows alone or from the hourly rollup.
TEST_F(RollupBuilderTest, ADailyTwinIsTheGroupByOfTheRawRowsPerDay) {
  const RollupSpec hourly{.name = "test",
                          .dims = {"event.action", "source.ip"},
                          .dim_types = {ColumnType::kKeyword, ColumnType::kIp},
                          .resolution_ms = kRollupHourMs,
                          .cluster = {}};
  RollupSpec daily = hourly;
  daily.name = "test_1d";
  daily.resolution_ms = kRollupDayMs;
  std::mt19937_64 rng(11);
  SegmentRef ref;
  std::unique_ptr<SegmentBuilder> b;
  int time = -1;
  ASSERT_NO_FATAL_FAILURE(NewSegment(&b, &ref, &time));
  const int action = b->AddColumn(hourly.dims[0], hourly.dim_types[0]);
  const int ip = b->AddColumn(hourly.dims[1], hourly.dim_types[1]);
  const int bytes = b->AddColumn(RollupSumColumns()[0], ColumnType::kUInt64);
  // Three days and a bit, from an hour that is not a day's start.
  constexpr int64_t kFrom = 1'790'000'000'000 - 1'790'000'000'000 % kRollupHourMs + 5 * kRollupHourMs;
  for (int row = 0; row < 90000; ++row) {
    b->SetInteger(time, kFrom + static_cast<int64_t>(rng() % (76 * 3'600'000ULL)));
    b->SetKeyword(action, rng() % 3 ? "ACCEPT" : "REJECT");
    if (rng() % 10) b->SetIp(ip, IpAddress::FromV4(0x0a000000 + static_cast<uint32_t>(rng() % 50)));
    b->SetInteger(bytes, rng() % 100000);
    ASSERT_TRUE(b->FinishRow().ok());
  }
  std::shared_ptr<SegmentReader> raw;
  ASSERT_NO_FATAL_FAILURE(Finish(b.get(), &ref, &raw));
  const auto want_hours = Groups(*raw, hourly.dims);
  const auto want_days = Groups(*raw, hourly.dims, kRollupDayMs);
  ASSERT_EQ(want_days.size() % 2, 0u);  // both actions, each day
  ASSERT_LT(want_days.size(), want_hours.size());

  std::vector<SegmentRef> both;
  ASSERT_TRUE(BuildRollups(store_.get(), std::string(kFlowIndex), kPartition, {raw}, {&daily, &hourly}, 1,
                           CancellationToken(), &both)
                  .ok());
  ASSERT_EQ(both.size(), 2u);
  std::map<std::string, std::shared_ptr<SegmentReader>> out;
  for (const SegmentRef& r : both) ASSERT_TRUE(store_->OpenSegment(r, &out[r.rollup]).ok());
  EXPECT_EQ(Groups(*out.at("test"), hourly.dims), want_hours);
  EXPECT_EQ(Groups(*out.at("test_1d"), hourly.dims), want_days);  // rows at each day's start
  EXPECT_EQ(out.at("test_1d")->rows(), want_days.size());

  for (const auto& input : {raw, out.at("test")}) {
    std::vector<SegmentRef> alone;
    ASSERT_TRUE(BuildRollups(store_.get(), std::string(kFlowIndex), kPartition, {input}, {&daily}, 1,
                             CancellationToken(), &alone)
                    .ok());
    ASSERT_EQ(alone.size(), 1u);
    std::shared_ptr<SegmentReader> seg;
    ASSERT_TRUE(store_->OpenSegment(alone[0], &seg).ok());
    EXPECT_EQ(Groups(*seg, hourly.dims), want_days);
  }
}

// A dimension stored with another type than the rollup declares is refused,
// not packed into a slot too narrow for it.
TEST_F(RollupBuilderTest, ADimensionOfAnotherTypeIsRefused) {
  const RollupSpec spec{.name = "test",
                        .dims = {"destination.port"},
                        .dim_types = {ColumnType::kUInt16},
                        .resolution_ms = kRollupHourMs,
                        .cluster = {}};
  SegmentRef ref;
  std::unique_ptr<SegmentBuilder> b;
  int time = -1;
  ASSERT_NO_FATAL_FAILURE(NewSegment(&b, &ref, &time));
  const int port = b->AddColumn("destination.port", ColumnType::kUInt64);
  b->SetInteger(time, 1'790'000'000'000);
  b->SetInteger(port, uint64_t{1} << 40);
  ASSERT_TRUE(b->FinishRow().ok());
  std::shared_ptr<SegmentReader> reader;
  ASSERT_NO_FATAL_FAILURE(Finish(b.get(), &ref, &reader));
  std::vector<SegmentRef> out;
  const Status s =
      BuildRollups(store_.get(), std::string(kFlowIndex), kPartition, {reader}, {&spec}, 1, CancellationToken(), &out);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace flowdex
