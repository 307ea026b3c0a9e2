#include "detect/rule_evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/json_util.h"

namespace flowdex {

namespace {

constexpr int64_t kDayMs = 86'400'000;

std::string ValueJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ValueText(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  return ValueJson(v);
}

// The reason of an Elasticsearch error answer ("" when there is none).
std::string ErrorReason(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return body.substr(0, 200);
  auto e = doc.FindMember("error");
  if (e == doc.MemberEnd()) return "";
  if (e->value.IsString()) return e->value.GetString();
  if (!e->value.IsObject()) return "";
  // The root cause says more than "all shards failed".
  if (auto rc = e->value.FindMember("root_cause");
      rc != e->value.MemberEnd() && rc->value.IsArray() && !rc->value.Empty() && rc->value[0].IsObject()) {
    if (auto r = rc->value[0].FindMember("reason"); r != rc->value[0].MemberEnd() && r->value.IsString()) {
      return r->value.GetString();
    }
  }
  if (auto r = e->value.FindMember("reason"); r != e->value.MemberEnd() && r->value.IsString()) {
    return r->value.GetString();
  }
  return "";
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void SortFindings(std::vector<Finding>* out, size_t from) {
  std::stable_sort(out->begin() + static_cast<std::ptrdiff_t>(from), out->end(),
                   [](const Finding& a, const Finding& b) { return a.value > b.value; });
}

}  // namespace

std::string GroupKey(const std::vector<GroupValue>& group) {
  std::string key;
  for (const GroupValue& g : group) {
    if (!key.empty()) key += ", ";
    key += g.field;
    key += '=';
    key += g.text;
  }
  return key;
}

std::string GroupKql(const std::vector<GroupValue>& group) {
  std::string kql;
  for (const GroupValue& g : group) {
    if (!kql.empty()) kql += " AND ";
    kql += g.field;
    kql += ':';
    // Numbers as they are; everything else quoted, so addresses and names
    // with KQL's special characters stay one value.
    const bool number = !g.json.empty() && g.json[0] != '"';
    if (number) {
      kql += g.text;
    } else {
      kql += '"';
      for (char c : g.text) {
        if (c == '"' || c == '\\') kql += '\\';
        kql += c;
      }
      kql += '"';
    }
  }
  return kql;
}

RuleEvaluator::RuleEvaluator(SearchApi api, std::string default_index)
    : api_(std::move(api)), default_index_(std::move(default_index)) {}

std::string RuleEvaluator::IndexOf(const Rule& rule) const { return rule.index.empty() ? default_index_ : rule.index; }

std::string RuleEvaluator::FilterJson(const Rule& rule, int64_t start_ms, int64_t end_ms, const std::string& extra) {
  std::string f = "{\"bool\":{\"filter\":[";
  f += fmt::format(R"({{"range":{{"@timestamp":{{"gte":{},"lt":{},"format":"epoch_millis"}}}}}})", start_ms, end_ms);
  if (!rule.kql.empty()) f += ",{\"kql\":{\"query\":" + JsonQuote(rule.kql) + "}}";
  if (!rule.query.empty()) f += "," + rule.query;
  if (!extra.empty()) f += "," + extra;
  f += "]}}";
  return f;
}

Status RuleEvaluator::Post(const std::string& index, const std::string& body, std::string* answer,
                           EvaluationError* error) const {
  RestRequest req;
  req.method = "POST";
  req.path = "/" + index + "/_search";
  req.params["allow_no_indices"] = "true";
  req.params["ignore_unavailable"] = "true";
  req.headers["content-type"] = "application/json";
  req.body = body;
  RestResponse res = api_(req);
  if (res.status != 200) {
    if (error != nullptr) {
      error->status = res.status;
      error->body = res.body;
    }
    return Status::InvalidArgument(
        fmt::format("search of [{}] failed ({}): {}", index, res.status, ErrorReason(res.body)));
  }
  *answer = std::move(res.body);
  return Status::OK();
}

Status RuleEvaluator::Scan(const Rule& rule, const std::string& filter, const std::vector<std::string>& fields,
                           const std::string& sum_field, std::vector<Bucket>* out, EvaluationError* error) const {
  const std::string sub = sum_field.empty() ? "" : R"(,"aggs":{"m":{"sum":{"field":)" + JsonQuote(sum_field) + "}}}";
  if (fields.empty()) {
    // One group: the total and the sum.
    std::string body = R"({"size":0,"track_total_hits":true,"query":)" + filter;
    if (!sum_field.empty()) body += sub;
    body += "}";
    std::string answer;
    if (Status s = Post(IndexOf(rule), body, &answer, error); !s.ok()) return s;
    rapidjson::Document doc;
    doc.Parse(answer.data(), answer.size());
    if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("search answer is not JSON");
    Bucket b;
    if (auto h = doc.FindMember("hits"); h != doc.MemberEnd() && h->value.IsObject()) {
      if (auto t = h->value.FindMember("total"); t != h->value.MemberEnd() && t->value.IsObject()) {
        if (auto v = t->value.FindMember("value"); v != t->value.MemberEnd() && v->value.IsNumber()) {
          b.doc_count = v->value.GetDouble();
        }
      }
    }
    if (auto a = doc.FindMember("aggregations"); a != doc.MemberEnd() && a->value.IsObject()) {
      if (auto m = a->value.FindMember("m"); m != a->value.MemberEnd() && m->value.IsObject()) {
        if (auto v = m->value.FindMember("value"); v != m->value.MemberEnd() && v->value.IsNumber()) {
          b.metric = v->value.GetDouble();
        }
      }
    }
    if (b.doc_count > 0) out->push_back(std::move(b));
    return Status::OK();
  }
  std::string sources = "[";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) sources += ',';
    sources += fmt::format(R"({{"f{}":{{"terms":{{"field":{}}}}}}})", i, JsonQuote(fields[i]));
  }
  sources += "]";
  std::string after;
  const size_t first = out->size();
  while (true) {
    std::string body = R"({"size":0,"track_total_hits":false,"query":)" + filter +
                       fmt::format(R"(,"aggs":{{"g":{{"composite":{{"size":{},"sources":{})", page_size, sources);
    if (!after.empty()) body += ",\"after\":" + after;
    body += "}" + sub + "}}}";
    std::string answer;
    if (Status s = Post(IndexOf(rule), body, &answer, error); !s.ok()) return s;
    rapidjson::Document doc;
    doc.Parse(answer.data(), answer.size());
    if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("search answer is not JSON");
    auto a = doc.FindMember("aggregations");
    if (a == doc.MemberEnd() || !a->value.IsObject()) return Status::OK();  // no index: no flows
    auto g = a->value.FindMember("g");
    if (g == a->value.MemberEnd() || !g->value.IsObject()) return Status::OK();
    auto buckets = g->value.FindMember("buckets");
    if (buckets == g->value.MemberEnd() || !buckets->value.IsArray()) return Status::OK();
    for (const auto& bucket : buckets->value.GetArray()) {
      Bucket b;
      auto key = bucket.FindMember("key");
      if (key == bucket.MemberEnd() || !key->value.IsObject()) continue;
      for (size_t i = 0; i < fields.size(); ++i) {
        auto k = key->value.FindMember(fmt::format("f{}", i).c_str());
        if (k == key->value.MemberEnd()) break;
        b.key.push_back(GroupValue{fields[i], ValueJson(k->value), ValueText(k->value)});
      }
      if (b.key.size() != fields.size()) continue;
      if (auto c = bucket.FindMember("doc_count"); c != bucket.MemberEnd() && c->value.IsNumber()) {
        b.doc_count = c->value.GetDouble();
      }
      if (auto m = bucket.FindMember("m"); m != bucket.MemberEnd() && m->value.IsObject()) {
        if (auto v = m->value.FindMember("value"); v != m->value.MemberEnd() && v->value.IsNumber()) {
          b.metric = v->value.GetDouble();
        }
      }
      out->push_back(std::move(b));
    }
    if (out->size() - first > max_groups) {
      return Status::LimitExceeded(fmt::format(
          "rule [{}]: more than {} groups in one window; narrow its filter or group_by", rule.id, max_groups));
    }
    auto ak = g->value.FindMember("after_key");
    if (ak == g->value.MemberEnd() || buckets->value.Size() < page_size) return Status::OK();
    after = ValueJson(ak->value);
  }
}

