#include "query/dsl/agg_parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "flowlog/ip_address.h"
#include "query/date_math.h"
#include "query/dsl/sort_parser.h"
#include "store/column_codec.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// A whole string as a number ("5", "-2.5e3"); false for anything else.
bool ParseDoubleText(const char* text, double* out) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(text, &end);
  if (end == text || *end != '\0' || errno == ERANGE || !std::isfinite(d)) return false;
  *out = d;
  return true;
}

using Value = rapidjson::Value;

std::string ClosestAggType(const std::string& type);
bool ReadBound(DslContext& dsl, const Value& v, const AggRequest* agg, bool upper, double* out);
bool ParseTermsOrder(DslContext& dsl, const Value& v, AggRequest* agg);
bool ParseAggRange(DslContext& dsl, const Value& r, AggRequest* agg);
std::string KeyAddress(const std::array<uint8_t, 16>& key, bool v4);
bool ParseCompositeSources(DslContext& dsl, const Value& v, AggRequest* agg);

bool ParseAggBody(DslContext& dsl, const std::string& type, const Value& body, AggRequest* agg) {
  using T = AggRequest::Type;
  // clang-format off
  static const std::pair<const char*, T> kTypes[] = {
      {"terms", T::kTerms},         {"date_histogram", T::kDateHistogram}, {"histogram", T::kHistogram},
      {"range", T::kRange},         {"date_range", T::kDateRange},         {"ip_range", T::kIpRange},
      {"filter", T::kFilter},       {"filters", T::kFilters},              {"missing", T::kMissing},
      {"geotile_grid", T::kGeotileGrid}, {"geohash_grid", T::kGeohashGrid},
      {"composite", T::kComposite}, {"sum", T::kSum},                      {"avg", T::kAvg},
      {"min", T::kMin},             {"max", T::kMax},                      {"value_count", T::kValueCount},
      {"stats", T::kStats},         {"extended_stats", T::kExtendedStats}, {"cardinality", T::kCardinality},
      {"percentiles", T::kPercentiles}, {"top_hits", T::kTopHits}};
  // clang-format on
  bool known = false;
  for (const auto& [name, t] : kTypes) {
    if (type == name) agg->type = t, known = true;
  }
  if (!known) {
    const std::string close = ClosestAggType(type);
    return dsl.Fail(
        ParseError::Kind::kParsing,
        fmt::format("Unknown aggregation type [{}]{}", type, close.empty() ? "" : " did you mean [" + close + "]?"),
        type);
  }
  if (!body.IsObject()) return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] must be an object", type), type);
  if (agg->type == T::kFilter) {
    agg->filters.emplace_back("", Query{});
    return dsl.ParseQuery(body, &agg->filters.back().second);
  }
  if (agg->type == T::kDateHistogram || agg->type == T::kHistogram) agg->min_doc_count = 0;
  if (agg->type == T::kTopHits) agg->size = 3;
  if (agg->type == T::kGeotileGrid || agg->type == T::kGeohashGrid) {
    agg->size = 10000;
    agg->precision = agg->type == T::kGeotileGrid ? 7 : 5;
  }
  if (agg->type == T::kPercentiles) {
    agg->percents = {1, 5, 25, 50, 75, 95, 99};
    agg->keyed = true;
  }
  const Value* after = nullptr;  // composite's page key
  bool other_off = false;        // filters: "other_bucket": false wins over a key
  for (const auto& m : body.GetObject()) {
    const std::string key = m.name.GetString();
    const Value& v = m.value;
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (key == "size" && v.IsInt64()) {
      if (v.GetInt64() < 0 || (v.GetInt64() == 0 && agg->type != T::kTopHits)) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("[size] must be greater than 0. Found [{}] in [{}]", v.GetInt64(), agg->name), key);
      }
      agg->size = static_cast<uint64_t>(v.GetInt64());
    } else if (key == "precision" && (agg->type == T::kGeotileGrid || agg->type == T::kGeohashGrid)) {
      const bool tile = agg->type == T::kGeotileGrid;
      const int lo = tile ? 0 : 1, hi = tile ? 29 : 12;
      if (!v.IsInt64() || v.GetInt64() < lo || v.GetInt64() > hi) {
        const std::string given = v.IsInt64() ? std::to_string(v.GetInt64()) : std::string(DslContext::TokenName(v));
        return dsl.Fail(
            ParseError::Kind::kIllegalArgument,
            tile ? fmt::format("Invalid geotile_grid precision of {}. Must be between 0 and 29.", given)
                 : fmt::format("Invalid geohash aggregation precision of {}. Must be between 1 and 12.", given),
            key);
      }
      agg->precision = static_cast<int>(v.GetInt64());
    } else if (key == "shard_size" && v.IsInt64() &&
               (agg->type == T::kGeotileGrid || agg->type == T::kGeohashGrid || agg->type == T::kTerms)) {
      continue;  // one shard: every bucket is exact
    } else if (key == "from" && v.IsUint64() && agg->type == T::kTopHits) {
      agg->from = v.GetUint64();
    } else if (key == "min_doc_count" && v.IsUint64()) {
      agg->min_doc_count = v.GetUint64();
    } else if (key == "order" && agg->type == T::kTerms) {
      if (!ParseTermsOrder(dsl, v, agg)) return false;
    } else if (key == "collect_mode" && agg->type == T::kTerms) {
      const std::string mode = v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : "";
      if (mode == "depth_first") {
        agg->collect_mode = AggRequest::CollectMode::kDepthFirst;
      } else if (mode == "breadth_first") {
        agg->collect_mode = AggRequest::CollectMode::kBreadthFirst;
      } else {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("Unknown `collect_mode` [{}], expected [breadth_first] or [depth_first]",
                                    v.IsString() ? mode : DslContext::TokenName(v)),
                        key);
      }
    } else if (key == "missing" &&
               (agg->type == T::kSum || agg->type == T::kAvg || agg->type == T::kMin || agg->type == T::kMax ||
                agg->type == T::kStats || agg->type == T::kExtendedStats || agg->type == T::kPercentiles ||
                agg->type == T::kValueCount || agg->type == T::kHistogram)) {
      // A number, or what a numeric field reads from text: a number or a date.
      double d = 0;
      int64_t ms = 0;
      if (v.IsNumber()) {
        d = v.GetDouble();
      } else if (v.IsBool()) {
        d = v.GetBool() ? 1 : 0;
      } else if (v.IsString() && ParseDoubleText(v.GetString(), &d)) {
      } else if (v.IsString() && ParseIsoDate(v.GetString(), &ms)) {
        d = static_cast<double>(ms);
      } else {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("[missing] of [{}] must be a number or a date", agg->name), key);
      }
      agg->missing_number = d;
    } else if (key == "missing" && agg->type == T::kTerms) {
      QueryValue mv;
      if (!dsl.ParseValue(v, &mv, type, key)) return false;
      agg->missing = mv;
    } else if ((key == "include" || key == "exclude") && agg->type == T::kTerms) {
      std::string* regex = key == "include" ? &agg->include_regex : &agg->exclude_regex;
      std::vector<std::string>* values = key == "include" ? &agg->include_values : &agg->exclude_values;
      if (v.IsString()) {
        *regex = v.GetString();
        RE2 re(*regex, RE2::Quiet);
        if (!re.ok())
          return dsl.Fail(ParseError::Kind::kIllegalArgument,
                          "Invalid regular expression [" + *regex + "]: " + re.error(), key);
      } else if (v.IsArray()) {
        for (const Value& e : v.GetArray()) {
          QueryValue qv;
          if (!dsl.ParseValue(e, &qv, type, key)) return false;
          values->push_back(qv.ToString());
        }
      } else {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        "Unrecognized token for an include [" + std::string(DslContext::TokenName(v)) + "]", key);
      }
    } else if (key == "fixed_interval" && v.IsString()) {
      int64_t ms = 0;
      if (!DslContext::ReadTimeValue(v.GetString(), &ms) || ms <= 0) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("failed to parse setting [date_histogram.fixedInterval] with value [{}] as a time "
                                    "value: unit is missing or unrecognized",
                                    v.GetString()),
                        key);
      }
      agg->fixed_interval_ms = ms;
    } else if (key == "calendar_interval" && v.IsString()) {
      static const char* kUnits[] = {"minute", "1m",    "hour", "1h",      "day", "1d",   "week",
                                     "1w",     "month", "1M",   "quarter", "1q",  "year", "1y"};
      const std::string unit = v.GetString();
      if (std::find(std::begin(kUnits), std::end(kUnits), unit) == std::end(kUnits)) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("The supplied interval [{}] could not be parsed as a "
                                    "calendar interval.",
                                    unit),
                        key);
      }
      agg->calendar_unit = unit;
    } else if (key == "interval" && v.IsNumber() && agg->type == T::kHistogram) {
      agg->interval = v.GetDouble();
    } else if (key == "offset" && (agg->type == T::kHistogram || agg->type == T::kDateHistogram)) {
      if (v.IsNumber()) {
        agg->offset = v.GetDouble();
      } else if (v.IsString() && agg->type == T::kDateHistogram) {
        std::string text = v.GetString();
        const bool negative = !text.empty() && text[0] == '-';
        if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.erase(0, 1);
        int64_t ms = 0;
        if (!DslContext::ReadTimeValue(text, &ms)) {
          return dsl.Fail(ParseError::Kind::kIllegalArgument,
                          "failed to parse setting [date_histogram.offset] with value [" + std::string(v.GetString()) +
                              "] as a time value",
                          key);
        }
        agg->offset = static_cast<double>(negative ? -ms : ms);
      } else {
        return dsl.Fail(ParseError::Kind::kParsing,
                        fmt::format("Unexpected token {} [{}] in [{}].", DslContext::TokenName(v), key, agg->name),
                        key);
      }
    } else if ((key == "extended_bounds" || key == "hard_bounds") && v.IsObject()) {
      std::optional<double>* lo = key == "extended_bounds" ? &agg->extended_min : &agg->hard_min;
      std::optional<double>* hi = key == "extended_bounds" ? &agg->extended_max : &agg->hard_max;
      for (const auto& b : v.GetObject()) {
        const std::string bk = b.name.GetString();
        std::optional<double>* slot = bk == "min" ? lo : bk == "max" ? hi : nullptr;
        if (slot == nullptr)
          return dsl.Fail(ParseError::Kind::kMalformedJson, fmt::format("[{}] unknown field [{}]", key, bk), bk);
        double d = 0;
        if (!ReadBound(dsl, b.value, agg, bk == "max", &d)) return false;
        *slot = d;
      }
      if (*lo && *hi && **lo > **hi) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("[{}.min][{}] cannot be greater than [{}.max][{}] for histogram aggregation [{}]",
                                    key, **lo, key, **hi, agg->name),
                        key);
      }
    } else if (key == "time_zone" && v.IsString()) {
      TimeZone tz;
      if (Status st = TimeZone::Parse(v.GetString(), &tz); !st.ok()) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument, std::string(st.message()), key);
      }
      agg->time_zone = v.GetString();
    } else if (key == "format" && v.IsString()) {
      DateFormat f;
      if (Status st = DateFormat::Parse(v.GetString(), &f); !st.ok()) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument, std::string(st.message()), key);
      }
      agg->format = v.GetString();
    } else if (key == "keyed" && v.IsBool()) {
      agg->keyed = v.GetBool();
    } else if (key == "ranges" && v.IsArray()) {
      for (const Value& r : v.GetArray()) {
        if (!ParseAggRange(dsl, r, agg)) return false;
      }
    } else if (key == "filters") {
      if (v.IsObject()) {
        for (const auto& f : v.GetObject()) {
          agg->filters.emplace_back(f.name.GetString(), Query{});
          if (!dsl.ParseQuery(f.value, &agg->filters.back().second)) return false;
        }
      } else if (v.IsArray()) {
        agg->keyed_filters = false;
        for (const Value& f : v.GetArray()) {
          agg->filters.emplace_back(fmt::format("{:08}", agg->filters.size()), Query{});
          if (!dsl.ParseQuery(f, &agg->filters.back().second)) return false;
        }
      }
      if (agg->filters.empty()) return dsl.Fail(ParseError::Kind::kIllegalArgument, "[filters] cannot be empty.", key);
    } else if (key == "other_bucket" && agg->type == T::kFilters && v.IsBool()) {
      if (!v.GetBool()) {
        other_off = true;
      } else if (agg->other_bucket_key.empty()) {
        agg->other_bucket_key = "_other_";
      }
    } else if (key == "other_bucket_key" && agg->type == T::kFilters && v.IsString()) {
      agg->other_bucket_key = v.GetString();  // names the bucket and turns it on
    } else if (key == "precision_threshold" && v.IsUint64()) {
      agg->precision_threshold = v.GetUint64();
    } else if (key == "percents" && v.IsArray()) {
      agg->percents.clear();
      for (const Value& p : v.GetArray()) {
        if (!p.IsNumber() || p.GetDouble() < 0 || p.GetDouble() > 100) {
          return dsl.Fail(
              ParseError::Kind::kIllegalArgument,
              "percent must be in [0,100], got [" + (p.IsNumber() ? fmt::format("{}", p.GetDouble()) : "?") + "]", key);
        }
        agg->percents.push_back(p.GetDouble());
      }
      if (agg->percents.empty())
        return dsl.Fail(ParseError::Kind::kIllegalArgument, "[percents] must not be empty", key);
    } else if (key == "sort" && agg->type == T::kTopHits) {
      if (!ParseSort(dsl, v, &agg->sort)) return false;
    } else if (key == "_source" && agg->type == T::kTopHits) {
      agg->fetch_source = !(v.IsBool() && !v.GetBool());
    } else if (key == "sources" && agg->type == T::kComposite) {
      if (!ParseCompositeSources(dsl, v, agg)) return false;
    } else if (key == "after" && agg->type == T::kComposite && v.IsObject()) {
      after = &v;  // read once the sources are known, wherever they come
    } else if (key == "format" || key == "keyed" || key == "shard_size" || key == "execution_hint" ||
               key == "show_term_doc_count_error" || key == "collect_mode" || key == "value_type" || key == "sigma" ||
               key == "tdigest" || key == "hdr" || key == "script" || key == "missing") {
      // Accepted and ignored: hints, or options flowdex answers the same way without.
    } else {
      return dsl.Fail(ParseError::Kind::kParsing,
                      fmt::format("Unexpected token {} [{}] in [{}].", DslContext::TokenName(v), key, agg->name), key);
    }
  }
  if (other_off) agg->other_bucket_key.clear();
  if (after != nullptr) {
    for (const AggRequest& src : agg->sources) {
      if (!after->HasMember(src.name.c_str())) continue;
      const Value& av = (*after)[src.name.c_str()];
      agg->after_null.push_back(av.IsNull());
      QueryValue qv;
      if (!av.IsNull() && !dsl.ParseValue(av, &qv, type, "after")) return false;
      agg->after.push_back(qv);
    }
    if (agg->after.size() != agg->sources.size()) {
      return dsl.Fail(
          ParseError::Kind::kIllegalArgument,
          fmt::format("[after] has {} value(s) but [sources] has {}", agg->after.size(), agg->sources.size()), "after");
    }
  }
  if (agg->type == T::kDateHistogram) {
    if (agg->fixed_interval_ms > 0 && !agg->calendar_unit.empty()) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      "Cannot use [fixed_interval] with [calendar_interval] configuration option.");
    }
    if (agg->fixed_interval_ms == 0 && agg->calendar_unit.empty()) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument, "Invalid interval specified, must be non-null and non-empty");
    }
  }
  if (agg->type == T::kHistogram && agg->interval <= 0) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument,
                    "[interval] must be >0 for histogram aggregation [" + agg->name + "]");
  }
  if ((agg->type == T::kRange || agg->type == T::kDateRange || agg->type == T::kIpRange) && agg->ranges.empty()) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument,
                    "No [ranges] specified for the [" + agg->name + "] aggregation");
  }
  if (agg->type == T::kComposite && agg->sources.empty()) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument, "Composite [sources] cannot be null or empty");
  }
  const bool needs_field =
      agg->type != T::kFilters && agg->type != T::kFilter && agg->type != T::kTopHits && agg->type != T::kComposite;
  if (needs_field && agg->field.empty()) {
    return dsl.Fail(ParseError::Kind::kIllegalArgument,
                    "Required one of fields [field, script], but none were specified. ");
  }
  return true;
}

