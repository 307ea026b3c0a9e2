#include <algorithm>
#include <cmath>
#include <cstring>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include "flowlog/ip_address.h"
#include "query/aggregation.h"
#include "query/field_catalog.h"
#include "query/segment_matcher.h"
#include "store/segment_reader.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// One value of a row, read for aggregating.
struct RowValue {
  ColumnType type;
  uint64_t bits = 0;
  const IpAddress* ip = nullptr;
  const std::string* text = nullptr;

  double AsDouble() const {
    if (type == ColumnType::kDouble) {
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
    return IsSigned(type) ? static_cast<double>(static_cast<int64_t>(bits)) : static_cast<double>(bits);
  }
  AggKey Key() const {
    if (text) return *text;
    if (ip) {
      char buf[kMaxIpTextLength];
      return std::string(buf, FormatIpAddress(*ip, buf));
    }
    if (type == ColumnType::kDouble) return AsDouble();
    return static_cast<int64_t>(bits);
  }
};

// Calls fn(row, value) for every value of `column` in the rows of `rows`.
template <typename Fn>
Status ForEachValue(const SegmentReader& seg, int column, const roaring_bitmap_t* rows, Fn&& fn) {
  const ColumnMeta& meta = seg.meta().columns[column];
  const std::vector<std::string>* dict = nullptr;
  if (HasDictionary(meta.type)) {
    Status s = seg.Dictionary(column, &dict);
    if (!s.ok()) return s;
  }
  ColumnBlock blk;
  size_t loaded = SIZE_MAX;
  roaring_uint32_iterator_t* it = roaring_create_iterator(rows);
  Status s;
  while (it->has_value) {
    const uint32_t row = it->current_value;
    const size_t b = row / kRowsPerBlock;
    if (b != loaded) {
      if (!meta.blocks[b].stats.has_values()) {
        // No value in this block: go to the first row of the next one.
        roaring_move_uint32_iterator_equalorlarger(it, static_cast<uint32_t>((b + 1) * kRowsPerBlock));
        continue;
      }
      s = seg.ReadBlock(column, b, &blk);
      if (!s.ok()) break;
      loaded = b;
    }
    roaring_advance_uint32_iterator(it);
    const uint32_t i = row % kRowsPerBlock;
    if (!blk.present(i)) continue;
    const size_t from = blk.multi() ? blk.offsets[i] : i, to = blk.multi() ? blk.offsets[i + 1] : i + 1;
    for (size_t k = from; k < to; ++k) {
      RowValue v{meta.type};
      if (meta.type == ColumnType::kIp) {
        v.ip = &blk.ips[k];
      } else {
        v.bits = blk.values[k];
        if (dict) v.text = &(*dict)[blk.values[k]];
      }
      fn(row, v);
    }
  }
  roaring_free_uint32_iterator(it);
  return s;
}

// The start of the calendar unit holding `ms` (UTC).
int64_t CalendarFloor(int64_t ms, const std::string& unit) {
  const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  CivilTime c = CivilFromSeconds(secs);
  auto at = [](int64_t y, int m, int d) { return DaysFromCivil(y, m, d) * 86400000; };
  if (unit == "minute" || unit == "1m") return secs / 60 * 60000;
  if (unit == "hour" || unit == "1h") return secs / 3600 * 3600000;
  if (unit == "day" || unit == "1d") return at(c.year, c.month, c.day);
  if (unit == "week" || unit == "1w") {
    const int64_t days = DaysFromCivil(c.year, c.month, c.day);
    const int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; Monday = 0
    return (days - weekday) * 86400000;
  }
  if (unit == "month" || unit == "1M") return at(c.year, c.month, 1);
  if (unit == "quarter" || unit == "1q") return at(c.year, (c.month - 1) / 3 * 3 + 1, 1);
  return at(c.year, 1, 1);  // year
}

// The start of the next calendar unit after `start`.
int64_t CalendarNext(int64_t start, const std::string& unit) {
  const CivilTime c = CivilFromSeconds(start / 1000);
  auto at = [](int64_t y, int m) { return DaysFromCivil(y + (m - 1) / 12, (m - 1) % 12 + 1, 1) * 86400000; };
  if (unit == "month" || unit == "1M") return at(c.year, c.month + 1);
  if (unit == "quarter" || unit == "1q") return at(c.year, c.month + 3);
  if (unit == "year" || unit == "1y") return at(c.year + 1, 1);
  if (unit == "week" || unit == "1w") return start + 7 * 86400000LL;
  if (unit == "day" || unit == "1d") return start + 86400000LL;
  if (unit == "hour" || unit == "1h") return start + 3600000LL;
  return start + 60000;
}

bool IsBucketAgg(AggRequest::Type t) {
  return t == AggRequest::Type::kTerms || t == AggRequest::Type::kDateHistogram ||
         t == AggRequest::Type::kHistogram || t == AggRequest::Type::kRange || t == AggRequest::Type::kFilter ||
         t == AggRequest::Type::kFilters;
}

}  // namespace

