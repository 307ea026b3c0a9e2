// range and date_range: a value falls in every range that holds it
// ([from, to), dates in ms).
#include "query/aggs/bucket_collector.h"
#include "query/aggs/field_cursor.h"
#include "query/aggs/metric_collector.h"

namespace flowdex {

bool IsNumericFieldType(FieldType t);

namespace {

class RangeCollector final : public BucketCollector {
 public:
  RangeCollector(const AggRequest& agg, FieldCursor cursor)
      : BucketCollector(agg, agg.ranges.size()), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      return cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        const double v = AsDouble(b.type, b.values[k]);
        for (size_t i = 0; i < agg_.ranges.size(); ++i) {
          const auto& rg = agg_.ranges[i];
          if ((!rg.from || v >= *rg.from) && (!rg.to || v < *rg.to)) keys->push_back(i);
        }
      });
    });
  }
  AggKey KeyOf(uint64_t key) const override { return static_cast<int64_t>(key); }

 private:
  FieldCursor cursor_;
};

}  // namespace

Status MakeRangeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (!field.known) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  const bool dates = agg.type == AggRequest::Type::kDateRange;
  if (dates ? field.type != FieldType::kDate : !IsNumericFieldType(field.type)) {
    return UnsupportedFieldType(agg, field.type);
  }
  FieldCursor cursor;
  Status s = cursor.Init(*ctx.segment, field, ctx.rows);
  if (!s.ok()) return s;
  if (cursor.parts() == 0) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  auto c = std::make_unique<RangeCollector>(agg, std::move(cursor));
  s = c->InitSubs(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
