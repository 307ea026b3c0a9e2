// Rule: one detection, as stored and as the /_flowdex/rules API reads and
// writes it (docs/detections.md). A rule selects flows with a KQL or DSL
// filter, evaluates them over a sliding window per group, and says what to
// do when the group crosses its line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "util/status.h"

namespace flowdex {

enum class RuleKind : uint8_t {
  kThreshold,    // count / sum of a field per group >= value
  kCardinality,  // distinct values of a field per group >= value
  kNewTerms,     // a value (combination) not seen in the history before the window
  kSpike,        // the window's count against the same window on previous days
};

const char* RuleKindName(RuleKind kind);

struct RuleAction {
  enum class Type : uint8_t { kLog, kWebhook, kSns };
  Type type = Type::kLog;
  std::string url;                                           // webhook
  std::string topic_arn;                                     // sns
  std::vector<std::pair<std::string, std::string>> headers;  // webhook, sent as given
  int64_t timeout_ms = 10'000;                               // webhook, per attempt
  bool verify_tls = true;                                    // webhook
};

struct Rule {
  std::string id;  // [a-z0-9_-]{1,64}
  std::string name, description;
  bool enabled = false;
  bool prebuilt = false;  // shipped with flowdex: may be edited and disabled, not deleted
  RuleKind kind = RuleKind::kThreshold;
  std::string severity = "medium";  // low, medium, high, critical
  std::string index;                // the indices searched ("" : the flows)
  std::string kql;                  // one of kql and query (DSL JSON) or neither (every flow)
  std::string query;
  int64_t interval_ms = 5 * 60'000;   // evaluated every interval, windows ending on its multiples
  int64_t window_ms = 10 * 60'000;    // look-back of each evaluation
  std::vector<std::string> group_by;  // at most 3 fields; none: one group
  // threshold: "count" or "sum" (of `field`); cardinality and new_terms: the field(s).
  std::string metric = "count";
  std::string field;
  std::vector<std::string> new_terms_fields;
  double value = 0;                       // threshold and cardinality: fire when >= value
  int64_t history_ms = 7 * 86'400'000LL;  // new_terms: the look-back before the window
  int baseline_days = 7;                  // spike: same window on each of these days before
  double spike_k = 3;                     // spike: fire above median + k * MAD (scaled)
  double min_count = 10;                  // spike: and at least this many flows
  int64_t throttle_ms = 60 * 60'000;      // one alert per group per this much data time
  std::vector<RuleAction> actions;        // none: alerts are only recorded
};

// Reads a rule from its JSON form; `id` (from the URL) wins over a body id.
// InvalidArgument names the member and what is wrong.
Status ParseRule(const rapidjson::Value& json, const std::string& id, Rule* rule);
Status ParseRule(const std::string& json, const std::string& id, Rule* rule);

// The rule as JSON (the form ParseRule reads), with durations as text ("10m").
std::string RuleToJson(const Rule& rule);

// Whether `id` is a valid rule id.
bool ValidRuleId(const std::string& id);

// The fields the rule reads for its groups and values (for validation).
std::vector<std::string> RuleFields(const Rule& rule);

// A duration in the shortest whole unit ("90s", "10m", "1h", "7d").
std::string FormatDuration(int64_t ms);

// "2027-01-01T00:10:00.000Z" for milliseconds since the epoch.
std::string IsoTime(int64_t ms);

}  // namespace flowdex
