// The response side of aggregations: bucket limits, ordering, formatting,
// and the JSON Elasticsearch writes for each aggregation type.
#include <algorithm>
#include <cmath>
#include <limits>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <re2/re2.h>

#include <fmt/format.h>

#include "query/aggs/aggregation.h"
#include "query/aggs/date_histogram_rounding.h"
#include "query/aggs/term_filter.h"
#include "query/cardinality_sketch.h"
#include "query/hit_json.h"
#include "util/geo_point.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using T = AggRequest::Type;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

bool IsHistogram(T t) { return t == T::kDateHistogram || t == T::kHistogram; }

// The keys a histogram shows, in order: every bucket between the first and
// the last (and the extended bounds) when min_doc_count is 0, else the
// buckets with enough hits; hard bounds clip both.
std::vector<AggKey> HistogramKeys(const AggRequest& agg, const AggResult& r, uint64_t cap) {
  std::vector<AggKey> keys;
  if (agg.min_doc_count > 0) {
    for (const auto& [k, b] : r.buckets) {
      if (b.doc_count >= agg.min_doc_count) keys.push_back(k);
    }
    return keys;
  }
  if (agg.type == T::kDateHistogram) {
    DateHistogramRounding rounding;
    if (!DateHistogramRounding::Make(agg, &rounding).ok()) return keys;
    std::optional<int64_t> first, last;
    if (!r.buckets.empty()) {
      first = std::get<int64_t>(r.buckets.begin()->first);
      last = std::get<int64_t>(r.buckets.rbegin()->first);
    }
    if (agg.extended_min) {
      const int64_t k = rounding.Key(static_cast<int64_t>(*agg.extended_min));
      first = first ? std::min(*first, k) : k;
      if (!last) last = k;
    }
    if (agg.extended_max) {
      const int64_t k = rounding.Key(static_cast<int64_t>(*agg.extended_max));
      last = last ? std::max(*last, k) : k;
      if (!first) first = k;
    }
    if (!first) return keys;
    for (int64_t k = *first; k <= *last && keys.size() <= cap; k = rounding.Next(k)) {
      if (agg.hard_min && k + 0 < rounding.Key(static_cast<int64_t>(*agg.hard_min))) continue;
      if (agg.hard_max && k > *agg.hard_max) continue;
      keys.push_back(k);
    }
    return keys;
  }
  auto floor_key = [&](double v) { return std::floor((v - agg.offset) / agg.interval) * agg.interval + agg.offset; };
  std::optional<double> first, last;
  if (!r.buckets.empty()) {
    first = std::get<double>(r.buckets.begin()->first);
    last = std::get<double>(r.buckets.rbegin()->first);
  }
  if (agg.extended_min) first = first ? std::min(*first, floor_key(*agg.extended_min)) : floor_key(*agg.extended_min);
  if (agg.extended_max) last = last ? std::max(*last, floor_key(*agg.extended_max)) : floor_key(*agg.extended_max);
  if (!first || !last) return keys;
  for (uint64_t i = 0;; ++i) {
    const double k = *first + static_cast<double>(i) * agg.interval;
    if (k > *last + agg.interval / 2 || keys.size() > cap) break;
    if ((agg.hard_min && k < floor_key(*agg.hard_min)) || (agg.hard_max && k > *agg.hard_max)) continue;
    // Keys computed by steps drift; use the stored key when there is one.
    auto it = r.buckets.lower_bound(k - agg.interval / 1e6);
    keys.push_back(it != r.buckets.end() && std::fabs(std::get<double>(it->first) - k) < agg.interval / 1e6
                       ? it->first
                       : AggKey(k));
  }
  return keys;
}

double Variance(const AggResult& r) {
  if (r.count == 0) return 0;
  const double n = static_cast<double>(r.count), mean = r.sum / n;
  return std::max(0.0, r.sum_of_squares / n - mean * mean);
}

// Linear interpolation between the closest ranks (exact on the values seen).
double Percentile(std::vector<double>* sorted, double p) {
  if (sorted->empty()) return NAN;
  const double rank = p / 100.0 * static_cast<double>(sorted->size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank)), hi = static_cast<size_t>(std::ceil(rank));
  return (*sorted)[lo] + ((*sorted)[hi] - (*sorted)[lo]) * (rank - static_cast<double>(lo));
}