// Elasticsearch suggests a known name close to a misspelt one.
std::string ClosestAggType(const std::string& type) {
  static const char* kNames[] = {
      "terms",       "date_histogram", "histogram",      "range",       "date_range",  "ip_range", "filter", "filters",
      "missing",     "geotile_grid",   "geohash_grid",   "composite",   "sum",         "avg",      "min",    "max",
      "value_count", "stats",          "extended_stats", "cardinality", "percentiles", "top_hits"};
  std::string best;
  size_t best_distance = 3;  // at most two edits away
  for (const char* n : kNames) {
    const std::string name = n;
    std::vector<size_t> prev(name.size() + 1), cur(name.size() + 1);
    for (size_t j = 0; j <= name.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= type.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= name.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (type[i - 1] == name[j - 1] ? 0 : 1)});
      }
      std::swap(prev, cur);
    }
    if (prev[name.size()] < best_distance) best = name, best_distance = prev[name.size()];
  }
  return best;
}

// A histogram bound: a number, or for date_histogram a date (math allowed).
bool ReadBound(DslContext& dsl, const Value& v, const AggRequest* agg, bool upper, double* out) {
  if (v.IsNumber()) return *out = v.GetDouble(), true;
  if (v.IsString() && agg->type == AggRequest::Type::kDateHistogram) {
    TimeZone tz;
    (void)TimeZone::Parse(agg->time_zone, &tz);
    int64_t ms = 0;
    Status s = EvaluateDateMath(v.GetString(), dsl.now_ms(), DateFormat(), tz, upper, &ms);
    if (!s.ok()) return dsl.Fail(ParseError::Kind::kDateMath, std::string(s.message()), "bounds");
    *out = static_cast<double>(ms);
    return true;
  }
  return dsl.Fail(ParseError::Kind::kMalformedJson, "[bounds] failed to parse field", "bounds");
}

