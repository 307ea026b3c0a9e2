// geotile_grid and geohash_grid: a bucket per map cell of a geo_point field
// (for a map of where traffic comes from). A geo_point column holds each
// distinct point once per segment (its dictionary), so a point's cell is
// computed once per segment and rows are bucketed by their dictionary code.
#include <absl/container/flat_hash_map.h>

#include "query/aggs/bucket_collector.h"
#include "query/aggs/key_source.h"
#include "util/geo_point.h"

namespace flowdex {

namespace {

using T = AggRequest::Type;

class GeoGridCollector final : public BucketCollector {
 public:
  GeoGridCollector(const AggRequest& agg, std::unique_ptr<KeySource> points)
      : BucketCollector(agg, 0), points_(std::move(points)) {}

 protected:
  Status KeysFor(const uint32_t* rows, size_t n, std::vector<uint64_t>* keys, std::vector<uint32_t>* owners) override {
    return PerRow(rows, n, keys, owners, [&](uint32_t row) -> Status {
      codes_.clear();
      Status s = points_->Keys(row, &codes_);
      for (uint64_t code : codes_) {
        uint64_t cell;
        if (CellOf(code, &cell)) keys->push_back(cell);
      }
      return s;
    });
  }

  // Tiles as their packed number (their order is Elasticsearch's; the
  // response writes "zoom/x/y"), geohashes as their text.
  AggKey KeyOf(uint64_t key) const override {
    if (agg_.type == T::kGeotileGrid) return static_cast<int64_t>(key);
    return GeohashText(key);
  }

 private:
  bool CellOf(uint64_t code, uint64_t* cell) {
    auto it = cells_.find(code);
    if (it == cells_.end()) {
      const AggKey text = points_->ResultKey(code);
      const std::string* s = std::get_if<std::string>(&text);
      GeoPoint p;
      uint64_t c = kNoCell;
      if (s != nullptr && ParseGeoPoint(*s, &p)) {
        c = agg_.type == T::kGeotileGrid ? GeotileKey(p, agg_.precision) : GeohashKey(p, agg_.precision);
      }
      it = cells_.emplace(code, c).first;
    }
    *cell = it->second;
    return it->second != kNoCell;
  }

  static constexpr uint64_t kNoCell = UINT64_MAX;
  std::unique_ptr<KeySource> points_;
  std::vector<uint64_t> codes_;
  absl::flat_hash_map<uint64_t, uint64_t> cells_;  // dictionary code -> cell
};

}  // namespace

Status MakeGeoGridCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  const FieldBinding field = AggField(agg, ctx);
  if (field.known && field.type != FieldType::kGeoPoint) return UnsupportedFieldType(agg, field.type);
  std::unique_ptr<KeySource> points;
  Status s = field.known ? KeySource::Make(field, *ctx.segment, &points, ctx.rows) : Status::OK();
  if (!s.ok()) return s;
  if (!points) {
    *out = std::make_unique<EmptyCollector>();
    return Status::OK();
  }
  auto grid = std::make_unique<GeoGridCollector>(agg, std::move(points));
  s = grid->InitSubs(ctx);
  *out = std::move(grid);
  return s;
}

}  // namespace flowdex
