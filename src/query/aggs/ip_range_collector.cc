// ip_range: address ranges ([from, to), or a CIDR mask inclusive).
#include "query/aggs/bucket_collector.h"
#include "query/aggs/field_cursor.h"

namespace flowdex {

namespace {

class IpRangeCollector final : public BucketCollector {
 public:
  IpRangeCollector(const AggRequest& agg, FieldCursor cursor)
      : BucketCollector(agg, agg.ranges.size()), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        if (b.type != ColumnType::kIp) return;
        const std::array<uint8_t, 16> v = IpSortKey(b.ip(k));
        for (size_t i = 0; i < agg_.ranges.size(); ++i) {
          const auto& rg = agg_.ranges[i];
          if (rg.has_ip_from && v < rg.ip_from) continue;
          if (rg.has_ip_to && (rg.ip_to_inclusive ? v > rg.ip_to : v >= rg.ip_to)) continue;
          keys->push_back(i);
        }
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override { return static_cast<int64_t>(key); }

 private:
  FieldCursor cursor_;
};

}  // namespace

Status MakeIpRangeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (!field.known) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  if (field.type != FieldType::kIp) return UnsupportedFieldType(agg, field.type);
  FieldCursor cursor;
  Status s = cursor.Init(*ctx.segment, field, ctx.rows);
  if (!s.ok()) return s;
  if (cursor.parts() == 0) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  auto c = std::make_unique<IpRangeCollector>(agg, std::move(cursor));
  s = c->InitSubs(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
