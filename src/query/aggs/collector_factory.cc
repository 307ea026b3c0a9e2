// Picking the collector of an aggregation, and running a segment's rows
// through the collectors of a search's aggregations.
#include <fmt/format.h>

#include <roaring/roaring.h>

#include "query/aggs/collector.h"
#include "schema/field_catalog.h"
#include "store/column_codec.h"

namespace flowdex {

namespace {

using T = AggRequest::Type;

}  // namespace

size_t BlockRunEnd(const uint32_t* rows, size_t i, size_t n) {
  const uint32_t block = rows[i] / kRowsPerBlock;
  size_t end = i;
  while (end < n && rows[end] / kRowsPerBlock == block) ++end;
  return end;
}

FieldBinding AggField(const AggRequest& agg, const AggContext& ctx) { return ctx.catalog->Resolve(agg.field); }

const char* AggTypeName(AggRequest::Type type) {
  static constexpr const char* kNames[] = {
      "terms",       "date_histogram", "histogram",      "range",       "date_range",  "ip_range", "filter", "filters",
      "missing",     "geotile_grid",   "geohash_grid",   "composite",   "sum",         "avg",      "min",    "max",
      "value_count", "stats",          "extended_stats", "cardinality", "percentiles", "top_hits"};
  return kNames[static_cast<int>(type)];
}

Status UnsupportedFieldType(const AggRequest& agg, FieldType type) {
  if (type == FieldType::kText) {
    return Status::InvalidArgument(fmt::format(
        "Text fields are not optimised for operations that require per-document field data like aggregations and "
        "sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set "
        "fielddata=true on [{}] in order to load field data by uninverting the inverted index. Note that this can use "
        "significant memory.",
        agg.field));
  }
  return Status::InvalidArgument(fmt::format("Field [{}] of type [{}] is not supported for aggregation [{}]", agg.field,
                                             FieldTypeName(type), AggTypeName(agg.type)));
}

Status MakeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out) {
  switch (agg.type) {
    case T::kTerms: return MakeTermsCollector(agg, ctx, out);
    case T::kDateHistogram: return MakeDateHistogramCollector(agg, ctx, out);
    case T::kHistogram: return MakeHistogramCollector(agg, ctx, out);
    case T::kRange:
    case T::kDateRange: return MakeRangeCollector(agg, ctx, out);
    case T::kIpRange: return MakeIpRangeCollector(agg, ctx, out);
    case T::kMissing: return MakeMissingCollector(agg, ctx, out);
    case T::kGeotileGrid:
    case T::kGeohashGrid: return MakeGeoGridCollector(agg, ctx, out);
    case T::kFilter:
    case T::kFilters: return MakeFiltersCollector(agg, ctx, out);
    case T::kTopHits: return MakeTopHitsCollector(agg, ctx, out);
    case T::kComposite:
      return Status::InvalidArgument(
          "[composite] aggregation cannot be used with a parent aggregation of type: [bucket]");
    default: return MakeMetricCollector(agg, ctx, out);
  }
}

Status CollectAggregations(const std::vector<AggRequest>& aggs, const AggContext& context,
                           const roaring_bitmap_s* rows_in, std::vector<AggResult>* results) {
  const roaring_bitmap_t* rows = reinterpret_cast<const roaring_bitmap_t*>(rows_in);
  AggContext ctx = context;
  ctx.rows = rows_in;
  results->resize(aggs.size());
  std::vector<std::unique_ptr<Collector>> collectors;
  for (const AggRequest& agg : aggs) {
    collectors.emplace_back();
    // composite only at the top (MakeCollector refuses it below a parent).
    Status s = agg.type == T::kComposite ? MakeCompositeCollector(agg, ctx, &collectors.back())
                                         : MakeCollector(agg, ctx, &collectors.back());
    if (!s.ok()) return s;
  }
  // Block by block, so that what is passed down stays small.
  std::vector<uint32_t> batch(kRowsPerBlock), slots(kRowsPerBlock, 0);
  roaring_uint32_iterator_t* it = roaring_create_iterator(rows);
  Status s;
  while (it->has_value && s.ok()) {
    const uint32_t n = roaring_read_uint32_iterator(it, batch.data(), static_cast<uint32_t>(batch.size()));
    uint64_t memory = 0;
    for (auto& c : collectors) {
      s = c->Collect(batch.data(), slots.data(), n);
      if (!s.ok()) break;
      memory += c->Memory();
    }
    if (s.ok() && memory > kAggMemoryLimit) {
      s = Status::ResourceExhausted(
          fmt::format("[request] Data too large, data for [<agg [{}]>] would be [{}/{}mb], which is "
                      "larger than the limit of [{}/{}mb]",
                      aggs.empty() ? "" : aggs[0].name, memory, memory >> 20, kAggMemoryLimit, kAggMemoryLimit >> 20));
    }
  }
  roaring_free_uint32_iterator(it);
  if (!s.ok()) return s;
  for (size_t a = 0; a < aggs.size(); ++a) {
    s = collectors[a]->Finish({&(*results)[a]});
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace flowdex
