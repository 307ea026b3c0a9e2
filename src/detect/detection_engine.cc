#include "detect/detection_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "aws/sigv4.h"
#include "detect/prebuilt_rules.h"
#include "util/file_util.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Elasticsearch's risk-score-like number for a severity (ECS event.severity).
int SeverityNumber(const std::string& severity) {
  if (severity == "low") return 21;
  if (severity == "medium") return 47;
  if (severity == "high") return 73;
  return 99;
}

std::string FormatValue(double v) {
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:.4g}", v);
}

// What the finding means, in one line.
std::string Describe(const Rule& rule, const Finding& f) {
  std::string what;
  switch (rule.kind) {
    case RuleKind::kThreshold:
      what = rule.metric == "sum"
                 ? fmt::format("sum of {} {} >= {}", rule.field, FormatValue(f.value), FormatValue(f.threshold))
                 : fmt::format("{} flows >= {}", FormatValue(f.value), FormatValue(f.threshold));
      break;
    case RuleKind::kCardinality:
      what = fmt::format("{} distinct {} >= {}", FormatValue(f.value), rule.field, FormatValue(f.threshold));
      break;
    case RuleKind::kNewTerms:
      what = fmt::format("first seen in {} ({} flows)", FormatDuration(rule.history_ms), FormatValue(f.value));
      break;
    case RuleKind::kSpike:
      what = fmt::format("{} flows against a usual {} (line {})", FormatValue(f.value), FormatValue(f.baseline),
                         FormatValue(std::ceil(f.threshold)));
      break;
  }
  const std::string group = GroupKey(f.group);
  return fmt::format("[{}] {}: {}{}{} in {} ending {}", rule.severity, rule.name, group, group.empty() ? "" : ": ",
                     what, FormatDuration(rule.window_ms), IsoTime(f.window_end_ms));
}

}  // namespace

DetectionEngine::DetectionEngine(SearchApi api, DetectionOptions options, std::unique_ptr<AlertNotifier> notifier)
    : api_(api),
      options_(std::move(options)),
      notifier_(std::move(notifier)),
      evaluator_(std::move(api), options_.flow_index) {}

DetectionEngine::~DetectionEngine() { Stop(); }

int64_t DetectionEngine::Now() const { return options_.clock ? options_.clock() : CurrentTimeMillis(); }

Status DetectionEngine::Open() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return Status::IoError(options_.dir + ": " + ec.message());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Status s = LoadLocked(); !s.ok()) return s;
    bool changed = false;
    for (Rule& r : PrebuiltRules()) {
      if (!rules_.count(r.id)) {
        rules_.emplace(r.id, std::move(r));
        changed = true;
      }
    }
    for (const std::string& name : options_.enable) {
      bool found = false;
      for (auto& [id, rule] : rules_) {
        if (name == id || (name == "all" && rule.prebuilt)) {
          found = true;
          changed |= !rule.enabled;
          rule.enabled = true;
        }
      }
      if (!found) return Status::InvalidArgument(fmt::format("--enable-rules: no rule [{}]", name));
    }
    if (changed) {
      if (Status s = SaveRulesLocked(); !s.ok()) return s;
    }
  }
  return Status::OK();
}

Status DetectionEngine::EnsureAlertsIndex() {
  RestRequest head;
  head.method = "HEAD";
  head.path = "/" + options_.alerts_index;
  if (api_(head).status == 200) return Status::OK();
  // Keywords where Elasticsearch's dynamic mapping would make text, so
  // alerts group and filter as people expect.
  RestRequest put;
  put.method = "PUT";
  put.path = "/" + options_.alerts_index;
  put.headers["content-type"] = "application/json";
  put.body = R"({"mappings":{"properties":{
    "@timestamp":{"type":"date"},"message":{"type":"text"},
    "event":{"properties":{"kind":{"type":"keyword"},"severity":{"type":"long"},"start":{"type":"date"},"end":{"type":"date"}}},
    "rule":{"properties":{"id":{"type":"keyword"},"name":{"type":"keyword"},"description":{"type":"text"},"category":{"type":"keyword"}}},
    "flowdex":{"properties":{"alert":{"properties":{
      "severity":{"type":"keyword"},"group":{"type":"keyword"},"kql":{"type":"keyword"},"url":{"type":"keyword"},
      "value":{"type":"double"},"threshold":{"type":"double"},"baseline":{"type":"double"}}}}}}}})";
  RestResponse res = api_(put);
  if (res.status == 200 || res.status == 201) return Status::OK();
  if (res.body.find("resource_already_exists_exception") != std::string::npos) return Status::OK();
  return Status::IoError(fmt::format("cannot create the alerts index [{}]: {}", options_.alerts_index, res.body));
}

