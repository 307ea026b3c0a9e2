#include "query/aggs/term_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace flowdex {

std::string AggKeyText(const AggKey& key) {
  if (std::holds_alternative<std::string>(key)) return std::get<std::string>(key);
  if (std::holds_alternative<int64_t>(key)) return std::to_string(std::get<int64_t>(key));
  if (std::holds_alternative<double>(key)) {
    const double d = std::get<double>(key);
    return std::trunc(d) == d && std::fabs(d) < 1e15 ? fmt::format("{:.1f}", d) : fmt::format("{}", d);
  }
  return "null";
}

TermFilter::TermFilter(const AggRequest& agg, bool ip_keys) : agg_(agg), ip_keys_(ip_keys) {
  if (!agg.include_regex.empty()) include_ = std::make_unique<RE2>(agg.include_regex, RE2::Quiet);
  if (!agg.exclude_regex.empty()) exclude_ = std::make_unique<RE2>(agg.exclude_regex, RE2::Quiet);
  active_ = include_ || exclude_ || !agg.include_values.empty() || !agg.exclude_values.empty();
}

bool TermFilter::Allows(const AggKey& key) const {
  if (!active_) return true;
  const std::string text = ip_keys_ ? IpKeyText(key) : AggKeyText(key);
  if (include_ && !RE2::FullMatch(text, *include_)) return false;
  if (exclude_ && RE2::FullMatch(text, *exclude_)) return false;
  if (!agg_.include_values.empty() &&
      std::find(agg_.include_values.begin(), agg_.include_values.end(), text) == agg_.include_values.end()) {
    return false;
  }
  return std::find(agg_.exclude_values.begin(), agg_.exclude_values.end(), text) == agg_.exclude_values.end();
}

}  // namespace flowdex
