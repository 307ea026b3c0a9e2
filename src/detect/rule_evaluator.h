// RuleEvaluator: runs one rule over one window through the Elasticsearch
// API (composite aggregations paged with after_key), so a rule means what
// the same search would mean in Discover, and the engine under it can be
// the embedded store or anything answering _search the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/rapidjson.h>

#include "api/rest.h"
#include "detect/rule.h"
#include "util/json_util.h"
#include "util/status.h"

namespace flowdex {

// Answers one Elasticsearch API request (EsApi::Handle in the server).
using SearchApi = std::function<RestResponse(const RestRequest&)>;

// One group's value for a field: the composite key as JSON ("\"10.0.0.1\"",
// "22") and as text ("10.0.0.1", "22").
struct GroupValue {
  std::string field, json, text;
};

// A group that crossed the rule's line in one window.
struct Finding {
  std::vector<GroupValue> group;  // empty for a rule without groups
  double value = 0;               // count, sum, distinct values, or the window's count (spike)
  double threshold = 0;           // the line it crossed (spike: median + k * MAD)
  double baseline = 0;            // spike: the median of the days before
  int64_t window_start_ms = 0, window_end_ms = 0;
};

// The group's key: "field=value" pairs joined by ", " ("" without groups).
std::string GroupKey(const std::vector<GroupValue>& group);

// KQL that selects the group's flows ("source.ip:\"10.0.0.1\" AND destination.port:22").
std::string GroupKql(const std::vector<GroupValue>& group);

// Writes the finding's members into an open JSON object of any RapidJSON
// writer: "group" (its key), "fields" (field -> value), "value",
// "threshold", and "baseline" for spike rules.
template <typename JsonWriter>
void WriteFindingMembers(JsonWriter& w, const Rule& rule, const Finding& f) {
  w.Key("group");
  WriteJsonString(w, GroupKey(f.group));
  w.Key("fields");
  w.StartObject();
  for (const GroupValue& g : f.group) {
    WriteJsonKey(w, g.field);
    w.RawValue(g.json.data(), g.json.size(), rapidjson::kStringType);
  }
  w.EndObject();
  w.Key("value");
  w.Double(f.value);
  w.Key("threshold");
  w.Double(f.threshold);
  if (rule.kind == RuleKind::kSpike) {
    w.Key("baseline");
    w.Double(f.baseline);
  }
}

struct EvaluationError {
  int status = 0;    // HTTP status of the failed search (0: not a search failure)
  std::string body;  // its Elasticsearch error JSON
};

class RuleEvaluator {
 public:
  // `default_index` is searched by rules without an index of their own.
  RuleEvaluator(SearchApi api, std::string default_index);

  // Evaluates `rule` over [end_ms - window, end_ms) and appends a finding per
  // group at or over the line, ordered by value (highest first). A search
  // that fails returns InvalidArgument with its reason and fills *error with
  // Elasticsearch's answer; more than `max_groups` groups in a window is
  // LimitExceeded.
  Status Evaluate(const Rule& rule, int64_t end_ms, std::vector<Finding>* findings,
                  EvaluationError* error = nullptr) const;

  // Checks that the rule's filter runs and its fields exist in its indices
  // (a count over the last minute): InvalidArgument with Elasticsearch's
  // error in *error otherwise.
  Status Validate(const Rule& rule, EvaluationError* error) const;

  size_t max_groups = 1'000'000;
  size_t page_size = 10'000;

 private:
  struct Bucket {
    std::vector<GroupValue> key;
    double doc_count = 0;
    double metric = 0;
  };
  std::string IndexOf(const Rule& rule) const;
  // The rule's filter and a time range, as a bool query's JSON; `extra` is
  // one more filter clause ("" : none).
  static std::string FilterJson(const Rule& rule, int64_t start_ms, int64_t end_ms, const std::string& extra);
  // Every bucket of a composite aggregation over `fields` of the flows the
  // filter selects, with the sum of `sum_field` when given.
  Status Scan(const Rule& rule, const std::string& filter, const std::vector<std::string>& fields,
              const std::string& sum_field, std::vector<Bucket>* out, EvaluationError* error) const;
  // The groups with at least `min_count` flows, found with nested terms
  // aggregations and min_doc_count (far fewer buckets than a composite over
  // every group). False in *complete when a level was cut off at its size:
  // the caller must then look at every group.
  Status GroupsWithAtLeast(const Rule& rule, const std::string& filter, double min_count, std::vector<Bucket>* out,
                           bool* complete, EvaluationError* error) const;
  // A terms query on `field` for the distinct values (JSON) of `values`.
  static std::string TermsFilter(const std::string& field, const std::vector<std::string>& values);
  Status Post(const std::string& index, const std::string& body, std::string* answer, EvaluationError* error) const;

  Status Threshold(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                   EvaluationError* error) const;
  Status Cardinality(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                     EvaluationError* error) const;
  Status NewTerms(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                  EvaluationError* error) const;
  Status Spike(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out, EvaluationError* error) const;

  SearchApi api_;
  std::string default_index_;
};

}  // namespace flowdex