bool ParseTermsOrder(DslContext& dsl, const Value& v, AggRequest* agg) {
  auto one = [&](const Value& o) {
    if (!o.IsObject() || o.MemberCount() != 1 || !o.MemberBegin()->value.IsString()) {
      return dsl.Fail(ParseError::Kind::kParsing, "Unexpected token in [order]", "order");
    }
    const std::string by = o.MemberBegin()->name.GetString();
    const std::string dir = o.MemberBegin()->value.GetString();
    if (dir != "asc" && dir != "desc") {
      return dsl.Fail(ParseError::Kind::kParsing,
                      "Unknown terms order direction [" + dir + "] in terms aggregation [" + agg->name + "]", "order");
    }
    agg->order.push_back({by, dir == "desc"});
    return true;
  };
  if (v.IsArray()) {
    for (const Value& o : v.GetArray()) {
      if (!one(o)) return false;
    }
    return true;
  }
  return one(v);
}

bool ParseAggRange(DslContext& dsl, const Value& r, AggRequest* agg) {
  using T = AggRequest::Type;
  AggRequest::Range range;
  if (!r.IsObject()) return dsl.Fail(ParseError::Kind::kParsing, "[ranges] must hold objects", "ranges");
  TimeZone tz;
  DateFormat format;
  if (agg->type == T::kDateRange) {
    (void)TimeZone::Parse(agg->time_zone, &tz);
    if (!agg->format.empty()) (void)DateFormat::Parse(agg->format, &format);
  }
  for (const auto& m : r.GetObject()) {
    const std::string k = m.name.GetString();
    const Value& v = m.value;
    if (k == "key" && v.IsString()) {
      range.key = v.GetString();
    } else if ((k == "from" || k == "to") && v.IsNull()) {
    } else if (k == "from" || k == "to") {
      std::optional<double>* slot = k == "from" ? &range.from : &range.to;
      if (agg->type == T::kIpRange) {
        IpAddress ip;
        if (!v.IsString() || !ParseIpAddress(v.GetString(), &ip)) {
          return dsl.Fail(ParseError::Kind::kIllegalArgument,
                          fmt::format("'{}' is not an IP string literal.", v.IsString() ? v.GetString() : "?"), k);
        }
        (k == "from" ? range.ip_from : range.ip_to) = IpSortKey(ip);
        (k == "from" ? range.has_ip_from : range.has_ip_to) = true;
        (k == "from" ? range.from_text : range.to_text) = v.GetString();
      } else if (v.IsNumber()) {
        *slot = v.GetDouble();
      } else if (v.IsString() && agg->type == T::kDateRange) {
        int64_t ms = 0;
        Status s = EvaluateDateMath(v.GetString(), dsl.now_ms(), format, tz, false, &ms);
        if (!s.ok()) return dsl.Fail(ParseError::Kind::kDateMath, std::string(s.message()), k);
        *slot = static_cast<double>(ms);
      } else if (v.IsString()) {
        char* end = nullptr;
        const std::string text = v.GetString();
        const double d = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) {
          return dsl.Fail(ParseError::Kind::kNumberFormat, "For input string: \"" + text + "\"", k);
        }
        *slot = d;
      } else {
        return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] must be a number", k), k);
      }
    } else if (k == "mask" && v.IsString() && agg->type == T::kIpRange) {
      const std::string mask = v.GetString();
      const size_t slash = mask.find('/');
      IpAddress ip;
      int bits = -1;
      if (slash != std::string::npos) {
        const std::string b = mask.substr(slash + 1);
        if (!b.empty() && b.size() <= 3 && b.find_first_not_of("0123456789") == std::string::npos) bits = std::stoi(b);
      }
      if (bits < 0 || !ParseIpAddress(mask.substr(0, slash), &ip) || bits > (ip.is_v4() ? 32 : 128)) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument, "Expected [ip/prefix] but was [" + mask + "]", k);
      }
      std::array<uint8_t, 16> lo = IpSortKey(ip), hi = lo;
      const int total = ip.is_v4() ? bits + 96 : bits;
      for (int b = total; b < 128; ++b) {
        lo[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
        hi[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
      }
      range.ip_from = lo;
      range.ip_to = hi;
      range.has_ip_from = range.has_ip_to = true;
      range.ip_to_inclusive = true;
      range.key = range.key.empty() ? mask : range.key;
      range.from_text = KeyAddress(lo, ip.is_v4());
      // Elasticsearch shows the address after the block as "to".
      std::array<uint8_t, 16> next = hi;
      int i = 15;
      while (i >= 0 && ++next[i] == 0) --i;
      const bool overflow = i < 0 || (ip.is_v4() && next[11] != 0xff);
      range.to_text = overflow ? "" : KeyAddress(next, ip.is_v4());
    } else {
      return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[range] unknown field [{}]", k), k);
    }
  }
  if (agg->type == T::kIpRange && range.key.empty() && !range.ip_to_inclusive) {
    range.key = (range.from_text.empty() ? "*" : range.from_text) + "-" + (range.to_text.empty() ? "*" : range.to_text);
  }
  agg->ranges.push_back(range);
  return true;
}