Status DetectionEngine::LoadLocked() {
  const std::string rules_path = options_.dir + "/rules.json";
  std::string text;
  if (std::filesystem::exists(rules_path)) {
    if (Status s = ReadWholeFile(rules_path, &text); !s.ok()) return s;
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("rules") || !doc["rules"].IsArray()) {
      return Status::Corruption(rules_path + ": not a rules file");
    }
    for (const auto& v : doc["rules"].GetArray()) {
      Rule r;
      if (Status s = ParseRule(v, "", &r); !s.ok())
        return Status::Corruption(rules_path + ": " + std::string(s.message()));
      rules_[r.id] = std::move(r);
    }
  }
  const std::string state_path = options_.dir + "/state.json";
  if (!std::filesystem::exists(state_path)) return Status::OK();
  if (Status s = ReadWholeFile(state_path, &text); !s.ok()) return s;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption(state_path + ": not a state file");
  if (auto rules = doc.FindMember("rules"); rules != doc.MemberEnd() && rules->value.IsObject()) {
    for (const auto& m : rules->value.GetObject()) {
      RuleState st;
      const auto& v = m.value;
      if (!v.IsObject()) continue;
      if (v.HasMember("last_end") && v["last_end"].IsInt64()) st.last_end_ms = v["last_end"].GetInt64();
      if (v.HasMember("late_checked") && v["late_checked"].IsInt64()) st.late_checked_ms = v["late_checked"].GetInt64();
      if (v.HasMember("generation") && v["generation"].IsUint64()) st.generation = v["generation"].GetUint64();
      if (v.HasMember("throttle") && v["throttle"].IsObject()) {
        for (const auto& t : v["throttle"].GetObject()) {
          if (t.value.IsInt64()) st.throttle[t.name.GetString()] = t.value.GetInt64();
        }
      }
      state_[m.name.GetString()] = std::move(st);
    }
  }
  if (auto out = doc.FindMember("outbox"); out != doc.MemberEnd() && out->value.IsArray()) {
    for (const auto& v : out->value.GetArray()) {
      if (!v.IsObject()) continue;
      OutboxEntry e;
      auto str = [&](const char* k) {
        return v.HasMember(k) && v[k].IsString() ? std::string(v[k].GetString(), v[k].GetStringLength())
                                                 : std::string();
      };
      e.alert_id = str("alert_id");
      e.rule_id = str("rule_id");
      e.text = str("text");
      e.alert_json = str("alert");
      if (v.HasMember("action") && v["action"].IsUint()) e.action = v["action"].GetUint();
      if (v.HasMember("attempts") && v["attempts"].IsInt()) e.attempts = v["attempts"].GetInt();
      if (v.HasMember("next") && v["next"].IsInt64()) e.next_ms = v["next"].GetInt64();
      outbox_.push_back(std::move(e));
    }
  }
  return Status::OK();
}

namespace {

// Rules and state may hold webhook URLs and headers, which carry tokens:
// readable by the server's user only.
Status WritePrivateFile(const std::string& path, std::string_view contents) {
  Status s = WriteFileAtomically(path, contents);
  if (s.ok() && ::chmod(path.c_str(), 0600) != 0) return Status::FromErrno(path, errno);
  return s;
}

}  // namespace

Status DetectionEngine::SaveRulesLocked() const {
  std::string text = "{\"rules\":[\n";
  bool first = true;
  for (const auto& [id, rule] : rules_) {
    if (!first) text += ",\n";
    first = false;
    text += RuleToJson(rule);
  }
  text += "\n]}\n";
  return WritePrivateFile(options_.dir + "/rules.json", text);
}

