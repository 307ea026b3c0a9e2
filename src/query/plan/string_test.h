// StringTest: a test on text values, as term, terms, prefix, wildcard,
// regexp, range and exists ask it of a keyword: built once when a query is
// lowered (a regular expression compiled once, case folded once), then
// applied to dictionary entries, tokens or derived values (a protocol's
// name, an address's text) alike, so every keyword behaves the same.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace re2 {
class RE2;
}

namespace flowdex {

class StringTest {
 public:
  enum class Kind : uint8_t { kAny, kEquals, kPrefix, kWildcard, kRegexp, kRange, kGeoBox, kIntegers, kFact };

  // Any value (exists).
  static StringTest Any();
  // One of `values` (ASCII case folded when case_insensitive).
  static StringTest Equals(std::vector<std::string> values, bool case_insensitive);
  static StringTest Prefix(std::string prefix, bool case_insensitive);
  // * any run, ? one character, \ escapes the next.
  static StringTest Wildcard(std::string pattern, bool case_insensitive);
  // The whole value matches the expression (RE2). InvalidArgument when it
  // does not compile.
  static Status Regexp(const std::string& pattern, bool case_insensitive, StringTest* out);
  // Byte-wise bounds; a missing bound is open.
  static StringTest Range(std::optional<std::string> lo, bool lo_inclusive, std::optional<std::string> hi,
                          bool hi_inclusive);

  // Geo points ("lat,lon", as geo_point columns hold them) inside a box;
  // left > right: the box crosses the antimeridian.
  static StringTest GeoBox(double top, double left, double bottom, double right);
  // Decimal integers in [lo, hi], and among `values` when it is not empty.
  static StringTest Integers(__int128 lo, __int128 hi, std::vector<__int128> values);
  // One fact of an address's facts (ExtractFact, src/flowlog/address_facts.h)
  // passing `inner`; an absent fact passes nothing.
  static StringTest OfFact(int fact, StringTest inner);

  bool Matches(std::string_view value) const;

  Kind kind() const { return kind_; }
  bool case_insensitive() const { return case_insensitive_; }
  // kEquals: the values, sorted and unique (folded when case-insensitive).
  const std::vector<std::string>& values() const { return values_; }
  // A canonical text of the test, for cache keys.
  std::string Key() const;

 private:
  Kind kind_ = Kind::kAny;
  bool case_insensitive_ = false;
  std::vector<std::string> values_;
  std::string pattern_;  // kPrefix, kWildcard (folded when case-insensitive), kRegexp (as given)
  std::shared_ptr<const re2::RE2> regexp_;
  std::optional<std::string> lo_, hi_;
  bool lo_inclusive_ = true, hi_inclusive_ = true;
  double box_[4] = {0, 0, 0, 0};             // kGeoBox: top, left, bottom, right
  __int128 int_lo_ = 0, int_hi_ = 0;         // kIntegers
  std::vector<__int128> ints_;               // kIntegers: sorted
  int fact_ = -1;                            // kFact
  std::shared_ptr<const StringTest> inner_;  // kFact
};

// ASCII lower case, as case_insensitive queries fold.
std::string FoldCase(std::string_view s);

}  // namespace flowdex