// The value a metric sub-aggregation gives a bucket, for ordering terms by
// it: "<sub>" or "<sub>.<metric>" (stats), through single-bucket
// aggregations with ">".
std::optional<double> SubValue(const AggRequest& agg, const AggBucket& bucket, std::string_view path) {
  const size_t gt = path.find('>');
  std::string_view head = gt == std::string_view::npos ? path : path.substr(0, gt);
  std::string_view metric;
  if (gt == std::string_view::npos) {
    if (const size_t dot = head.find('.'); dot != std::string_view::npos) {
      metric = head.substr(dot + 1);
      head = head.substr(0, dot);
    } else if (const size_t br = head.find('['); br != std::string_view::npos && head.back() == ']') {
      metric = head.substr(br + 1, head.size() - br - 2);
      head = head.substr(0, br);
    }
  }
  for (size_t i = 0; i < agg.subs.size(); ++i) {
    if (agg.subs[i].name != head) continue;
    const AggRequest& sub = agg.subs[i];
    static const AggResult kEmpty;
    const AggResult& r = i < bucket.subs.size() ? bucket.subs[i] : kEmpty;
    if (gt != std::string_view::npos) {
      if (r.buckets.empty()) return 0.0;
      return SubValue(sub, r.buckets.begin()->second, path.substr(gt + 1));
    }
    if (sub.type == T::kFilter || sub.type == T::kMissing) {
      return static_cast<double>(r.buckets.empty() ? 0 : r.buckets.begin()->second.doc_count);
    }
    const double n = static_cast<double>(r.count);
    const std::string m(metric);
    switch (sub.type) {
      case T::kSum: return r.sum;
      case T::kAvg: return r.count ? std::optional<double>(r.sum / n) : std::nullopt;
      case T::kMin: return r.count ? std::optional<double>(r.min) : std::nullopt;
      case T::kMax: return r.count ? std::optional<double>(r.max) : std::nullopt;
      case T::kValueCount: return n;
      case T::kCardinality: return static_cast<double>(r.cardinality ? r.cardinality->Estimate() : 0);
      case T::kStats:
      case T::kExtendedStats:
        if (m == "count") return n;
        if (m == "sum") return r.sum;
        if (!r.count) return std::nullopt;
        if (m == "min") return r.min;
        if (m == "max") return r.max;
        if (m == "avg") return r.sum / n;
        if (m == "variance") return Variance(r);
        if (m == "std_deviation") return std::sqrt(Variance(r));
        if (m == "sum_of_squares") return r.sum_of_squares;
        return std::nullopt;
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

uint64_t CountBuckets(const AggRequest& agg, const AggResult& r) {
  uint64_t n = 0;
  if (IsHistogram(agg.type)) {
    n = HistogramKeys(agg, r, kMaxBuckets + 1).size();
  } else if (agg.type == T::kTerms || agg.type == T::kComposite) {
    n = std::min<uint64_t>(agg.type == T::kTerms ? r.buckets.size() : r.composite.size(), agg.size);
  } else {
    n = r.buckets.size();
  }
  for (const auto& [key, b] : r.buckets) {
    for (size_t i = 0; i < b.subs.size() && i < agg.subs.size(); ++i) n += CountBuckets(agg.subs[i], b.subs[i]);
  }
  for (const auto& [key, b] : r.composite) {
    for (size_t i = 0; i < b.subs.size() && i < agg.subs.size(); ++i) n += CountBuckets(agg.subs[i], b.subs[i]);
  }
  return n;
}

void WriteKey(Writer& w, const AggKey& key) {
  if (std::holds_alternative<int64_t>(key)) {
    w.Int64(std::get<int64_t>(key));
  } else if (std::holds_alternative<double>(key)) {
    w.Double(std::get<double>(key));
  } else if (std::holds_alternative<std::string>(key)) {
    const std::string& s = std::get<std::string>(key);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  } else {
    w.Null();
  }
}

void NumberOrNull(Writer& w, bool present, double v) {
  if (present && std::isfinite(v)) {
    w.Double(v);
  } else {
    w.Null();
  }
}

void WriteResult(Writer& w, const AggRequest& agg, const AggResult& r);

void WriteBucketBody(Writer& w, const AggRequest& agg, const AggBucket* b) {
  w.Key("doc_count");
  w.Uint64(b ? b->doc_count : 0);
  for (size_t i = 0; i < agg.subs.size(); ++i) {
    w.Key(agg.subs[i].name.c_str());
    static const AggResult kEmpty;
    WriteResult(w, agg.subs[i], b && i < b->subs.size() ? b->subs[i] : kEmpty);
  }
}

void WriteRanges(Writer& w, const AggRequest& agg, const AggResult& r) {
  // Buckets sorted by from, then to (as Elasticsearch sorts its ranges).
  std::vector<size_t> order(agg.ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = agg.ranges[a];
    const auto& y = agg.ranges[b];
    if (agg.type == T::kIpRange) {
      if (x.has_ip_from != y.has_ip_from) return !x.has_ip_from;
      if (x.ip_from != y.ip_from) return x.ip_from < y.ip_from;
      if (x.has_ip_to != y.has_ip_to) return x.has_ip_to;
      return x.ip_to < y.ip_to;
    }
    const double xf = x.from.value_or(-INFINITY), yf = y.from.value_or(-INFINITY);
    if (xf != yf) return xf < yf;
    return x.to.value_or(INFINITY) < y.to.value_or(INFINITY);
  });
  TimeZone tz;
  DateFormat format;
  if (agg.type == T::kDateRange) {
    (void)TimeZone::Parse(agg.time_zone, &tz);
    if (!agg.format.empty()) (void)DateFormat::Parse(agg.format, &format);
  }
  auto number_text = [](double d) { return AggKeyText(AggKey(d)); };
  w.Key("buckets");
  agg.keyed ? w.StartObject() : w.StartArray();
  for (size_t i : order) {
    const auto& rg = agg.ranges[i];
    std::string from_text, to_text;
    if (agg.type == T::kIpRange) {
      from_text = rg.from_text;
      to_text = rg.to_text;
    } else if (agg.type == T::kDateRange) {
      if (rg.from) from_text = format.Write(static_cast<int64_t>(*rg.from), tz);
      if (rg.to) to_text = format.Write(static_cast<int64_t>(*rg.to), tz);
    } else {
      if (rg.from) from_text = number_text(*rg.from);
      if (rg.to) to_text = number_text(*rg.to);
    }
    const std::string key =
        !rg.key.empty() ? rg.key : (from_text.empty() ? "*" : from_text) + "-" + (to_text.empty() ? "*" : to_text);
    if (agg.keyed) WriteJsonString(w, key);
    w.StartObject();
    if (!agg.keyed) {
      w.Key("key");
      WriteJsonString(w, key);
    }
    if (agg.type == T::kIpRange) {
      if (!from_text.empty()) w.Key("from"), WriteJsonString(w, from_text);
      if (!to_text.empty()) w.Key("to"), WriteJsonString(w, to_text);
    } else {
      if (rg.from) {
        w.Key("from");
        w.Double(*rg.from);
        if (agg.type == T::kDateRange) w.Key("from_as_string"), WriteJsonString(w, from_text);
      }
      if (rg.to) {
        w.Key("to");
        w.Double(*rg.to);
        if (agg.type == T::kDateRange) w.Key("to_as_string"), WriteJsonString(w, to_text);
      }
    }
    auto it = r.buckets.find(static_cast<int64_t>(i));
    WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
    w.EndObject();
  }
  agg.keyed ? w.EndObject() : w.EndArray();
}

// The buckets a terms aggregation shows, best first, and the doc count of
// every bucket its include/exclude lets through (for sum_other_doc_count).
std::vector<std::pair<const AggKey*, const AggBucket*>> SelectTerms(const AggRequest& agg, const AggResult& r,
                                                                    uint64_t* total) {
  const TermFilter filter(agg, r.ip_keys);
  std::vector<AggRequest::Order> order = agg.order;
  if (order.empty()) order.push_back({"_count", true});
  // Ties are broken by key ascending, as Elasticsearch does.
  if (order.back().by != "_key") order.push_back({"_key", false});
  struct Entry {
    const AggKey* key;
    const AggBucket* bucket;
    std::vector<std::optional<double>> by;  // the sub-aggregation values the order names, once per bucket
  };
  std::vector<Entry> entries;
  *total = 0;
  for (const auto& [key, b] : r.buckets) {
    if (!filter.Allows(key)) continue;
    *total += b.doc_count;
    if (b.doc_count < agg.min_doc_count) continue;
    Entry e{&key, &b, {}};
    for (const AggRequest::Order& o : order) {
      if (o.by != "_key" && o.by != "_term" && o.by != "_count") e.by.push_back(SubValue(agg, b, o.by));
    }
    entries.push_back(std::move(e));
  }
  auto before = [&](const Entry& a, const Entry& b) {
    size_t sub = 0;
    for (const AggRequest::Order& o : order) {
      int c = 0;
      if (o.by == "_key" || o.by == "_term") {
        c = *a.key < *b.key ? -1 : *b.key < *a.key ? 1 : 0;
      } else if (o.by == "_count") {
        c = a.bucket->doc_count < b.bucket->doc_count ? -1 : a.bucket->doc_count > b.bucket->doc_count ? 1 : 0;
      } else {
        const auto& va = a.by[sub];
        const auto& vb = b.by[sub];
        ++sub;
        // Buckets without a value go last whichever the direction.
        if (va.has_value() != vb.has_value()) return va.has_value();
        if (va && *va != *vb) c = *va < *vb ? -1 : 1;
      }
      if (c != 0) return o.descending ? c > 0 : c < 0;
    }
    return false;
  };
  // Keys are distinct, so the order is total: only the first `size` need sorting.
  const size_t shown_count = std::min<size_t>(entries.size(), agg.size);
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(shown_count), entries.end(), before);
  entries.resize(shown_count);
  std::vector<std::pair<const AggKey*, const AggBucket*>> buckets;
  for (const Entry& e : entries) buckets.emplace_back(e.key, e.bucket);
  return buckets;
}

void WriteTerms(Writer& w, const AggRequest& agg, const AggResult& r) {
  uint64_t total = 0;
  const std::vector<std::pair<const AggKey*, const AggBucket*>> buckets = SelectTerms(agg, r, &total);
  uint64_t shown = 0;
  for (const auto& b : buckets) shown += b.second->doc_count;
  w.Key("doc_count_error_upper_bound");
  w.Int(0);
  w.Key("sum_other_doc_count");
  w.Uint64(total - shown);
  w.Key("buckets");
  w.StartArray();
  for (const auto& [key, b] : buckets) {
    w.StartObject();
    w.Key("key");
    if (r.ip_keys) {
      WriteJsonString(w, IpKeyText(*key));
    } else {
      WriteKey(w, *key);
    }
    if (r.boolean_keys && std::holds_alternative<int64_t>(*key)) {
      w.Key("key_as_string");
      WriteJsonString(w, std::get<int64_t>(*key) != 0 ? "true" : "false");
    } else if (r.date_keys && std::holds_alternative<int64_t>(*key)) {
      char text[kIso8601MillisLength];
      FormatIso8601Millis(std::get<int64_t>(*key), text);
      w.Key("key_as_string");
      w.String(text, kIso8601MillisLength);
    }
    WriteBucketBody(w, agg, b);
    w.EndObject();
  }
  w.EndArray();
}

// geotile_grid / geohash_grid: the `size` fullest cells, fullest first, ties
// in key order (Elasticsearch's: tiles by x then y, geohashes as text).
void WriteGeoGrid(Writer& w, const AggRequest& agg, const AggResult& r) {
  std::vector<std::pair<const AggKey*, const AggBucket*>> cells;
  for (const auto& [key, b] : r.buckets) cells.emplace_back(&key, &b);
  std::stable_sort(cells.begin(), cells.end(),
                   [](const auto& a, const auto& b) { return a.second->doc_count > b.second->doc_count; });
  if (cells.size() > agg.size) cells.resize(agg.size);
  w.Key("buckets");
  w.StartArray();
  for (const auto& [key, b] : cells) {
    w.StartObject();
    w.Key("key");
    if (const auto* tile = std::get_if<int64_t>(key)) {
      WriteJsonString(w, GeotileText(static_cast<uint64_t>(*tile)));
    } else {
      WriteKey(w, *key);
    }
    WriteBucketBody(w, agg, b);
    w.EndObject();
  }
  w.EndArray();
}

void WriteHistogram(Writer& w, const AggRequest& agg, const AggResult& r) {
  DateHistogramRounding rounding;
  DateFormat format;
  if (agg.type == T::kDateHistogram) {
    (void)DateHistogramRounding::Make(agg, &rounding);
    if (!agg.format.empty()) (void)DateFormat::Parse(agg.format, &format);
  }
  w.Key("buckets");
  agg.keyed ? w.StartObject() : w.StartArray();
  for (const AggKey& key : HistogramKeys(agg, r, kMaxBuckets + 1)) {
    auto it = r.buckets.find(key);
    std::string key_text;
    if (agg.type == T::kDateHistogram) {
      key_text = format.Write(std::get<int64_t>(key), rounding.time_zone());
    } else {
      key_text = AggKeyText(key);
    }
    if (agg.keyed) WriteJsonString(w, key_text);
    w.StartObject();
    if (agg.type == T::kDateHistogram) {
      w.Key("key_as_string");
      WriteJsonString(w, key_text);
    }
    w.Key("key");
    WriteKey(w, key);
    WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
    w.EndObject();
  }
  agg.keyed ? w.EndObject() : w.EndArray();
}

void WriteComposite(Writer& w, const AggRequest& agg, const AggResult& r) {
  auto write_key = [&](const std::vector<AggKey>& tuple) {
    w.StartObject();
    for (size_t i = 0; i < agg.sources.size() && i < tuple.size(); ++i) {
      w.Key(agg.sources[i].name.c_str());
      WriteKey(w, tuple[i]);
    }
    w.EndObject();
  };
  if (!r.composite.empty()) {
    w.Key("after_key");
    write_key(r.composite.rbegin()->first);
  }
  w.Key("buckets");
  w.StartArray();
  for (const auto& [tuple, b] : r.composite) {
    w.StartObject();
    w.Key("key");
    write_key(tuple);
    WriteBucketBody(w, agg, &b);
    w.EndObject();
  }
  w.EndArray();
}

void WriteTopHits(Writer& w, const AggRequest& agg, const AggResult& r) {
  const bool scored = agg.sort.empty();
  w.Key("hits");
  w.StartObject();
  w.Key("total");
  w.StartObject();
  w.Key("value");
  w.Uint64(r.hits_total);
  w.Key("relation");
  w.String("eq");
  w.EndObject();
  w.Key("max_score");
  scored && !r.hits.empty() ? w.Double(1.0) : w.Null();
  w.Key("hits");
  w.StartArray();
  for (size_t i = agg.from; i < r.hits.size(); ++i) {
    const AggHit& h = r.hits[i];
    WriteHitJson(w, h.index, h.id, !scored, agg.fetch_source ? &h.source : nullptr, nullptr,
                 scored ? nullptr : &h.sort);
  }
  w.EndArray();
  w.EndObject();
}

// "<name>_as_string" (or "value_as_string") with a date metric as Elasticsearch writes it.
void DateString(Writer& w, const AggResult& r, const char* key, double ms) {
  if (!r.dates || r.count == 0 || !std::isfinite(ms)) return;
  char text[24];
  FormatIso8601Millis(static_cast<int64_t>(std::llround(ms)), text);
  w.Key(key);
  w.String(text, sizeof(text));
}

void WriteResult(Writer& w, const AggRequest& agg, const AggResult& r) {
  const double n = static_cast<double>(r.count);
  w.StartObject();
  if (!agg.meta_json.empty()) {
    w.Key("meta");
    w.RawValue(agg.meta_json.data(), agg.meta_json.size(), rapidjson::kObjectType);
  }
  switch (agg.type) {
    case T::kSum:
      w.Key("value");
      w.Double(r.sum);
      break;
    case T::kAvg:
      w.Key("value");
      NumberOrNull(w, r.count > 0, r.sum / n);
      DateString(w, r, "value_as_string", r.sum / n);
      break;
    case T::kMin:
      w.Key("value");
      NumberOrNull(w, r.count > 0, r.min);
      DateString(w, r, "value_as_string", r.min);
      break;
    case T::kMax:
      w.Key("value");
      NumberOrNull(w, r.count > 0, r.max);
      DateString(w, r, "value_as_string", r.max);
      break;
    case T::kValueCount:
      w.Key("value");
      w.Uint64(r.count);
      break;
    case T::kCardinality:
      w.Key("value");
      w.Uint64(r.cardinality ? r.cardinality->Estimate() : 0);
      break;
    case T::kStats:
    case T::kExtendedStats: {
      const bool any = r.count > 0;
      w.Key("count");
      w.Uint64(r.count);
      w.Key("min");
      NumberOrNull(w, any, r.min);
      w.Key("max");
      NumberOrNull(w, any, r.max);
      w.Key("avg");
      NumberOrNull(w, any, r.sum / n);
      w.Key("sum");
      w.Double(r.sum);
      DateString(w, r, "min_as_string", r.min);
      DateString(w, r, "max_as_string", r.max);
      DateString(w, r, "avg_as_string", r.sum / n);
      DateString(w, r, "sum_as_string", r.sum);
      if (agg.type == T::kExtendedStats) {
        const double var = Variance(r);
        const double var_sampling = r.count > 1 ? var * n / (n - 1) : NAN;
        const double mean = r.sum / n, sd = std::sqrt(var), sd_sampling = std::sqrt(var_sampling);
        w.Key("sum_of_squares");
        NumberOrNull(w, any, r.sum_of_squares);
        w.Key("variance");
        NumberOrNull(w, any, var);
        w.Key("variance_population");
        NumberOrNull(w, any, var);
        w.Key("variance_sampling");
        NumberOrNull(w, any && r.count > 1, var_sampling);
        w.Key("std_deviation");
        NumberOrNull(w, any, sd);
        w.Key("std_deviation_population");
        NumberOrNull(w, any, sd);
        w.Key("std_deviation_sampling");
        NumberOrNull(w, any && r.count > 1, sd_sampling);
        w.Key("std_deviation_bounds");
        w.StartObject();
        w.Key("upper");
        NumberOrNull(w, any, mean + 2 * sd);
        w.Key("lower");
        NumberOrNull(w, any, mean - 2 * sd);
        w.Key("upper_population");
        NumberOrNull(w, any, mean + 2 * sd);
        w.Key("lower_population");
        NumberOrNull(w, any, mean - 2 * sd);
        w.Key("upper_sampling");
        NumberOrNull(w, any && r.count > 1, mean + 2 * sd_sampling);
        w.Key("lower_sampling");
        NumberOrNull(w, any && r.count > 1, mean - 2 * sd_sampling);
        w.EndObject();
      }
      break;
    }
    case T::kPercentiles: {
      std::vector<double> sorted = r.values;
      std::sort(sorted.begin(), sorted.end());
      w.Key("values");
      agg.keyed ? w.StartObject() : w.StartArray();
      for (double p : agg.percents) {
        const double v = Percentile(&sorted, p);
        const std::string key = AggKeyText(AggKey(p));
        if (agg.keyed) {
          WriteJsonString(w, key);
          NumberOrNull(w, !sorted.empty(), v);
        } else {
          w.StartObject();
          w.Key("key");
          w.Double(p);
          w.Key("value");
          NumberOrNull(w, !sorted.empty(), v);
          w.EndObject();
        }
      }
      agg.keyed ? w.EndObject() : w.EndArray();
      break;
    }
    case T::kTopHits: WriteTopHits(w, agg, r); break;
    case T::kFilter:
    case T::kMissing: WriteBucketBody(w, agg, r.buckets.empty() ? nullptr : &r.buckets.begin()->second); break;
    case T::kFilters:
      w.Key("buckets");
      if (agg.keyed_filters) {
        w.StartObject();
        for (const auto& f : agg.filters) {
          auto it = r.buckets.find(f.first);
          w.Key(f.first.c_str());
          w.StartObject();
          WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
          w.EndObject();
        }
        if (!agg.other_bucket_key.empty()) {
          auto it = r.buckets.find(agg.other_bucket_key);
          w.Key(agg.other_bucket_key.c_str());
          w.StartObject();
          WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
          w.EndObject();
        }
        w.EndObject();
      } else {
        w.StartArray();
        for (const auto& f : agg.filters) {
          w.StartObject();
          auto it = r.buckets.find(f.first);
          WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
          w.EndObject();
        }
        if (!agg.other_bucket_key.empty()) {  // last, as Elasticsearch lists it
          w.StartObject();
          auto it = r.buckets.find(agg.other_bucket_key);
          WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
          w.EndObject();
        }
        w.EndArray();
      }
      break;
    case T::kRange:
    case T::kDateRange:
    case T::kIpRange: WriteRanges(w, agg, r); break;
    case T::kTerms: WriteTerms(w, agg, r); break;
    case T::kGeotileGrid:
    case T::kGeohashGrid: WriteGeoGrid(w, agg, r); break;
    case T::kDateHistogram:
    case T::kHistogram: WriteHistogram(w, agg, r); break;
    case T::kComposite: WriteComposite(w, agg, r); break;
  }
  w.EndObject();
}

}  // namespace