namespace {

// Range and filters buckets exist even when empty.
void AddFixedBuckets(const AggRequest& agg, AggResult* result) {
  if (agg.type == AggRequest::Type::kRange) {
    for (size_t i = 0; i < agg.ranges.size(); ++i) result->buckets[static_cast<int64_t>(i)];
  }
  if (agg.type == AggRequest::Type::kFilter || agg.type == AggRequest::Type::kFilters) {
    for (const auto& f : agg.filters) result->buckets[f.first];
  }
}

}  // namespace

Status CollectAggregation(const AggRequest& agg, const SegmentReader& seg, const FieldCatalog& catalog,
                          const roaring_bitmap_s* rows_in, AggResult* result) {
  AddFixedBuckets(agg, result);
  const roaring_bitmap_t* rows = reinterpret_cast<const roaring_bitmap_t*>(rows_in);
  using T = AggRequest::Type;
  // Rows per bucket, for the buckets of this segment.
  std::map<AggKey, std::vector<uint32_t>> bucket_rows;
  if (agg.type == T::kFilter || agg.type == T::kFilters) {
    SegmentMatcher matcher(&seg, &catalog);
    for (const auto& [name, query] : agg.filters) {
      Bitmap m;
      Status s = matcher.Match(query, &m);
      if (!s.ok()) return s;
      roaring_bitmap_and_inplace(m.get(), rows);
      std::vector<uint32_t>& v = bucket_rows[name];
      v.resize(roaring_bitmap_get_cardinality(m.get()));
      roaring_bitmap_to_uint32_array(m.get(), v.data());
    }
  } else {
    const ResolvedField field = catalog.Resolve(agg.field);
    if (field.derivation != ResolvedField::Derivation::kNone || field.columns.size() != 1) {
      if (!field.known) return Status::OK();  // an unmapped field: no buckets, empty metrics
      return Status::InvalidArgument(fmt::format("aggregating on [{}] is not supported yet", agg.field));
    }
    const int col = seg.FindColumn(field.columns[0]);
    if (col < 0) return Status::OK();
    const ColumnType type = seg.meta().columns[col].type;
    if (type == ColumnType::kText || type == ColumnType::kBlob) {
      return Status::InvalidArgument(fmt::format(
          "Text fields are not optimised for operations that require per-document field data like aggregations "
          "and sorting, so these operations are disabled by default. Please use a keyword field instead. "
          "Alternatively, set fielddata=true on [{}] in order to load field data by uninverting the inverted "
          "index. Note that this can use significant memory.",
          agg.field));
    }
    if (!IsBucketAgg(agg.type)) {
      if ((agg.type != T::kValueCount && agg.type != T::kCardinality) &&
          (type == ColumnType::kKeyword || type == ColumnType::kIp)) {
        return Status::InvalidArgument(
            fmt::format("Field [{}] of type [{}] is not supported for aggregation [{}]", agg.field,
                        ColumnTypeName(type), agg.name));
      }
      return ForEachValue(seg, col, rows, [&](uint32_t, const RowValue& v) {
        const double d = v.AsDouble();
        if (result->count == 0 || d < result->min) result->min = d;
        if (result->count == 0 || d > result->max) result->max = d;
        ++result->count;
        result->sum += d;
        if (agg.type == T::kCardinality) {
          const AggKey key = v.Key();
          result->distinct.insert(std::holds_alternative<std::string>(key) ? std::get<std::string>(key)
                                  : std::holds_alternative<int64_t>(key) ? std::to_string(std::get<int64_t>(key))
                                                                          : fmt::format("{}", std::get<double>(key)));
        }
      });
    }
    if (agg.type == T::kDateHistogram && type != ColumnType::kTimestamp) {
      return Status::InvalidArgument(fmt::format("Field [{}] of type [{}] is not supported for aggregation [date_histogram]",
                                                 agg.field, ColumnTypeName(type)));
    }
    // A row counts once per distinct bucket (arrays may repeat one).
    Status s = ForEachValue(seg, col, rows, [&](uint32_t row, const RowValue& v) {
      auto add = [&](AggKey key) {
        std::vector<uint32_t>& r = bucket_rows[std::move(key)];
        if (r.empty() || r.back() != row) r.push_back(row);
      };
      switch (agg.type) {
        case T::kTerms: add(v.Key()); break;
        case T::kDateHistogram: {
          const int64_t ms = static_cast<int64_t>(v.bits);
          if (agg.fixed_interval_ms > 0) {
            const int64_t q = ms >= 0 ? ms / agg.fixed_interval_ms : (ms - agg.fixed_interval_ms + 1) / agg.fixed_interval_ms;
            add(q * agg.fixed_interval_ms);
          } else {
            add(CalendarFloor(ms, agg.calendar_unit));
          }
          break;
        }
        case T::kHistogram: add(std::floor(v.AsDouble() / agg.interval) * agg.interval); break;
        case T::kRange:
          for (size_t i = 0; i < agg.ranges.size(); ++i) {
            const double d = v.AsDouble();
            const auto& rg = agg.ranges[i];
            if ((!rg.from || d >= *rg.from) && (!rg.to || d < *rg.to)) add(static_cast<int64_t>(i));
          }
          break;
        default: break;
      }
    });
    if (!s.ok()) return s;
  }
  for (auto& [key, list] : bucket_rows) {
    AggBucket& bucket = result->buckets[key];
    bucket.doc_count += list.size();
    if (agg.subs.empty() || list.empty()) continue;
    bucket.subs.resize(agg.subs.size());
    Bitmap sub_rows(roaring_bitmap_of_ptr(list.size(), list.data()));
    for (size_t i = 0; i < agg.subs.size(); ++i) {
      Status s = CollectAggregation(agg.subs[i], seg, catalog, reinterpret_cast<const roaring_bitmap_s*>(sub_rows.get()),
                                    &bucket.subs[i]);
      if (!s.ok()) return s;
    }
  }
  return Status::OK();
}