Status DetectionEngine::SaveStateLocked() const {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("rules");
  w.StartObject();
  for (const auto& [id, st] : state_) {
    WriteJsonKey(w, id);
    w.StartObject();
    w.Key("last_end");
    w.Int64(st.last_end_ms);
    w.Key("late_checked");
    w.Int64(st.late_checked_ms);
    w.Key("generation");
    w.Uint64(st.generation);
    w.Key("throttle");
    w.StartObject();
    for (const auto& [key, end] : st.throttle) {
      WriteJsonKey(w, key);
      w.Int64(end);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.Key("outbox");
  w.StartArray();
  for (const OutboxEntry& e : outbox_) {
    w.StartObject();
    w.Key("alert_id");
    WriteJsonString(w, e.alert_id);
    w.Key("rule_id");
    WriteJsonString(w, e.rule_id);
    w.Key("action");
    w.Uint64(e.action);
    w.Key("attempts");
    w.Int(e.attempts);
    w.Key("next");
    w.Int64(e.next_ms);
    w.Key("text");
    WriteJsonString(w, e.text);
    w.Key("alert");
    WriteJsonString(w, e.alert_json);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return WritePrivateFile(options_.dir + "/state.json", std::string_view(buf.GetString(), buf.GetSize()));
}

std::vector<Rule> DetectionEngine::Rules() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Rule> out;
  for (const auto& [id, r] : rules_) out.push_back(r);
  return out;
}

Status DetectionEngine::GetRule(const std::string& id, Rule* rule, RuleRunStatus* status) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rules_.find(id);
  if (it == rules_.end()) return Status::NotFound(fmt::format("rule [{}] not found", id));
  *rule = it->second;
  if (status != nullptr) {
    auto s = status_.find(id);
    *status = s == status_.end() ? RuleRunStatus{} : s->second;
    auto st = state_.find(id);
    if (st != state_.end()) status->last_end_ms = st->second.last_end_ms;
  }
  return Status::OK();
}

Status DetectionEngine::PutRule(Rule rule, bool create, bool* created, EvaluationError* error) {
  if (rule.enabled) {
    if (Status s = evaluator_.Validate(rule, error); !s.ok()) return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rules_.find(rule.id);
  if (it != rules_.end() && create) {
    return Status::AlreadyExists(fmt::format("rule [{}] already exists", rule.id));
  }
  *created = it == rules_.end();
  if (it != rules_.end()) {
    rule.prebuilt = it->second.prebuilt;
    // A changed rule starts its schedule afresh; its throttle stays.
    state_[rule.id].last_end_ms = 0;
  } else {
    rule.prebuilt = false;
  }
  rules_[rule.id] = std::move(rule);
  if (Status s = SaveRulesLocked(); !s.ok()) return s;
  return SaveStateLocked();
}

Status DetectionEngine::DeleteRule(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rules_.find(id);
  if (it == rules_.end()) return Status::NotFound(fmt::format("rule [{}] not found", id));
  if (it->second.prebuilt) {
    return Status::InvalidArgument(fmt::format("rule [{}] is prebuilt: disable it instead of deleting it", id));
  }
  rules_.erase(it);
  state_.erase(id);
  status_.erase(id);
  if (Status s = SaveRulesLocked(); !s.ok()) return s;
  return SaveStateLocked();
}

Status DetectionEngine::SetEnabled(const std::string& id, bool enabled, EvaluationError* error) {
  Rule rule;
  if (Status s = GetRule(id, &rule); !s.ok()) return s;
  if (enabled) {
    if (Status s = evaluator_.Validate(rule, error); !s.ok()) return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rules_.find(id);
  if (it == rules_.end()) return Status::NotFound(fmt::format("rule [{}] not found", id));
  if (it->second.enabled == enabled) return Status::OK();
  it->second.enabled = enabled;
  if (enabled) state_[id].last_end_ms = 0;  // from now on, not from when it was turned off
  if (Status s = SaveRulesLocked(); !s.ok()) return s;
  return SaveStateLocked();
}

Status DetectionEngine::TestRule(const Rule& rule, int64_t from_ms, int64_t to_ms, std::vector<Finding>* fired,
                                 int* windows, EvaluationError* error) const {
  if (to_ms <= from_ms) return Status::InvalidArgument("the test range is empty");
  const int64_t step = rule.interval_ms;
  if ((to_ms - from_ms) / step > 10'000) {
    return Status::InvalidArgument("the test range holds more than 10,000 windows of the rule's interval");
  }
  if (Status s = evaluator_.Validate(rule, error); !s.ok()) return s;
  std::map<std::string, int64_t> throttle;
  *windows = 0;
  for (int64_t end = (from_ms / step + 1) * step; end <= to_ms; end += step) {
    std::vector<Finding> findings;
    if (Status s = evaluator_.Evaluate(rule, end, &findings, error); !s.ok()) return s;
    ++*windows;
    for (Finding& f : findings) {
      const std::string key = GroupKey(f.group);
      auto it = throttle.find(key);
      if (it != throttle.end() && end - it->second < rule.throttle_ms) continue;
      throttle[key] = end;
      fired->push_back(std::move(f));
    }
  }
  return Status::OK();
}

std::string DetectionEngine::DiscoverUrl(const Rule& rule, const Finding& f) const {
  std::string kql = GroupKql(f.group);
  if (!rule.kql.empty()) kql = kql.empty() ? rule.kql : "(" + rule.kql + ") AND " + kql;
  // The rule's own indices when it names some (Discover's default is logs-*).
  const std::string index = rule.index.empty() ? "" : "&index=" + UriEncode(rule.index, false);
  return fmt::format("{}/_ui/#/discover?q={}&from={}&to={}{}", options_.ui_url, UriEncode(kql, false),
                     IsoTime(f.window_start_ms), IsoTime(f.window_end_ms), index);
}

bool DetectionEngine::RecordAlert(const Rule& rule, const Finding& f, int64_t now_ms, std::string* id,
                                  std::string* text, std::string* json, bool* existed) {
  const std::string group = GroupKey(f.group);
  *id = fmt::format("{}-{}-{}", rule.id, f.window_end_ms, Sha256Hex(group).substr(0, 16));
  *text = Describe(rule, f);
  std::string kql = GroupKql(f.group);
  if (!rule.kql.empty()) kql = kql.empty() ? rule.kql : "(" + rule.kql + ") AND " + kql;
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("@timestamp");
  WriteJsonString(w, IsoTime(now_ms));
  w.Key("message");
  WriteJsonString(w, *text);
  w.Key("event");
  w.StartObject();
  w.Key("kind");
  w.String("alert");
  w.Key("severity");
  w.Int(SeverityNumber(rule.severity));
  w.Key("start");
  WriteJsonString(w, IsoTime(f.window_start_ms));
  w.Key("end");
  WriteJsonString(w, IsoTime(f.window_end_ms));
  w.EndObject();
  w.Key("rule");
  w.StartObject();
  w.Key("id");
  WriteJsonString(w, rule.id);
  w.Key("name");
  WriteJsonString(w, rule.name);
  if (!rule.description.empty()) {
    w.Key("description");
    WriteJsonString(w, rule.description);
  }
  w.Key("category");
  w.String(RuleKindName(rule.kind));
  w.EndObject();
  w.Key("flowdex");
  w.StartObject();
  w.Key("alert");
  w.StartObject();
  w.Key("severity");
  WriteJsonString(w, rule.severity);
  WriteFindingMembers(w, rule, f);
  w.Key("kql");
  WriteJsonString(w, kql);
  w.Key("url");
  WriteJsonString(w, DiscoverUrl(rule, f));
  w.EndObject();
  w.EndObject();
  w.EndObject();
  json->assign(buf.GetString(), buf.GetSize());

  // The index is made with the first alert, so a store without alerts
  // shows no index of flowdex's own.
  if (!alerts_index_ready_) {
    if (Status s = EnsureAlertsIndex(); !s.ok()) {
      fmt::print(stderr, "flowdex detections: {}\n", s.message());
      return false;
    }
    alerts_index_ready_ = true;
  }
  RestRequest req;
  req.method = "PUT";
  req.path = "/" + options_.alerts_index + "/_create/" + *id;
  req.params["refresh"] = "true";
  req.headers["content-type"] = "application/json";
  req.body = *json;
  RestResponse res = api_(req);
  *existed = res.status == 409;
  if (res.status == 200 || res.status == 201 || res.status == 409) return true;
  fmt::print(stderr, "flowdex detections: rule [{}]: cannot record an alert ({}): {}\n", rule.id, res.status,
             res.body.substr(0, 300));
  return false;
}

void DetectionEngine::EvaluateRule(const Rule& rule, const std::vector<int64_t>& ends, uint64_t generation,
                                   int64_t now_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string error;
  int64_t done_end = 0;
  for (int64_t end : ends) {
    std::vector<Finding> findings;
    Status s = evaluator_.Evaluate(rule, end, &findings);
    if (!s.ok()) {
      error = s.message();
      break;
    }
    bool recorded_all = true;
    for (const Finding& f : findings) {
      const std::string key = GroupKey(f.group);
      {
        std::lock_guard<std::mutex> lock(mu_);
        const RuleState& st = state_[rule.id];
        auto it = st.throttle.find(key);
        if (it != st.throttle.end() && std::llabs(end - it->second) < rule.throttle_ms) continue;
      }
      std::string id, text, json;
      bool existed = false;
      if (!RecordAlert(rule, f, now_ms, &id, &text, &json, &existed)) {
        recorded_all = false;
        error = "the alert could not be recorded";
        break;
      }
      std::lock_guard<std::mutex> lock(mu_);
      RuleState& st = state_[rule.id];
      st.throttle[key] = std::max(st.throttle[key], end);
      if (!existed) {
        ++alerts_recorded_;
        ++status_[rule.id].alerts;
      }
      // Also when the document existed: a crash may have come between
      // writing it and saving the outbox (delivery is at least once).
      for (size_t a = 0; a < rule.actions.size(); ++a) {
        outbox_.push_back(OutboxEntry{id, rule.id, a, 0, 0, text, json});
      }
      if (Status ss = SaveStateLocked(); !ss.ok()) {
        fmt::print(stderr, "flowdex detections: cannot save the state: {}\n", ss.message());
      }
    }
    if (!recorded_all) break;
    done_end = std::max(done_end, end);
  }
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(mu_);
  RuleState& st = state_[rule.id];
  if (done_end > st.last_end_ms) st.last_end_ms = done_end;
  if (error.empty()) st.generation = generation;
  // Throttle entries older than the throttle period can never suppress again.
  for (auto it = st.throttle.begin(); it != st.throttle.end();) {
    it = st.last_end_ms - it->second > rule.throttle_ms + options_.late_ms ? st.throttle.erase(it) : std::next(it);
  }
  RuleRunStatus& rs = status_[rule.id];
  rs.last_run_ms = now_ms;
  rs.last_took_ms = took;
  if (!error.empty() && error != rs.last_error) {
    fmt::print(stderr, "flowdex detections: rule [{}]: {}\n", rule.id, error);
  }
  rs.last_error = error;
  if (Status s = SaveStateLocked(); !s.ok()) {
    fmt::print(stderr, "flowdex detections: cannot save the state: {}\n", s.message());
  }
}

void DetectionEngine::RunCycle(int64_t now_ms) {
  std::lock_guard<std::mutex> cycle(cycle_mu_);
  const uint64_t generation = options_.data_generation ? options_.data_generation() : 0;
  std::vector<std::pair<Rule, std::vector<int64_t>>> work;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, rule] : rules_) {
      if (!rule.enabled) continue;
      RuleState& st = state_[id];
      const int64_t step = rule.interval_ms;
      const int64_t due = now_ms / step * step;
      std::vector<int64_t> ends;
      if (st.last_end_ms == 0) {
        ends.push_back(due);  // a new rule starts now
      } else {
        for (int64_t e = std::max(st.last_end_ms + step, (due - options_.catch_up_ms) / step * step); e <= due;
             e += step) {
          ends.push_back(e);
        }
      }
      // Flows arrive minutes after they happen: when data came in since the
      // last evaluation, windows already evaluated are looked at again (once
      // per interval), so a file delivered late still counts.
      if (st.last_end_ms != 0 && generation != st.generation && due - st.late_checked_ms >= step) {
        std::vector<int64_t> late;
        for (int64_t e = std::max(st.last_end_ms - options_.late_ms, (due - options_.late_ms) / step * step);
             e <= std::min(st.last_end_ms, due); e += step) {
          if (e > 0) late.push_back(e);
        }
        st.late_checked_ms = due;
        ends.insert(ends.begin(), late.begin(), late.end());
      }
      if (!ends.empty()) work.emplace_back(rule, std::move(ends));
    }
  }
  for (const auto& [rule, ends] : work) EvaluateRule(rule, ends, generation, Now());
  DeliverDue(Now());
}

