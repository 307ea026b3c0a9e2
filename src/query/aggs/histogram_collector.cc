// histogram: numeric buckets of a fixed interval, with an offset.
#include <cmath>
#include <cstring>

#include "query/aggs/bucket_collector.h"
#include "query/aggs/field_cursor.h"
#include "query/aggs/metric_collector.h"

namespace flowdex {

namespace {

class HistogramCollector final : public BucketCollector {
 public:
  HistogramCollector(const AggRequest& agg, FieldCursor cursor) : BucketCollector(agg, 0), cursor_(std::move(cursor)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    auto add = [&](double v) {
      if ((agg_.hard_min && v < *agg_.hard_min) || (agg_.hard_max && v > *agg_.hard_max)) return;
      const double key = std::floor((v - agg_.offset) / agg_.interval) * agg_.interval + agg_.offset;
      uint64_t bits;
      std::memcpy(&bits, &key, 8);
      keys->push_back(bits);
    };
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      bool any = false;
      Status s = cursor_.ForEach(row, [&](const ColumnBlock& b, size_t k) {
        any = true;
        add(AsDouble(b.type, b.values[k]));
      });
      if (s.ok() && !any && agg_.missing_number) add(*agg_.missing_number);  // "missing": as if it had this value
      return s;
    });
  }
  AggKey KeyOf(uint64_t key) const override {
    double d;
    std::memcpy(&d, &key, 8);
    return d;
  }

 private:
  FieldCursor cursor_;
};

}  // namespace

// Elasticsearch's numeric field types (with dates and booleans, which
// number aggregations read as their numbers).
bool IsNumericFieldType(FieldType t) {
  switch (t) {
    case FieldType::kLong:
    case FieldType::kInteger:
    case FieldType::kShort:
    case FieldType::kByte:
    case FieldType::kDouble:
    case FieldType::kFloat:
    case FieldType::kHalfFloat:
    case FieldType::kScaledFloat:
    case FieldType::kDate:
    case FieldType::kBoolean: return true;
    default: return false;
  }
}

Status MakeHistogramCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (!field.known) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  if (!IsNumericFieldType(field.type)) return UnsupportedFieldType(agg, field.type);
  FieldCursor cursor;
  Status s = cursor.Init(*ctx.segment, field, ctx.rows);
  if (!s.ok()) return s;
  if (cursor.parts() == 0) return *out = std::make_unique<EmptyCollector>(), Status::OK();
  auto c = std::make_unique<HistogramCollector>(agg, std::move(cursor));
  s = c->InitSubs(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