namespace {

uint64_t CountBuckets(const AggRequest& agg, const AggResult& r) {
  using T = AggRequest::Type;
  uint64_t n = 0;
  if ((agg.type == T::kDateHistogram || agg.type == T::kHistogram) && !r.buckets.empty() &&
      agg.min_doc_count == 0) {
    // Empty buckets between the first and the last are part of the answer.
    if (agg.type == T::kHistogram) {
      const double span = std::get<double>(r.buckets.rbegin()->first) - std::get<double>(r.buckets.begin()->first);
      n = static_cast<uint64_t>(std::min(span / agg.interval, 1e12)) + 1;
    } else if (agg.fixed_interval_ms > 0) {
      n = static_cast<uint64_t>((std::get<int64_t>(r.buckets.rbegin()->first) -
                                 std::get<int64_t>(r.buckets.begin()->first)) /
                                agg.fixed_interval_ms) +
          1;
    } else {
      n = r.buckets.size();  // calendar units: at most a few per year
    }
  } else if (agg.type == T::kTerms) {
    n = std::min<uint64_t>(r.buckets.size(), agg.size);
  } else {
    n = r.buckets.size();
  }
  for (const auto& [key, b] : r.buckets) {
    for (size_t i = 0; i < b.subs.size() && i < agg.subs.size(); ++i) n += CountBuckets(agg.subs[i], b.subs[i]);
  }
  return n;
}

}  // namespace

