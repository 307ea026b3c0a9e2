#include "detect/rule.h"

#include <cmath>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using Value = rapidjson::Value;

Status Bad(std::string_view member, std::string_view what) {
  return Status::InvalidArgument(fmt::format("rule [{}]: {}", member, what));
}

Status ReadString(const Value& obj, const char* name, std::string* out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return Status::OK();
  if (!it->value.IsString()) return Bad(name, "must be a string");
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return Status::OK();
}

Status ReadNumber(const Value& obj, const char* name, std::string_view path, double* out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return Status::OK();
  if (!it->value.IsNumber() || !std::isfinite(it->value.GetDouble())) return Bad(path, "must be a number");
  *out = it->value.GetDouble();
  return Status::OK();
}

Status ReadDuration(const Value& obj, const char* name, std::string_view path, int64_t min_ms, int64_t* out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return Status::OK();
  if (!it->value.IsString()) return Bad(path, "must be a duration such as \"10m\"");
  int64_t ms = 0;
  if (!ParseDuration(std::string_view(it->value.GetString(), it->value.GetStringLength()), &ms).ok()) {
    return Bad(path, fmt::format("[{}] is not a duration such as \"10m\"", it->value.GetString()));
  }
  if (ms < min_ms) return Bad(path, fmt::format("must be at least {}", FormatDuration(min_ms)));
  *out = ms;
  return Status::OK();
}

Status ReadStrings(const Value& v, std::string_view path, size_t max, std::vector<std::string>* out) {
  out->clear();
  if (v.IsString()) {
    out->emplace_back(v.GetString(), v.GetStringLength());
  } else if (v.IsArray()) {
    for (const Value& e : v.GetArray()) {
      if (!e.IsString() || e.GetStringLength() == 0) return Bad(path, "must be a list of field names");
      out->emplace_back(e.GetString(), e.GetStringLength());
    }
  } else {
    return Bad(path, "must be a list of field names");
  }
  if (out->size() > max) return Bad(path, fmt::format("takes at most {} fields", max));
  return Status::OK();
}

const Value* Section(const Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() || !it->value.IsObject() ? nullptr : &it->value;
}

Status ParseAction(const Value& v, size_t i, RuleAction* a) {
  const std::string path = fmt::format("actions.{}", i);
  if (!v.IsObject()) return Bad(path, "must be an object");
  std::string type;
  if (Status s = ReadString(v, "type", &type); !s.ok()) return s;
  if (type == "log") {
    a->type = RuleAction::Type::kLog;
  } else if (type == "webhook") {
    a->type = RuleAction::Type::kWebhook;
    if (Status s = ReadString(v, "url", &a->url); !s.ok()) return s;
    if (a->url.rfind("http://", 0) != 0 && a->url.rfind("https://", 0) != 0) {
      return Bad(path + ".url", "must be an http:// or https:// URL");
    }
    if (Status s = ReadDuration(v, "timeout", path + ".timeout", 100, &a->timeout_ms); !s.ok()) return s;
    if (auto it = v.FindMember("verify_tls"); it != v.MemberEnd()) {
      if (!it->value.IsBool()) return Bad(path + ".verify_tls", "must be true or false");
      a->verify_tls = it->value.GetBool();
    }
    if (const Value* headers = Section(v, "headers")) {
      for (const auto& m : headers->GetObject()) {
        if (!m.value.IsString()) return Bad(path + ".headers", "values must be strings");
        a->headers.emplace_back(m.name.GetString(), m.value.GetString());
      }
    }
  } else if (type == "sns") {
    a->type = RuleAction::Type::kSns;
    if (Status s = ReadString(v, "topic_arn", &a->topic_arn); !s.ok()) return s;
    if (a->topic_arn.rfind("arn:", 0) != 0) return Bad(path + ".topic_arn", "must be an SNS topic ARN");
  } else {
    return Bad(path + ".type", fmt::format("[{}] is not one of log, webhook, sns", type));
  }
  return Status::OK();
}

