#include "query/plan/string_test.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "flowlog/address_facts.h"
#include "util/geo_point.h"

namespace flowdex {

namespace {

// Elasticsearch's wildcard syntax: * any run, ? one character, \ makes the
// next character literal. Greedy with one backtrack point, linear in
// practice.
bool WildcardMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (c == '?') {
        ++p;
        ++t;
        continue;
      }
      const bool escaped = c == '\\' && p + 1 < pattern.size();
      const char literal = escaped ? pattern[p + 1] : c;
      if (literal == text[t]) {
        p += escaped ? 2 : 1;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

std::string FoldCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

StringTest StringTest::Any() { return StringTest(); }

StringTest StringTest::Equals(std::vector<std::string> values, bool case_insensitive) {
  StringTest t;
  t.kind_ = Kind::kEquals;
  t.case_insensitive_ = case_insensitive;
  if (case_insensitive) {
    for (std::string& v : values) v = FoldCase(v);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  t.values_ = std::move(values);
  return t;
}

StringTest StringTest::Prefix(std::string prefix, bool case_insensitive) {
  StringTest t;
  t.kind_ = Kind::kPrefix;
  t.case_insensitive_ = case_insensitive;
  t.pattern_ = case_insensitive ? FoldCase(prefix) : std::move(prefix);
  return t;
}

StringTest StringTest::Wildcard(std::string pattern, bool case_insensitive) {
  StringTest t;
  t.kind_ = Kind::kWildcard;
  t.case_insensitive_ = case_insensitive;
  t.pattern_ = case_insensitive ? FoldCase(pattern) : std::move(pattern);
  return t;
}

Status StringTest::Regexp(const std::string& pattern, bool case_insensitive, StringTest* out) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!case_insensitive);
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) return Status::QueryValue(fmt::format("failed to create query: {}", re->error()));
  *out = StringTest();
  out->kind_ = Kind::kRegexp;
  out->case_insensitive_ = case_insensitive;
  out->pattern_ = pattern;
  out->regexp_ = std::move(re);
  return Status::OK();
}

StringTest StringTest::Range(std::optional<std::string> lo, bool lo_inclusive, std::optional<std::string> hi,
                             bool hi_inclusive) {
  StringTest t;
  t.kind_ = Kind::kRange;
  t.lo_ = std::move(lo);
  t.hi_ = std::move(hi);
  t.lo_inclusive_ = lo_inclusive;
  t.hi_inclusive_ = hi_inclusive;
  return t;
}

bool StringTest::Matches(std::string_view value) const {
  std::string folded;
  if (case_insensitive_ && kind_ != Kind::kRegexp) {
    folded = FoldCase(value);
    value = folded;
  }
  switch (kind_) {
    case Kind::kAny: return true;
    case Kind::kEquals: return std::binary_search(values_.begin(), values_.end(), value);
    case Kind::kPrefix: return value.starts_with(pattern_);
    case Kind::kWildcard: return WildcardMatch(pattern_, value);
    case Kind::kRegexp: return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regexp_);
    case Kind::kIntegers: {
      uint64_t n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || p != value.data() + value.size()) return false;
      const __int128 v = n;
      if (v < int_lo_ || v > int_hi_) return false;
      return ints_.empty() || std::binary_search(ints_.begin(), ints_.end(), v);
    }
    case Kind::kFact: {
      const std::string_view fact = ExtractFact(value, static_cast<FactField>(fact_));
      if (!IsListFact(static_cast<FactField>(fact_))) return !fact.empty() && inner_->Matches(fact);
      bool any = false;  // a list matches when one of its elements does
      ForEachFactElement(fact, [&](std::string_view e) { any = any || inner_->Matches(e); });
      return any;
    }
    case Kind::kGeoBox: {
      GeoPoint p;
      if (!ParseGeoPoint(value, &p) || p.lat > box_[0] || p.lat < box_[2]) return false;
      return box_[1] <= box_[3] ? p.lon >= box_[1] && p.lon <= box_[3] : p.lon >= box_[1] || p.lon <= box_[3];
    }
    case Kind::kRange:
      if (lo_ && (lo_inclusive_ ? value < *lo_ : value <= *lo_)) return false;
      if (hi_ && (hi_inclusive_ ? value > *hi_ : value >= *hi_)) return false;
      return true;
  }
  return false;
}

StringTest StringTest::GeoBox(double top, double left, double bottom, double right) {
  StringTest t;
  t.kind_ = Kind::kGeoBox;
  t.box_[0] = top, t.box_[1] = left, t.box_[2] = bottom, t.box_[3] = right;
  return t;
}

StringTest StringTest::Integers(__int128 lo, __int128 hi, std::vector<__int128> values) {
  StringTest t;
  t.kind_ = Kind::kIntegers;
  t.int_lo_ = lo;
  t.int_hi_ = hi;
  std::sort(values.begin(), values.end());
  t.ints_ = std::move(values);
  return t;
}

StringTest StringTest::OfFact(int fact, StringTest inner) {
  StringTest t;
  t.kind_ = Kind::kFact;
  t.fact_ = fact;
  t.inner_ = std::make_shared<const StringTest>(std::move(inner));
  return t;
}

std::string StringTest::Key() const {
  std::string key = fmt::format("{}{}", static_cast<int>(kind_), case_insensitive_ ? "i" : "");
  switch (kind_) {
    case Kind::kAny: break;
    case Kind::kEquals:
      for (const std::string& v : values_) key += fmt::format("|{}:{}", v.size(), v);
      break;
    case Kind::kPrefix:
    case Kind::kWildcard:
    case Kind::kRegexp: key += "|" + pattern_; break;
    case Kind::kGeoBox: key += fmt::format("|{}|{}|{}|{}", box_[0], box_[1], box_[2], box_[3]); break;
    case Kind::kIntegers:
      key += fmt::format("|{}|{}", static_cast<int64_t>(std::clamp<__int128>(int_lo_, INT64_MIN, INT64_MAX)),
                         static_cast<int64_t>(std::clamp<__int128>(int_hi_, INT64_MIN, INT64_MAX)));
      for (__int128 v : ints_) key += fmt::format(",{}", static_cast<int64_t>(v));
      break;
    case Kind::kFact: key += fmt::format("|{}|{}", fact_, inner_->Key()); break;
    case Kind::kRange:
      key += fmt::format("|{}{}|{}{}", lo_inclusive_ ? "[" : "(", lo_ ? fmt::format("{}:{}", lo_->size(), *lo_) : "*",
                         hi_inclusive_ ? "]" : ")", hi_ ? fmt::format("{}:{}", hi_->size(), *hi_) : "*");
      break;
  }
  return key;
}

}  // namespace flowdex
