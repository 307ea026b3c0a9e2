// missing: one bucket of the rows without a value for the field.
#include "query/aggs/bucket_collector.h"
#include "query/aggs/key_source.h"

namespace flowdex {

namespace {

class MissingCollector final : public BucketCollector {
 public:
  // `keys` null: the field has no value anywhere in this segment.
  MissingCollector(const AggRequest& agg, std::unique_ptr<KeySource> keys)
      : BucketCollector(agg, 1), keys_(std::move(keys)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      row_keys_.clear();
      Status s = keys_ ? keys_->Keys(row, &row_keys_) : Status::OK();
      if (row_keys_.empty()) keys->push_back(0);
      return s;
    });
  }
  AggKey KeyOf(uint64_t) const override { return int64_t{0}; }

 private:
  std::unique_ptr<KeySource> keys_;
  std::vector<uint64_t> row_keys_;
};

}  // namespace

Status MakeMissingCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  std::unique_ptr<KeySource> keys;
  Status s = KeySource::Make(field, *ctx.segment, &keys, ctx.rows, ctx.inventory.get());
  if (!s.ok()) return s;
  auto c = std::make_unique<MissingCollector>(agg, std::move(keys));
  s = c->InitSubs(ctx);
  *out = std::move(c);
  return s;
}

}  // namespace flowdex