void WriteAction(rapidjson::Writer<rapidjson::StringBuffer>& w, const RuleAction& a) {
  w.StartObject();
  w.Key("type");
  switch (a.type) {
    case RuleAction::Type::kLog: w.String("log"); break;
    case RuleAction::Type::kWebhook:
      w.String("webhook");
      w.Key("url");
      WriteJsonString(w, a.url);
      w.Key("timeout");
      WriteJsonString(w, FormatDuration(a.timeout_ms));
      w.Key("verify_tls");
      w.Bool(a.verify_tls);
      if (!a.headers.empty()) {
        w.Key("headers");
        w.StartObject();
        for (const auto& [k, v] : a.headers) {
          WriteJsonKey(w, k);
          WriteJsonString(w, v);
        }
        w.EndObject();
      }
      break;
    case RuleAction::Type::kSns:
      w.String("sns");
      w.Key("topic_arn");
      WriteJsonString(w, a.topic_arn);
      break;
  }
  w.EndObject();
}

void WriteStrings(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::vector<std::string>& v) {
  w.StartArray();
  for (const std::string& s : v) WriteJsonString(w, s);
  w.EndArray();
}

}  // namespace

const char* RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kThreshold: return "threshold";
    case RuleKind::kCardinality: return "cardinality";
    case RuleKind::kNewTerms: return "new_terms";
    case RuleKind::kSpike: return "spike";
  }
  return "threshold";
}

bool ValidRuleId(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] == '_' || id[0] == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string FormatDuration(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  for (Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (ms != 0 && ms % u.ms == 0) return fmt::format("{}{}", ms / u.ms, u.suffix);
  }
  return fmt::format("{}ms", ms);
}

std::string IsoTime(int64_t ms) {
  char buf[kIso8601MillisLength];
  FormatIso8601Millis(ms, buf);
  return std::string(buf, sizeof(buf));
}

std::vector<std::string> RuleFields(const Rule& rule) {
  std::vector<std::string> fields = rule.group_by;
  switch (rule.kind) {
    case RuleKind::kThreshold:
      if (rule.metric == "sum") fields.push_back(rule.field);
      break;
    case RuleKind::kCardinality: fields.push_back(rule.field); break;
    case RuleKind::kNewTerms:
      fields.insert(fields.end(), rule.new_terms_fields.begin(), rule.new_terms_fields.end());
      break;
    case RuleKind::kSpike: break;
  }
  return fields;
}

Status ParseRule(const std::string& json, const std::string& id, Rule* rule) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return Status::InvalidArgument("rule: the body is not JSON");
  return ParseRule(doc, id, rule);
}