Status CheckBucketLimit(const AggRequest& agg, const AggResult& result) {
  const uint64_t n = CountBuckets(agg, result);
  if (n > kMaxBuckets) {
    return Status::InvalidArgument(fmt::format(
        "Trying to create too many buckets. Must be less than or equal to: [{}] but this number of buckets was "
        "exceeded. This limit can be set by changing the [search.max_buckets] cluster level setting.",
        kMaxBuckets));
  }
  return Status::OK();
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteKey(Writer& w, const AggKey& key) {
  if (std::holds_alternative<int64_t>(key)) {
    w.Int64(std::get<int64_t>(key));
  } else if (std::holds_alternative<double>(key)) {
    w.Double(std::get<double>(key));
  } else {
    const std::string& s = std::get<std::string>(key);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
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

std::string IsoMillis(int64_t ms) {
  char buf[kIso8601MillisLength];
  FormatIso8601Millis(ms, buf);
  return std::string(buf, kIso8601MillisLength);
}

std::string RangeNumber(double d) { return std::trunc(d) == d ? fmt::format("{:.1f}", d) : fmt::format("{}", d); }

void WriteResult(Writer& w, const AggRequest& agg, const AggResult& r) {
  using T = AggRequest::Type;
  w.StartObject();
  switch (agg.type) {
    case T::kSum: w.Key("value"); w.Double(r.sum); break;
    case T::kAvg:
      w.Key("value");
      r.count ? w.Double(r.sum / static_cast<double>(r.count)) : w.Null();
      break;
    case T::kMin:
      w.Key("value");
      r.count ? w.Double(r.min) : w.Null();
      break;
    case T::kMax:
      w.Key("value");
      r.count ? w.Double(r.max) : w.Null();
      break;
    case T::kValueCount: w.Key("value"); w.Uint64(r.count); break;
    case T::kCardinality: w.Key("value"); w.Uint64(r.distinct.size()); break;
    case T::kStats:
      w.Key("count");
      w.Uint64(r.count);
      w.Key("min");
      r.count ? w.Double(r.min) : w.Null();
      w.Key("max");
      r.count ? w.Double(r.max) : w.Null();
      w.Key("avg");
      r.count ? w.Double(r.sum / static_cast<double>(r.count)) : w.Null();
      w.Key("sum");
      w.Double(r.sum);
      break;
    case T::kFilter: WriteBucketBody(w, agg, r.buckets.empty() ? nullptr : &r.buckets.begin()->second); break;
    case T::kFilters:
      w.Key("buckets");
      if (agg.keyed_filters) {
        w.StartObject();
        for (const auto& [key, b] : r.buckets) {
          w.Key(std::get<std::string>(key).c_str());
          w.StartObject();
          WriteBucketBody(w, agg, &b);
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
        w.EndArray();
      }
      break;
    case T::kRange: {
      // Buckets sorted by from, then to.
      std::vector<size_t> order(agg.ranges.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const auto& x = agg.ranges[a];
        const auto& y = agg.ranges[b];
        const double xf = x.from.value_or(-INFINITY), yf = y.from.value_or(-INFINITY);
        if (xf != yf) return xf < yf;
        return x.to.value_or(INFINITY) < y.to.value_or(INFINITY);
      });
      w.Key("buckets");
      w.StartArray();
      for (size_t i : order) {
        const auto& rg = agg.ranges[i];
        w.StartObject();
        w.Key("key");
        const std::string key = !rg.key.empty() ? rg.key
                                                : (rg.from ? RangeNumber(*rg.from) : "*") + "-" +
                                                      (rg.to ? RangeNumber(*rg.to) : "*");
        w.String(key.c_str());
        if (rg.from) {
          w.Key("from");
          w.Double(*rg.from);
        }
        if (rg.to) {
          w.Key("to");
          w.Double(*rg.to);
        }
        auto it = r.buckets.find(static_cast<int64_t>(i));
        WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
        w.EndObject();
      }
      w.EndArray();
      break;
    }
    case T::kTerms: {
      std::vector<std::pair<const AggKey*, const AggBucket*>> buckets;
      uint64_t total = 0;
      for (const auto& [key, b] : r.buckets) {
        total += b.doc_count;
        if (b.doc_count >= agg.min_doc_count) buckets.emplace_back(&key, &b);
      }
      std::stable_sort(buckets.begin(), buckets.end(), [&](const auto& a, const auto& b) {
        if (agg.order_by_key) return agg.order_descending ? *b.first < *a.first : *a.first < *b.first;
        if (a.second->doc_count != b.second->doc_count) {
          return agg.order_descending ? a.second->doc_count > b.second->doc_count
                                      : a.second->doc_count < b.second->doc_count;
        }
        return *a.first < *b.first;
      });
      if (buckets.size() > agg.size) buckets.resize(agg.size);
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
        WriteKey(w, *key);
        WriteBucketBody(w, agg, b);
        w.EndObject();
      }
      w.EndArray();
      break;
    }
    case T::kDateHistogram:
    case T::kHistogram: {
      w.Key("buckets");
      w.StartArray();
      if (!r.buckets.empty()) {
        if (agg.type == T::kDateHistogram) {
          // Every bucket between the first and the last, empty ones included.
          const int64_t first = std::get<int64_t>(r.buckets.begin()->first);
          const int64_t last = std::get<int64_t>(r.buckets.rbegin()->first);
          for (int64_t k = first; k <= last;
               k = agg.fixed_interval_ms > 0 ? k + agg.fixed_interval_ms : CalendarNext(k, agg.calendar_unit)) {
            auto it = r.buckets.find(k);
            const uint64_t n = it == r.buckets.end() ? 0 : it->second.doc_count;
            if (n < agg.min_doc_count) continue;
            w.StartObject();
            w.Key("key_as_string");
            w.String(IsoMillis(k).c_str());
            w.Key("key");
            w.Int64(k);
            WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
            w.EndObject();
          }
        } else {
          const double first = std::get<double>(r.buckets.begin()->first);
          const double last = std::get<double>(r.buckets.rbegin()->first);
          for (double k = first; k <= last; k += agg.interval) {
            auto it = r.buckets.find(k);
            const uint64_t n = it == r.buckets.end() ? 0 : it->second.doc_count;
            if (n < agg.min_doc_count) continue;
            w.StartObject();
            w.Key("key");
            w.Double(k);
            WriteBucketBody(w, agg, it == r.buckets.end() ? nullptr : &it->second);
            w.EndObject();
          }
        }
      }
      w.EndArray();
      break;
    }
  }
  w.EndObject();
}

}  // namespace

void WriteAggregationJson(const AggRequest& agg, const AggResult& result, std::string* json) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  WriteResult(w, agg, result);
  json->assign(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
