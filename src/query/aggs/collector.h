// Collector: one aggregation's work on one segment. Each kind has its own
// file (terms_collector.cc, date_histogram_collector.cc, ...) and factory,
// declared here; MakeCollector (collector_factory.cc) picks one by kind.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "query/aggs/aggregation.h"
#include "schema/field_binding.h"
#include "util/status.h"

namespace flowdex {

class Collector {
 public:
  virtual ~Collector() = default;
  // rows[i] (non-decreasing) reaches this aggregation in parent bucket slots[i].
  virtual Status Collect(const uint32_t* rows, const uint32_t* slots, size_t n) = 0;
  // Adds what was collected to targets[slot] (nullptr: a bucket that was dropped).
  virtual Status Finish(const std::vector<AggResult*>& targets) = 0;
  // Bytes held (bucket tables, values), checked against kAggMemoryLimit.
  virtual uint64_t Memory() const = 0;
};

// The collector of `agg` for the segment of `ctx`.
Status MakeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);

// The field an aggregation names, as the segment's catalog binds it.
FieldBinding AggField(const AggRequest& agg, const AggContext& ctx);

// The Elasticsearch name of an aggregation type ("date_histogram").
const char* AggTypeName(AggRequest::Type type);
// Elasticsearch's refusal of a field type for an aggregation.
Status UnsupportedFieldType(const AggRequest& agg, FieldType type);

// Factories, one per kind (each in its own file). Bucket collectors build
// their sub-aggregations' collectors too.
Status MakeTermsCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeDateHistogramCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeHistogramCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeRangeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeIpRangeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeMissingCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeGeoGridCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeFiltersCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeCompositeCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeMetricCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);
Status MakeTopHitsCollector(const AggRequest& agg, const AggContext& ctx, std::unique_ptr<Collector>* out);

// An aggregation on a field this segment does not have: buckets and
// metrics stay empty, sub-aggregations see nothing.
class EmptyCollector final : public Collector {
 public:
  Status Collect(const uint32_t*, const uint32_t*, size_t) override { return Status::OK(); }
  Status Finish(const std::vector<AggResult*>&) override { return Status::OK(); }
  uint64_t Memory() const override { return 0; }
};

// The end of the run of rows[i..n) (non-decreasing) in the block of rows[i].
size_t BlockRunEnd(const uint32_t* rows, size_t i, size_t n);

}  // namespace flowdex