std::string RuleEvaluator::TermsFilter(const std::string& field, const std::vector<std::string>& values) {
  std::set<std::string> distinct(values.begin(), values.end());
  std::string terms = "{\"terms\":{" + JsonQuote(field) + ":[";
  bool first = true;
  for (const std::string& v : distinct) {
    if (!first) terms += ',';
    first = false;
    terms += v;
  }
  return terms + "]}}";
}

Status RuleEvaluator::GroupsWithAtLeast(const Rule& rule, const std::string& filter, double min_count,
                                        std::vector<Bucket>* out, bool* complete, EvaluationError* error) const {
  constexpr size_t kLevelSize = 10'000;
  const std::vector<std::string>& fields = rule.group_by;
  std::string aggs;
  for (size_t i = fields.size(); i-- > 0;) {
    aggs =
        fmt::format(R"({{"l{}":{{"terms":{{"field":{},"size":{},"min_doc_count":{}}}{}}}}})", i, JsonQuote(fields[i]),
                    kLevelSize, static_cast<int64_t>(std::ceil(min_count)), aggs.empty() ? "" : ",\"aggs\":" + aggs);
  }
  const std::string body = R"({"size":0,"track_total_hits":false,"query":)" + filter + ",\"aggs\":" + aggs + "}";
  std::string answer;
  if (Status s = Post(IndexOf(rule), body, &answer, error); !s.ok()) return s;
  rapidjson::Document doc;
  doc.Parse(answer.data(), answer.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("search answer is not JSON");
  *complete = true;
  auto a = doc.FindMember("aggregations");
  if (a == doc.MemberEnd() || !a->value.IsObject()) return Status::OK();
  std::vector<GroupValue> key;
  // Walks level `level` of the nested buckets under `parent`.
  std::function<void(const rapidjson::Value&, size_t)> walk = [&](const rapidjson::Value& parent, size_t level) {
    auto agg = parent.FindMember(fmt::format("l{}", level).c_str());
    if (agg == parent.MemberEnd() || !agg->value.IsObject()) return;
    auto buckets = agg->value.FindMember("buckets");
    if (buckets == agg->value.MemberEnd() || !buckets->value.IsArray()) return;
    if (buckets->value.Size() >= kLevelSize) *complete = false;
    for (const auto& b : buckets->value.GetArray()) {
      auto k = b.FindMember("key");
      if (k == b.MemberEnd()) continue;
      // Booleans and dates are keyed by numbers with their text beside them.
      auto ks = b.FindMember("key_as_string");
      const rapidjson::Value& kv = ks != b.MemberEnd() && k->value.IsNumber() ? ks->value : k->value;
      key.push_back(GroupValue{fields[level], ValueJson(kv), ValueText(kv)});
      if (level + 1 == fields.size()) {
        Bucket out_bucket;
        out_bucket.key = key;
        if (auto c = b.FindMember("doc_count"); c != b.MemberEnd() && c->value.IsNumber()) {
          out_bucket.doc_count = c->value.GetDouble();
        }
        out->push_back(std::move(out_bucket));
      } else {
        walk(b, level + 1);
      }
      key.pop_back();
    }
  };
  walk(a->value, 0);
  return Status::OK();
}

Status RuleEvaluator::Validate(const Rule& rule, EvaluationError* error) const {
  // A count over no time at all runs the filter through the parser; each
  // field the rule groups or measures by must be known to field_caps.
  std::string answer;
  const std::string body = R"({"size":0,"track_total_hits":false,"query":)" + FilterJson(rule, 0, 1, "") + "}";
  if (Status s = Post(IndexOf(rule), body, &answer, error); !s.ok()) return s;
  const std::vector<std::string> fields = RuleFields(rule);
  if (fields.empty()) return Status::OK();
  RestRequest req;
  req.method = "GET";
  req.path = "/" + IndexOf(rule) + "/_field_caps";
  req.params["allow_no_indices"] = "true";
  req.params["ignore_unavailable"] = "true";
  std::string list;
  for (const std::string& f : fields) list += (list.empty() ? "" : ",") + f;
  req.params["fields"] = list;
  RestResponse res = api_(req);
  if (res.status != 200) {
    if (error != nullptr) {
      error->status = res.status;
      error->body = res.body;
    }
    return Status::InvalidArgument(ErrorReason(res.body));
  }
  rapidjson::Document doc;
  doc.Parse(res.body.data(), res.body.size());
  std::set<std::string> known;
  if (doc.IsObject()) {
    if (auto f = doc.FindMember("fields"); f != doc.MemberEnd() && f->value.IsObject()) {
      for (const auto& m : f->value.GetObject()) known.insert(m.name.GetString());
    }
  }
  for (const std::string& f : fields) {
    if (!known.count(f)) {
      return Status::InvalidArgument(
          fmt::format("rule [{}]: no field [{}] in [{}] to group or count by", rule.id, f, IndexOf(rule)));
    }
  }
  return Status::OK();
}

Status RuleEvaluator::Evaluate(const Rule& rule, int64_t end_ms, std::vector<Finding>* findings,
                               EvaluationError* error) const {
  const int64_t start_ms = end_ms - rule.window_ms;
  const size_t first = findings->size();
  Status s;
  switch (rule.kind) {
    case RuleKind::kThreshold: s = Threshold(rule, start_ms, end_ms, findings, error); break;
    case RuleKind::kCardinality: s = Cardinality(rule, start_ms, end_ms, findings, error); break;
    case RuleKind::kNewTerms: s = NewTerms(rule, start_ms, end_ms, findings, error); break;
    case RuleKind::kSpike: s = Spike(rule, start_ms, end_ms, findings, error); break;
  }
  if (!s.ok()) {
    findings->resize(first);
    return s;
  }
  for (size_t i = first; i < findings->size(); ++i) {
    (*findings)[i].window_start_ms = start_ms;
    (*findings)[i].window_end_ms = end_ms;
  }
  SortFindings(findings, first);
  return Status::OK();
}

Status RuleEvaluator::Threshold(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                                EvaluationError* error) const {
  std::vector<Bucket> buckets;
  const bool sum = rule.metric == "sum";
  // (For small values nearly every group qualifies: one composite is cheaper.)
  if (!sum && !rule.group_by.empty() && rule.value >= 20) {
    bool complete = false;
    if (Status s = GroupsWithAtLeast(rule, FilterJson(rule, start, end, ""), rule.value, &buckets, &complete, error);
        !s.ok()) {
      return s;
    }
    if (complete) {
      for (Bucket& b : buckets) out->push_back(Finding{std::move(b.key), b.doc_count, rule.value, 0, 0, 0});
      return Status::OK();
    }
    buckets.clear();
  }
  if (Status s = Scan(rule, FilterJson(rule, start, end, ""), rule.group_by, sum ? rule.field : "", &buckets, error);
      !s.ok()) {
    return s;
  }
  for (Bucket& b : buckets) {
    const double v = sum ? b.metric : b.doc_count;
    if (v >= rule.value) out->push_back(Finding{std::move(b.key), v, rule.value, 0, 0, 0});
  }
  return Status::OK();
}

Status RuleEvaluator::Cardinality(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                                  EvaluationError* error) const {
  // Exact: one composite bucket per (group, value), counted per group.
  std::vector<std::string> fields = rule.group_by;
  fields.push_back(rule.field);
  // A group needs at least `value` flows to have `value` distinct values:
  // those groups are found first, and only their flows are scanned.
  std::string extra;
  std::unordered_set<std::string> candidates;
  if (!rule.group_by.empty() && rule.value >= 20) {
    std::vector<Bucket> groups;
    bool complete = false;
    if (Status s = GroupsWithAtLeast(rule, FilterJson(rule, start, end, ""), rule.value, &groups, &complete, error);
        !s.ok()) {
      return s;
    }
    if (complete) {
      if (groups.empty()) return Status::OK();
      std::vector<std::string> first_values;
      for (const Bucket& g : groups) {
        candidates.insert(GroupKey(g.key));
        first_values.push_back(g.key[0].json);
      }
      extra = TermsFilter(rule.group_by[0], first_values);
    }
  }
  std::vector<Bucket> buckets;
  if (Status s = Scan(rule, FilterJson(rule, start, end, extra), fields, "", &buckets, error); !s.ok()) return s;
  // Composite buckets come sorted by key, so a group's values are adjacent.
  size_t i = 0;
  while (i < buckets.size()) {
    size_t j = i;
    auto same_group = [&](const Bucket& a, const Bucket& b) {
      for (size_t k = 0; k + 1 < fields.size(); ++k) {
        if (a.key[k].json != b.key[k].json) return false;
      }
      return true;
    };
    while (j < buckets.size() && same_group(buckets[i], buckets[j])) ++j;
    const double distinct = static_cast<double>(j - i);
    std::vector<GroupValue> group(buckets[i].key.begin(), buckets[i].key.end() - 1);
    if (distinct >= rule.value && (extra.empty() || candidates.count(GroupKey(group)))) {
      out->push_back(Finding{std::move(group), distinct, rule.value, 0, 0, 0});
    }
    i = j;
  }
  return Status::OK();
}

Status RuleEvaluator::NewTerms(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                               EvaluationError* error) const {
  std::vector<std::string> fields = rule.group_by;
  fields.insert(fields.end(), rule.new_terms_fields.begin(), rule.new_terms_fields.end());
  std::vector<Bucket> now;
  if (Status s = Scan(rule, FilterJson(rule, start, end, ""), fields, "", &now, error); !s.ok()) return s;
  if (now.empty()) return Status::OK();
  // The history, restricted to the first field's values seen now, in chunks
  // well under Elasticsearch's 65,536 terms per query.
  std::unordered_set<std::string> seen;
  constexpr size_t kChunk = 10'000;
  std::vector<std::string> values;
  {
    std::set<std::string> distinct;
    for (const Bucket& b : now) distinct.insert(b.key[0].json);
    values.assign(distinct.begin(), distinct.end());
  }
  for (size_t from = 0; from < values.size(); from += kChunk) {
    const std::string terms = TermsFilter(
        fields[0],
        std::vector<std::string>(values.begin() + static_cast<std::ptrdiff_t>(from),
                                 values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), from + kChunk))));
    std::vector<Bucket> past;
    if (Status s = Scan(rule, FilterJson(rule, start - rule.history_ms, start, terms), fields, "", &past, error);
        !s.ok()) {
      return s;
    }
    for (const Bucket& b : past) seen.insert(GroupKey(b.key));
  }
  for (Bucket& b : now) {
    if (!seen.count(GroupKey(b.key))) out->push_back(Finding{std::move(b.key), b.doc_count, 0, 0, 0, 0});
  }
  return Status::OK();
}

