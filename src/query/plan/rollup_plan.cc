#include "query/plan/rollup_plan.h"

#include <algorithm>
#include <map>

#include "query/date_math.h"
#include "query/plan/lowering.h"
#include "schema/flow_index.h"

namespace flowdex {

namespace {

using T = AggRequest::Type;

// `required_path`: every bool node above `p` holds it as a required clause
// (so a time range there bounds every hit).
bool PredicateColumns(const Predicate& p, bool required_path, std::set<std::string>* columns) {
  auto column = [&](const std::string& c) {
    columns->insert(c);
    return c != kTimestampColumn;
  };
  if (p.Is<AllRows>() || p.Is<NoRows>()) return true;
  if (const auto* e = p.As<ColumnExists>()) {
    columns->insert(e->column);
    return true;  // @timestamp too: every raw and rollup row has one
  }
  if (const auto* k = p.As<KeywordPredicate>()) return column(k->column);
  if (const auto* n = p.As<IntegerPredicate>()) {
    columns->insert(n->column);
    if (n->column != kTimestampColumn) return true;
    return required_path && n->values.empty();
  }
  if (const auto* d = p.As<DoublePredicate>()) return column(d->column);
  if (const auto* i = p.As<IpPredicate>()) return column(i->column);
  if (const auto* b = p.As<BitsPredicate>()) return column(b->column);
  if (const auto* f = p.As<IpFamilyPredicate>()) return column(f->column);
  if (const auto* a = p.As<AddressTextPredicate>()) return column(a->column);
  if (const auto* c = p.As<CommunityIdPredicate>()) {
    return column(c->src) && column(c->dst) && column(c->src_port) && column(c->dst_port) && column(c->protocol);
  }
  if (const auto* b = p.As<BoolPredicate>()) {
    for (const Predicate& q : b->required) {
      if (!PredicateColumns(q, required_path, columns)) return false;
    }
    for (const auto* list : {&b->should, &b->excluded}) {
      for (const Predicate& q : *list) {
        if (!PredicateColumns(q, false, columns)) return false;
      }
    }
    return true;
  }
  return false;  // text tokens, _id: not in any rollup
}

// A field's columns as dimensions (false: it reads @timestamp, or a column
// that hides it on some rows).
bool FieldDims(const FieldBinding& f, std::set<std::string>* dims) {
  if (!f.known) return true;  // no values anywhere: the same either way
  if (!f.hidden_by.empty()) return false;
  for (const std::string& c : f.columns) {
    if (c == kTimestampColumn) return false;
    dims->insert(c);
  }
  return true;
}

// A date_histogram (or composite source) on @timestamp whose buckets are
// whole UTC multiples of `resolution_ms` (kRollupHourMs or kRollupDayMs).
bool Aligned(const AggRequest& a, const FieldCatalog& catalog, int64_t resolution_ms) {
  const FieldBinding f = catalog.Resolve(a.field);
  if (!f.known || f.columns.size() != 1 || f.columns[0] != kTimestampColumn || !f.hidden_by.empty()) return false;
  TimeZone tz;
  if (!TimeZone::Parse(a.time_zone, &tz).ok() || !tz.is_utc()) return false;
  const double offset_units = a.offset / static_cast<double>(resolution_ms);
  if (offset_units != static_cast<double>(static_cast<int64_t>(offset_units))) return false;
  if (a.fixed_interval_ms > 0) return a.fixed_interval_ms % resolution_ms == 0;
  const std::string& u = a.calendar_unit;
  if (resolution_ms == kRollupHourMs && (u == "hour" || u == "1h")) return true;
  return u == "day" || u == "1d" || u == "week" || u == "1w" || u == "month" || u == "1M" || u == "quarter" ||
         u == "1q" || u == "year" || u == "1y";
}

// Whether `a` qualifies as a rollup's date_histogram; clears *whole_days
// when its buckets are not whole days.
bool DateHistogramColumns(const AggRequest& a, const FieldCatalog& catalog, bool* whole_days) {
  if (!Aligned(a, catalog, kRollupHourMs)) return false;
  if (!Aligned(a, catalog, kRollupDayMs)) *whole_days = false;
  return true;
}

bool AggColumns(const AggRequest& a, const FieldCatalog& catalog, int64_t now_ms, std::set<std::string>* dims,
                std::set<std::string>* sums, bool* whole_days) {
  // A missing value counts each flow without the field once: rollup rows
  // stand for many flows.
  if (a.missing_number) return false;
  switch (a.type) {
    case T::kTerms:
      // Terms with min_doc_count 0 list values from rows outside the hits.
      if (a.min_doc_count == 0) return false;
      [[fallthrough]];
    case T::kHistogram:
    case T::kRange:
    case T::kIpRange:
    case T::kMissing:
    case T::kMin:
    case T::kMax:
    case T::kCardinality:
      if (!FieldDims(catalog.Resolve(a.field), dims)) return false;
      break;
    case T::kDateHistogram:
      if (!DateHistogramColumns(a, catalog, whole_days)) return false;
      break;
    case T::kFilter:
    case T::kFilters:
      for (const auto& [name, query] : a.filters) {
        Predicate p;
        if (!LowerQuery(query, catalog, now_ms, &p).ok()) return false;
        std::set<std::string> columns;
        // Not even @timestamp ranges: a filter splits hours.
        if (!PredicateColumns(p, false, &columns)) return false;
        if (columns.count(std::string(kTimestampColumn))) return false;
        dims->insert(columns.begin(), columns.end());
      }
      break;
    case T::kComposite:
      for (const AggRequest& src : a.sources) {
        if (src.type == T::kDateHistogram) {
          if (!DateHistogramColumns(src, catalog, whole_days)) return false;
        } else if (!FieldDims(catalog.Resolve(src.field), dims)) {
          return false;
        }
      }
      break;
    case T::kSum: {
      // Sums of the summed columns add up; anything else would need each flow.
      const FieldBinding f = catalog.Resolve(a.field);
      if (!f.known) break;
      if (!f.IsPlainColumn()) return false;
      const auto& summed = RollupSumColumns();
      if (std::find(summed.begin(), summed.end(), f.columns[0]) == summed.end()) return false;
      sums->insert(f.columns[0]);
      break;
    }
    default: return false;  // date_range, avg, value_count, stats, percentiles, top_hits
  }
  for (const AggRequest& sub : a.subs) {
    if (!AggColumns(sub, catalog, now_ms, dims, sums, whole_days)) return false;
  }
  return true;
}

Predicate TimeRange(int64_t lo, int64_t hi_exclusive) {
  IntegerPredicate p;
  p.column = std::string(kTimestampColumn);
  p.lo = lo;
  p.hi = static_cast<Wide>(hi_exclusive) - 1;
  return Predicate(std::move(p));
}

}  // namespace

bool RollupPredicateColumns(const Predicate& p, std::set<std::string>* columns) {
  return PredicateColumns(p, true, columns);
}

bool RollupAggColumns(const std::vector<AggRequest>& aggs, const FieldCatalog& catalog, int64_t now_ms,
                      std::set<std::string>* dims, std::set<std::string>* sums, bool* whole_days) {
  bool days = true;
  if (whole_days == nullptr) whole_days = &days;
  for (const AggRequest& a : aggs) {
    if (!AggColumns(a, catalog, now_ms, dims, sums, whole_days)) return false;
  }
  return true;
}

void PlanRollups(const SearchRequest& request, const Predicate& predicate, const StoreVersion& version, int64_t now_ms,
                 RollupPlan* plan) {
  *plan = RollupPlan{};
  if (!request.use_rollups || request.from + request.size > 0 || request.terminate_after > 0) return;
  std::set<std::string> dims, sums;
  if (!RollupPredicateColumns(predicate, &dims)) return;
  dims.erase(std::string(kTimestampColumn));
  bool whole_days = true;
  if (!RollupAggColumns(request.aggs, FieldCatalog::Flow(), now_ms, &dims, &sums, &whole_days)) return;

  // The whole rollup buckets within the query's time range.
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  ColumnBounds(predicate, kTimestampColumn, &lo, &hi);
  int64_t inner_lo = INT64_MIN, inner_hi = INT64_MAX;
  if (lo != INT64_MIN) inner_lo = lo == RollupBucket(lo) ? lo : RollupBucket(lo) + kRollupHourMs;
  if (hi != INT64_MAX) inner_hi = RollupBucket(hi) + (hi - RollupBucket(hi) == kRollupHourMs - 1 ? kRollupHourMs : 0);
  if (inner_lo >= inner_hi) return;

  // The smallest rollup with every dimension, and the partitions it covers.
  std::map<std::string, uint64_t> rows;  // by rollup
  std::map<std::string, bool> partition_ok;
  for (const SegmentRef& r : version.segments) {
    if (r.index != kFlowIndex || r.rollup_version != kRollupVersion) continue;
    bool& ok = partition_ok.try_emplace(r.partition, true).first->second;
    if (!r.deleted.empty()) ok = false;  // its rows are still counted in the rollups
  }
  for (const SegmentRef& r : version.rollups) {
    if (r.index != kFlowIndex || r.rollup_version != kRollupVersion) continue;
    rows[r.rollup] += r.rows;
    partition_ok.try_emplace(r.partition, true);  // rollups kept longer than raw rows
  }
  const RollupSpec* best = nullptr;
  for (const RollupSpec& spec : FlowRollups()) {
    if (spec.resolution_ms != kRollupHourMs) continue;  // daily twins: below
    const bool has_all = std::all_of(dims.begin(), dims.end(), [&](const std::string& d) {
      return std::find(spec.dims.begin(), spec.dims.end(), d) != spec.dims.end();
    });
    if (!has_all || !rows.count(std::string(spec.name))) continue;
    if (best == nullptr || rows[std::string(spec.name)] < rows[std::string(best->name)]) best = &spec;
  }
  if (best == nullptr) return;
  for (const auto& [partition, ok] : partition_ok) {
    if (ok) plan->partitions.insert(partition);
  }
  if (plan->partitions.empty()) return;
  plan->spec = best;
  // Partitions whose whole day is inside the range, read from the daily
  // twin where they have it (their daily rows' @timestamp is the day's
  // start, so the inner query below keeps them).
  plan->daily = whole_days ? DailyTwin(*best) : nullptr;
  if (plan->daily != nullptr) {
    std::map<std::string, bool> whole;  // partition -> every daily segment's day is inside [lo, hi]
    for (const SegmentRef& r : version.rollups) {
      if (r.index != kFlowIndex || r.rollup != plan->daily->name || r.rollup_version != kRollupVersion ||
          !plan->partitions.count(r.partition)) {
        continue;
      }
      const bool inside = r.min_time >= lo && (hi == INT64_MAX || r.max_time + (kRollupDayMs - 1) <= hi);
      auto [it, fresh] = whole.try_emplace(r.partition, inside);
      if (!fresh) it->second = it->second && inside;
    }
    for (const auto& [partition, inside] : whole) {
      if (inside) plan->daily_partitions.insert(partition);
    }
  }
  plan->inner_lo = inner_lo;
  plan->inner_hi = inner_hi;
  BoolPredicate inner;
  inner.required.push_back(predicate);
  if (inner_lo != INT64_MIN || inner_hi != INT64_MAX) inner.required.push_back(TimeRange(inner_lo, inner_hi));
  plan->inner = Predicate(std::move(inner));
  plan->lo = lo;
  plan->hi = hi;
  // The edges as ranges of their own, so that blocks outside them are
  // skipped by their time bounds.
  BoolPredicate edges;
  if (inner_lo != INT64_MIN) edges.should.push_back(TimeRange(lo, inner_lo));
  if (inner_hi != INT64_MAX) edges.should.push_back(TimeRange(inner_hi, hi + 1));  // hi is finite here
  edges.minimum_should = 1;
  BoolPredicate edge;
  edge.required.push_back(predicate);
  edge.required.push_back(edges.should.empty() ? Predicate(NoRows{}) : Predicate(std::move(edges)));
  plan->edge = Predicate(std::move(edge));
}

}  // namespace flowdex