void DetectionEngine::DeliverDue(int64_t now_ms) {
  // One delivery pass at a time (the thread's and a _run's): an entry is
  // never sent twice at once.
  std::lock_guard<std::mutex> delivering(deliver_mu_);
  std::vector<OutboxEntry> due;
  std::map<std::string, Rule> rules;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const OutboxEntry& e : outbox_) {
      if (e.next_ms <= now_ms) due.push_back(e);
    }
    rules = rules_;
  }
  if (due.empty()) return;
  std::vector<std::pair<std::string, size_t>> done;  // delivered or given up
  std::vector<OutboxEntry> retry;
  for (OutboxEntry& e : due) {
    auto r = rules.find(e.rule_id);
    if (r == rules.end() || e.action >= r->second.actions.size()) {
      done.emplace_back(e.alert_id, e.action);  // the rule or its action is gone
      continue;
    }
    Status s = notifier_->Deliver(r->second.actions[e.action], AlertMessage{e.alert_id, e.text, e.alert_json});
    if (s.ok()) {
      done.emplace_back(e.alert_id, e.action);
      continue;
    }
    ++e.attempts;
    const bool retryable = s.code() != Status::Code::kInvalidArgument;
    if (!retryable || e.attempts >= options_.max_delivery_attempts) {
      ++deliveries_failed_;
      fmt::print(stderr, "flowdex detections: rule [{}]: action {} gave up on alert {} after {} attempts: {}\n",
                 e.rule_id, e.action, e.alert_id, e.attempts, s.message());
      done.emplace_back(e.alert_id, e.action);
      continue;
    }
    const int64_t backoff = std::min<int64_t>(int64_t{1000} << std::min(e.attempts - 1, 20), 300'000);
    e.next_ms = now_ms + backoff;
    fmt::print(stderr,
               "flowdex detections: rule [{}]: action {} failed for alert {} (attempt {}), retrying in {}: {}\n",
               e.rule_id, e.action, e.alert_id, e.attempts, FormatDuration(backoff), s.message());
    retry.push_back(e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<OutboxEntry> kept;
  for (OutboxEntry& e : outbox_) {
    bool finished = false;
    for (const auto& [id, action] : done) finished |= e.alert_id == id && e.action == action;
    for (const OutboxEntry& r : retry) {
      if (r.alert_id == e.alert_id && r.action == e.action) {
        e.attempts = r.attempts;
        e.next_ms = r.next_ms;
      }
    }
    if (!finished) kept.push_back(std::move(e));
  }
  outbox_ = std::move(kept);
  if (Status s = SaveStateLocked(); !s.ok()) {
    fmt::print(stderr, "flowdex detections: cannot save the state: {}\n", s.message());
  }
}

void DetectionEngine::Start() {
  std::lock_guard<std::mutex> lock(wake_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void DetectionEngine::Stop() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DetectionEngine::Loop() {
  // The schedule every tick; the outbox every second (retries are due
  // sooner than a long tick).
  int64_t next_cycle = 0;
  while (true) {
    const int64_t now = Now();
    if (now >= next_cycle) {
      RunCycle(now);
      next_cycle = now + options_.tick_ms;
    } else {
      DeliverDue(now);
    }
    std::unique_lock<std::mutex> lock(wake_mu_);
    const int64_t wait = std::clamp<int64_t>(next_cycle - Now(), 1, 1000);
    if (wake_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stop_; })) return;
  }
}

}  // namespace flowdex