Status RuleEvaluator::Spike(const Rule& rule, int64_t start, int64_t end, std::vector<Finding>* out,
                            EvaluationError* error) const {
  std::vector<Bucket> now;
  if (Status s = Scan(rule, FilterJson(rule, start, end, ""), rule.group_by, "", &now, error); !s.ok()) return s;
  // Only groups that could fire need a baseline.
  std::unordered_map<std::string, size_t> index;
  std::vector<Bucket> candidates;
  for (Bucket& b : now) {
    if (b.doc_count >= rule.min_count) {
      index.emplace(GroupKey(b.key), candidates.size());
      candidates.push_back(std::move(b));
    }
  }
  if (candidates.empty()) return Status::OK();
  std::string extra;
  if (!rule.group_by.empty() && candidates.size() <= 10'000) {
    std::vector<std::string> first_values;
    for (const Bucket& b : candidates) first_values.push_back(b.key[0].json);
    extra = TermsFilter(rule.group_by[0], first_values);
  }
  // Without flows on at least half the baseline days (a store younger than
  // its baseline) there is nothing to call usual: no spike is judged.
  int days_with_data = 0;
  for (int d = 1; d <= rule.baseline_days; ++d) {
    Rule any = rule;  // any flow at all, the rule's filter aside
    any.group_by.clear();
    any.kql.clear();
    any.query.clear();
    std::vector<Bucket> total;
    if (Status s = Scan(any, FilterJson(any, start - d * kDayMs, end - d * kDayMs, ""), {}, "", &total, error);
        !s.ok()) {
      return s;
    }
    days_with_data += total.empty() ? 0 : 1;
  }
  if (2 * days_with_data < rule.baseline_days) return Status::OK();
  // history[c][d]: candidate c's count d+1 days before (0 when absent).
  std::vector<std::vector<double>> history(candidates.size(), std::vector<double>(rule.baseline_days, 0.0));
  for (int d = 1; d <= rule.baseline_days; ++d) {
    std::vector<Bucket> past;
    if (Status s =
            Scan(rule, FilterJson(rule, start - d * kDayMs, end - d * kDayMs, extra), rule.group_by, "", &past, error);
        !s.ok()) {
      return s;
    }
    for (const Bucket& b : past) {
      auto it = index.find(GroupKey(b.key));
      if (it != index.end()) history[it->second][d - 1] = b.doc_count;
    }
  }
  for (size_t c = 0; c < candidates.size(); ++c) {
    const double median = Median(history[c]);
    std::vector<double> deviations;
    for (double x : history[c]) deviations.push_back(std::fabs(x - median));
    // MAD scaled to a standard deviation, floored by counting noise (a
    // quiet baseline of zeros must not make one flow a spike).
    const double spread = std::max({1.4826 * Median(deviations), std::sqrt(median), 1.0});
    const double line = median + rule.spike_k * spread;
    if (candidates[c].doc_count > line) {
      out->push_back(Finding{std::move(candidates[c].key), candidates[c].doc_count, line, median, 0, 0});
    }
  }
  return Status::OK();
}

}  // namespace flowdex
