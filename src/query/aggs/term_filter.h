// TermFilter: which keys a terms aggregation's include and exclude let
// through (regular expressions over the whole key, or exact keys), as
// Elasticsearch's IncludeExclude decides. Collectors ask it once per
// distinct key, so that excluded terms get no buckets at all.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>

#include "query/aggs/aggregation.h"

namespace flowdex {

// A key as text, as include/exclude and keyed responses see it (doubles
// with their ".0").
std::string AggKeyText(const AggKey& key);

class TermFilter {
 public:
  // `ip_keys`: keys are addresses (AggResult::ip_keys).
  TermFilter(const AggRequest& agg, bool ip_keys);

  // False when `agg` has neither include nor exclude (every key passes).
  bool active() const { return active_; }
  // Whether `key` passes include and exclude.
  bool Allows(const AggKey& key) const;

 private:
  const AggRequest& agg_;
  const bool ip_keys_;
  bool active_ = false;
  std::unique_ptr<RE2> include_, exclude_;
};

}  // namespace flowdex