std::string KeyAddress(const std::array<uint8_t, 16>& key, bool v4) {
  IpAddress ip;
  if (v4) {
    ip = IpAddress::FromV4((uint32_t{key[12]} << 24) | (uint32_t{key[13]} << 16) | (uint32_t{key[14]} << 8) | key[15]);
  } else {
    ip.family = IpAddress::Family::kV6;
    ip.bytes = key;
  }
  char buf[kMaxIpTextLength];
  return std::string(buf, FormatIpAddress(ip, buf));
}

bool ParseCompositeSources(DslContext& dsl, const Value& v, AggRequest* agg) {
  using T = AggRequest::Type;
  if (!v.IsArray()) return dsl.Fail(ParseError::Kind::kParsing, "[sources] must be an array", "sources");
  for (const Value& s : v.GetArray()) {
    if (!s.IsObject() || s.MemberCount() != 1 || !s.MemberBegin()->value.IsObject() ||
        s.MemberBegin()->value.MemberCount() != 1) {
      return dsl.Fail(ParseError::Kind::kParsing, "[sources] entries must be {\"name\": {\"<type>\": {...}}}",
                      "sources");
    }
    AggRequest src;
    src.name = s.MemberBegin()->name.GetString();
    const auto& def = *s.MemberBegin()->value.MemberBegin();
    const std::string kind = def.name.GetString();
    src.type = kind == "terms"            ? T::kTerms
               : kind == "histogram"      ? T::kHistogram
               : kind == "date_histogram" ? T::kDateHistogram
                                          : T::kMissing;
    if (src.type == T::kMissing) {
      return dsl.Fail(ParseError::Kind::kParsing, "Unknown value source type [" + kind + "] in [" + agg->name + "]",
                      kind);
    }
    if (!def.value.IsObject()) return dsl.Fail(ParseError::Kind::kParsing, "[" + kind + "] must be an object", kind);
    for (const auto& m : def.value.GetObject()) {
      const std::string key = m.name.GetString();
      const Value& p = m.value;
      if (key == "field" && p.IsString()) {
        src.field = p.GetString();
      } else if (key == "order" && p.IsString()) {
        const std::string dir = p.GetString();
        if (dir != "asc" && dir != "desc")
          return dsl.Fail(ParseError::Kind::kIllegalArgument, "Unknown SortOrder [" + dir + "]", key);
        src.order.push_back({"_key", dir == "desc"});
      } else if ((key == "missing_bucket" || key == "missing_first") && p.IsBool()) {
        if (key == "missing_bucket") src.missing_bucket = p.GetBool();
      } else if (key == "interval" && p.IsNumber() && src.type == T::kHistogram) {
        src.interval = p.GetDouble();
      } else if (key == "fixed_interval" && p.IsString()) {
        int64_t ms = 0;
        if (!DslContext::ReadTimeValue(p.GetString(), &ms) || ms <= 0) {
          return dsl.Fail(ParseError::Kind::kIllegalArgument,
                          "failed to parse setting [date_histogram.fixedInterval] with value [" +
                              std::string(p.GetString()) + "] as a time value",
                          key);
        }
        src.fixed_interval_ms = ms;
      } else if (key == "calendar_interval" && p.IsString()) {
        src.calendar_unit = p.GetString();
      } else if (key == "time_zone" && p.IsString()) {
        TimeZone tz;
        if (Status st = TimeZone::Parse(p.GetString(), &tz); !st.ok()) {
          return dsl.Fail(ParseError::Kind::kIllegalArgument, std::string(st.message()), key);
        }
        src.time_zone = p.GetString();
      } else if (key == "format" || key == "missing_order" || key == "value_type") {
      } else {
        return dsl.Fail(ParseError::Kind::kParsing, fmt::format("[{}] unknown field [{}]", kind, key), key);
      }
    }
    if (src.field.empty()) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      "Required one of fields [field, script], but none were specified. ");
    }
    if (src.type == T::kHistogram && src.interval <= 0) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument, "[interval] must be greater than 0 for [histogram] source");
    }
    if (src.type == T::kDateHistogram && src.fixed_interval_ms == 0 && src.calendar_unit.empty()) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument, "Invalid interval specified, must be non-null and non-empty");
    }
    agg->sources.push_back(std::move(src));
  }
  return true;
}

}  // namespace