Status CompositeAfterKey(const AggRequest& agg, int64_t now_ms, std::vector<AggKey>* out) {
  out->clear();
  if (agg.after.empty()) return Status::OK();
  for (size_t i = 0; i < agg.sources.size(); ++i) {
    const AggRequest& src = agg.sources[i];
    if (i < agg.after_null.size() && agg.after_null[i]) {
      out->push_back(std::monostate{});
      continue;
    }
    const QueryValue& v = agg.after[i];
    if (src.type == T::kDateHistogram) {
      int64_t ms = v.integer;
      if (v.kind == QueryValue::Kind::kString) {
        Status s = EvaluateDateMath(v.text, now_ms, DateFormat(), TimeZone(), false, &ms);
        if (!s.ok()) return Status::InvalidArgument(s.message());
      } else if (v.kind == QueryValue::Kind::kDouble) {
        ms = static_cast<int64_t>(v.number);
      }
      out->push_back(ms);
    } else if (src.type == T::kHistogram) {
      out->push_back(v.kind == QueryValue::Kind::kInteger ? static_cast<double>(v.integer) : v.number);
    } else if (v.kind == QueryValue::Kind::kString) {
      out->push_back(v.text);
    } else if (v.kind == QueryValue::Kind::kInteger) {
      out->push_back(v.integer);
    } else if (v.kind == QueryValue::Kind::kDouble) {
      out->push_back(v.number);
    } else {
      out->push_back(int64_t{v.boolean});
    }
  }
  return Status::OK();
}

std::vector<AggKey> TermsWinners(const AggRequest& agg, const AggResult& result) {
  uint64_t total = 0;
  std::vector<AggKey> keys;
  for (const auto& [key, bucket] : SelectTerms(agg, result, &total)) keys.push_back(*key);
  return keys;
}

Status CheckBucketLimit(const AggRequest& agg, const AggResult& result) {
  const uint64_t n = CountBuckets(agg, result);
  if (n > kMaxBuckets) {
    return Status::LimitExceeded(fmt::format(
        "Trying to create too many buckets. Must be less than or equal to: [{}] but "
        "this number of buckets was exceeded. This limit can be set by changing the [search.max_buckets] cluster "
        "level setting.",
        kMaxBuckets));
  }
  return Status::OK();
}

void WriteAggregationJson(const AggRequest& agg, const AggResult& result, std::string* json) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  WriteResult(w, agg, result);
  json->assign(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