Status ParseRule(const Value& json, const std::string& id, Rule* rule) {
  if (!json.IsObject()) return Status::InvalidArgument("rule: the body must be a JSON object");
  static const char* kKnown[] = {"id",        "name",     "description", "enabled",   "prebuilt",
                                 "kind",      "severity", "index",       "kql",       "query",
                                 "interval",  "window",   "group_by",    "threshold", "cardinality",
                                 "new_terms", "spike",    "throttle",    "actions"};
  for (const auto& m : json.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool known = false;
    for (const char* k : kKnown) known |= name == k;
    if (!known) return Bad(name, "is not a rule setting");
  }
  Rule r;
  if (Status s = ReadString(json, "id", &r.id); !s.ok()) return s;
  if (!id.empty()) r.id = id;
  if (!ValidRuleId(r.id)) {
    return Bad("id", fmt::format("[{}] must be 1-64 of a-z, 0-9, '-' and '_', not starting with '-' or '_'", r.id));
  }
  if (Status s = ReadString(json, "name", &r.name); !s.ok()) return s;
  if (r.name.empty()) r.name = r.id;
  if (Status s = ReadString(json, "description", &r.description); !s.ok()) return s;
  if (auto it = json.FindMember("enabled"); it != json.MemberEnd()) {
    if (!it->value.IsBool()) return Bad("enabled", "must be true or false");
    r.enabled = it->value.GetBool();
  } else {
    r.enabled = true;
  }
  if (auto it = json.FindMember("prebuilt"); it != json.MemberEnd() && it->value.IsBool()) {
    r.prebuilt = it->value.GetBool();
  }
  std::string kind;
  if (Status s = ReadString(json, "kind", &kind); !s.ok()) return s;
  if (kind == "threshold") {
    r.kind = RuleKind::kThreshold;
  } else if (kind == "cardinality") {
    r.kind = RuleKind::kCardinality;
  } else if (kind == "new_terms") {
    r.kind = RuleKind::kNewTerms;
  } else if (kind == "spike") {
    r.kind = RuleKind::kSpike;
  } else {
    return Bad("kind", fmt::format("[{}] is not one of threshold, cardinality, new_terms, spike", kind));
  }
  if (Status s = ReadString(json, "severity", &r.severity); !s.ok()) return s;
  if (r.severity != "low" && r.severity != "medium" && r.severity != "high" && r.severity != "critical") {
    return Bad("severity", fmt::format("[{}] is not one of low, medium, high, critical", r.severity));
  }
  if (Status s = ReadString(json, "index", &r.index); !s.ok()) return s;
  if (Status s = ReadString(json, "kql", &r.kql); !s.ok()) return s;
  if (auto it = json.FindMember("query"); it != json.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsObject()) return Bad("query", "must be a Query DSL object");
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    it->value.Accept(w);
    r.query.assign(buf.GetString(), buf.GetSize());
    if (!r.kql.empty()) return Bad("query", "give either kql or query, not both");
  }
  if (Status s = ReadDuration(json, "interval", "interval", 60'000, &r.interval_ms); !s.ok()) return s;
  r.window_ms = r.interval_ms > r.window_ms ? r.interval_ms : r.window_ms;
  if (json.HasMember("window")) {
    if (Status s = ReadDuration(json, "window", "window", 60'000, &r.window_ms); !s.ok()) return s;
  }
  if (r.window_ms > 31 * 86'400'000LL) return Bad("window", "must be at most 31d");
  if (auto it = json.FindMember("group_by"); it != json.MemberEnd() && !it->value.IsNull()) {
    if (Status s = ReadStrings(it->value, "group_by", 3, &r.group_by); !s.ok()) return s;
  }
  const char* section = RuleKindName(r.kind);
  const Value* params = Section(json, section);
  for (const char* other : {"threshold", "cardinality", "new_terms", "spike"}) {
    if (std::string_view(other) != section && json.HasMember(other)) {
      return Bad(other, fmt::format("does not apply to a {} rule", section));
    }
  }
  const std::string p(section);
  switch (r.kind) {
    case RuleKind::kThreshold:
      if (params == nullptr) return Bad("threshold", "is required: {\"value\": N} and optionally metric and field");
      if (Status s = ReadString(*params, "metric", &r.metric); !s.ok()) return s;
      if (r.metric != "count" && r.metric != "sum") return Bad(p + ".metric", "must be count or sum");
      if (Status s = ReadString(*params, "field", &r.field); !s.ok()) return s;
      if (r.metric == "sum" && r.field.empty()) return Bad(p + ".field", "is required with metric sum");
      if (!params->HasMember("value")) return Bad(p + ".value", "is required");
      if (Status s = ReadNumber(*params, "value", p + ".value", &r.value); !s.ok()) return s;
      if (r.value <= 0) return Bad(p + ".value", "must be above 0");
      break;
    case RuleKind::kCardinality:
      if (params == nullptr) return Bad("cardinality", "is required: {\"field\": F, \"value\": N}");
      if (Status s = ReadString(*params, "field", &r.field); !s.ok()) return s;
      if (r.field.empty()) return Bad(p + ".field", "is required");
      if (!params->HasMember("value")) return Bad(p + ".value", "is required");
      if (Status s = ReadNumber(*params, "value", p + ".value", &r.value); !s.ok()) return s;
      if (r.value < 1) return Bad(p + ".value", "must be at least 1");
      break;
    case RuleKind::kNewTerms: {
      if (params == nullptr) return Bad("new_terms", "is required: {\"fields\": [...], \"history\": \"7d\"}");
      auto it = params->FindMember("fields");
      if (it == params->MemberEnd()) return Bad(p + ".fields", "is required");
      if (Status s = ReadStrings(it->value, p + ".fields", 3, &r.new_terms_fields); !s.ok()) return s;
      if (r.new_terms_fields.empty()) return Bad(p + ".fields", "needs at least one field");
      if (Status s = ReadDuration(*params, "history", p + ".history", 60'000, &r.history_ms); !s.ok()) return s;
      if (r.history_ms > 400 * 86'400'000LL) return Bad(p + ".history", "must be at most 400d");
      break;
    }
    case RuleKind::kSpike:
      if (params != nullptr) {
        double days = r.baseline_days;
        if (Status s = ReadNumber(*params, "baseline_days", p + ".baseline_days", &days); !s.ok()) return s;
        if (days < 1 || days > 60 || days != std::floor(days)) {
          return Bad(p + ".baseline_days", "must be a whole number from 1 to 60");
        }
        r.baseline_days = static_cast<int>(days);
        if (Status s = ReadNumber(*params, "k", p + ".k", &r.spike_k); !s.ok()) return s;
        if (r.spike_k < 0) return Bad(p + ".k", "must be 0 or more");
        if (Status s = ReadNumber(*params, "min_count", p + ".min_count", &r.min_count); !s.ok()) return s;
        if (r.min_count < 1) return Bad(p + ".min_count", "must be at least 1");
      }
      if (r.window_ms > 86'400'000LL) return Bad("window", "of a spike rule must be at most 1d");
      break;
  }
  r.throttle_ms = r.window_ms > r.throttle_ms ? r.window_ms : r.throttle_ms;
  if (json.HasMember("throttle")) {
    if (Status s = ReadDuration(json, "throttle", "throttle", 0, &r.throttle_ms); !s.ok()) return s;
  }
  if (auto it = json.FindMember("actions"); it != json.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsArray()) return Bad("actions", "must be a list");
    if (it->value.Size() > 10) return Bad("actions", "takes at most 10 actions");
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      RuleAction a;
      if (Status s = ParseAction(it->value[i], i, &a); !s.ok()) return s;
      r.actions.push_back(std::move(a));
    }
  }
  *rule = std::move(r);
  return Status::OK();
}

std::string RuleToJson(const Rule& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("id");
  WriteJsonString(w, r.id);
  w.Key("name");
  WriteJsonString(w, r.name);
  if (!r.description.empty()) {
    w.Key("description");
    WriteJsonString(w, r.description);
  }
  w.Key("enabled");
  w.Bool(r.enabled);
  w.Key("prebuilt");
  w.Bool(r.prebuilt);
  w.Key("kind");
  w.String(RuleKindName(r.kind));
  w.Key("severity");
  WriteJsonString(w, r.severity);
  if (!r.index.empty()) {
    w.Key("index");
    WriteJsonString(w, r.index);
  }
  if (!r.kql.empty()) {
    w.Key("kql");
    WriteJsonString(w, r.kql);
  }
  if (!r.query.empty()) {
    w.Key("query");
    w.RawValue(r.query.data(), r.query.size(), rapidjson::kObjectType);
  }
  w.Key("interval");
  WriteJsonString(w, FormatDuration(r.interval_ms));
  w.Key("window");
  WriteJsonString(w, FormatDuration(r.window_ms));
  if (!r.group_by.empty()) {
    w.Key("group_by");
    WriteStrings(w, r.group_by);
  }
  w.Key(RuleKindName(r.kind));
  w.StartObject();
  switch (r.kind) {
    case RuleKind::kThreshold:
      w.Key("metric");
      WriteJsonString(w, r.metric);
      if (!r.field.empty()) {
        w.Key("field");
        WriteJsonString(w, r.field);
      }
      w.Key("value");
      w.Double(r.value);
      break;
    case RuleKind::kCardinality:
      w.Key("field");
      WriteJsonString(w, r.field);
      w.Key("value");
      w.Double(r.value);
      break;
    case RuleKind::kNewTerms:
      w.Key("fields");
      WriteStrings(w, r.new_terms_fields);
      w.Key("history");
      WriteJsonString(w, FormatDuration(r.history_ms));
      break;
    case RuleKind::kSpike:
      w.Key("baseline_days");
      w.Int(r.baseline_days);
      w.Key("k");
      w.Double(r.spike_k);
      w.Key("min_count");
      w.Double(r.min_count);
      break;
  }
  w.EndObject();
  w.Key("throttle");
  WriteJsonString(w, r.throttle_ms == 0 ? "0s" : FormatDuration(r.throttle_ms));
  w.Key("actions");
  w.StartArray();
  for (const RuleAction& a : r.actions) WriteAction(w, a);
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace flowdex