bool ParseAggs(DslContext& dsl, const Value& v, std::vector<AggRequest>* out, const std::string* parent) {
  DepthScope scope(&dsl);
  if (!dsl.Enter("aggregations")) return false;
  if (!v.IsObject()) return dsl.Fail(ParseError::Kind::kParsing, "Found [aggs] but it is not an object", "aggs");
  for (const auto& m : v.GetObject()) {
    AggRequest agg;
    agg.name = m.name.GetString();
    if (!m.value.IsObject()) {
      return dsl.Fail(ParseError::Kind::kParsing, "Expected [START_OBJECT] under [" + agg.name + "]", agg.name);
    }
    bool have_type = false;
    for (const auto& part : m.value.GetObject()) {
      const std::string key = part.name.GetString();
      if (key == "aggs" || key == "aggregations") {
        if (!ParseAggs(dsl, part.value, &agg.subs, &agg.name)) return false;
      } else if (key == "meta") {
        if (!part.value.IsObject()) {
          return dsl.Fail(ParseError::Kind::kParsing,
                          fmt::format("Expected [START_OBJECT] under [meta], but got a [{}] in [{}]",
                                      part.value.IsString()   ? "VALUE_STRING"
                                      : part.value.IsArray()  ? "START_ARRAY"
                                      : part.value.IsNumber() ? "VALUE_NUMBER"
                                      : part.value.IsBool()   ? "VALUE_BOOLEAN"
                                                              : "VALUE_NULL",
                                      agg.name),
                          key);
        }
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        part.value.Accept(w);
        agg.meta_json.assign(buf.GetString(), buf.GetSize());
      } else if (have_type) {
        return dsl.Fail(ParseError::Kind::kParsing,
                        fmt::format("Found two aggregation type definitions in [{}]: [{}]", agg.name, key), key);
      } else {
        have_type = true;
        if (!ParseAggBody(dsl, key, part.value, &agg)) return false;
      }
    }
    if (!have_type)
      return dsl.Fail(ParseError::Kind::kParsing, "Missing definition for aggregation [" + agg.name + "]", agg.name);
    // Orders by a sub-aggregation name one that exists (known only now).
    for (const AggRequest::Order& o : agg.order) {
      if (o.by == "_count" || o.by == "_key" || o.by == "_term") continue;
      const std::string head = o.by.substr(0, o.by.find_first_of(".>["));
      if (std::none_of(agg.subs.begin(), agg.subs.end(), [&](const AggRequest& s) { return s.name == head; })) {
        return dsl.Fail(ParseError::Kind::kIllegalArgument,
                        fmt::format("Invalid aggregator order path [{}]. The provided aggregation [{}] either does not "
                                    "exist, or is a pipeline aggregation and cannot be used to sort the buckets.",
                                    o.by, head),
                        "order");
      }
    }
    if (agg.type == AggRequest::Type::kComposite && parent != nullptr) {
      return dsl.Fail(ParseError::Kind::kIllegalArgument,
                      "[composite] aggregation cannot be used with a parent aggregation [" + *parent + "]", agg.name);
    }
    out->push_back(std::move(agg));
  }
  return true;
}

}  // namespace flowdex
