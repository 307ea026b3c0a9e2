#include "detect/detection_api.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/api_util.h"
#include "api/es_exception.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

constexpr std::string_view kRules = "/_flowdex/rules";
constexpr std::string_view kAlerts = "/_flowdex/alerts";

using api::Json;

RestResponse Error(const Status& s) { return ErrorResponse(FromStatus(s)); }

// A failed validation: the search's own Elasticsearch error when there is
// one (a KQL syntax error reads as it would in _search), else the Status's.
RestResponse ValidationError(const Status& s, const EvaluationError& e) {
  if (e.status >= 400 && !e.body.empty()) return Json(e.status, e.body);
  return Error(s);
}

RestResponse MethodNotAllowed(const RestRequest& req, const char* allowed) {
  EsException e = MakeEsException(
      "method_not_allowed",
      fmt::format("Incorrect HTTP method for uri [{}] and method [{}], allowed: [{}]", req.path, req.method, allowed),
      405);
  RestResponse r = ErrorResponse(e);
  r.headers.emplace_back("Allow", allowed);
  return r;
}

std::string RuleWithStatus(const Rule& rule, const RuleRunStatus& st) {
  std::string json = RuleToJson(rule);
  json.pop_back();  // the closing brace
  json += ",\"status\":{";
  json += fmt::format("\"alerts\":{},\"last_took_ms\":{:.1f}", st.alerts, st.last_took_ms);
  if (st.last_end_ms > 0) json += ",\"last_window_end\":" + JsonQuote(IsoTime(st.last_end_ms));
  if (st.last_run_ms > 0) json += ",\"last_run\":" + JsonQuote(IsoTime(st.last_run_ms));
  if (!st.last_error.empty()) json += ",\"last_error\":" + JsonQuote(st.last_error);
  json += "}}";
  return json;
}

// A point in time from a URL parameter: an ISO date as Elasticsearch reads
// them ("2027-03-01T12:00:00.000Z"), Unix seconds, or now-24h.
Status ParseApiTime(const std::string& name, const std::string& text, int64_t now_ms, int64_t* ms) {
  if (ParseIsoDate(text, ms)) return Status::OK();
  int64_t seconds = 0;
  if (Status s = ParseTimeArg(text, now_ms / 1000, &seconds); !s.ok()) {
    return Status::InvalidArgument("[" + name + "]: " + std::string(s.message()));
  }
  *ms = seconds * 1000;
  return Status::OK();
}

Status ReadRange(const RestRequest& req, int64_t now_ms, int64_t* from_ms, int64_t* to_ms) {
  if (Status s = ParseApiTime("from", req.Param("from", "now-24h"), now_ms, from_ms); !s.ok()) return s;
  return ParseApiTime("to", req.Param("to", "now"), now_ms, to_ms);
}

RestResponse TestAnswer(DetectionEngine* engine, const Rule& rule, const RestRequest& req) {
  int64_t from_ms = 0, to_ms = 0;
  if (Status s = ReadRange(req, engine->Now(), &from_ms, &to_ms); !s.ok()) return Error(s);
  std::vector<Finding> fired;
  int windows = 0;
  EvaluationError error;
  const int64_t t0 = CurrentTimeMillis();
  Status s = engine->TestRule(rule, from_ms, to_ms, &fired, &windows, &error);
  if (!s.ok()) return ValidationError(s, error);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("rule");
  WriteJsonString(w, rule.id);
  w.Key("from");
  WriteJsonString(w, IsoTime(from_ms));
  w.Key("to");
  WriteJsonString(w, IsoTime(to_ms));
  w.Key("windows");
  w.Int(windows);
  w.Key("took");
  w.Int64(CurrentTimeMillis() - t0);
  w.Key("alerts");
  w.StartArray();
  for (const Finding& f : fired) {
    w.StartObject();
    WriteFindingMembers(w, rule, f);
    w.Key("window_start");
    WriteJsonString(w, IsoTime(f.window_start_ms));
    w.Key("window_end");
    WriteJsonString(w, IsoTime(f.window_end_ms));
    w.Key("url");
    WriteJsonString(w, engine->DiscoverUrl(rule, f));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Json(200, std::string(buf.GetString(), buf.GetSize()));
}

RestResponse ListAlerts(DetectionEngine* engine, const RestRequest& req) {
  int64_t size = 100;
  const std::string size_text = req.Param("size", "100");
  try {
    size = std::stoll(size_text);
  } catch (...) {
    size = -1;
  }
  if (size < 0 || size > 10'000) {
    return Error(Status::InvalidArgument(fmt::format("[size] must be from 0 to 10000, not [{}]", size_text)));
  }
  std::string filters;
  auto add = [&](const std::string& clause) { filters += (filters.empty() ? "" : ",") + clause; };
  if (req.HasParam("rule")) add("{\"term\":{\"rule.id\":" + JsonQuote(req.Param("rule")) + "}}");
  if (req.HasParam("severity")) add("{\"term\":{\"flowdex.alert.severity\":" + JsonQuote(req.Param("severity")) + "}}");
  if (req.HasParam("from")) {
    int64_t from_ms = 0;
    if (Status s = ParseApiTime("from", req.Param("from"), engine->Now(), &from_ms); !s.ok()) return Error(s);
    add(fmt::format(R"({{"range":{{"@timestamp":{{"gte":{},"format":"epoch_millis"}}}}}})", from_ms));
  }
  RestRequest search;
  search.method = "POST";
  search.path = "/" + engine->options().alerts_index + "/_search";
  search.params["ignore_unavailable"] = "true";
  search.params["allow_no_indices"] = "true";
  search.headers["content-type"] = "application/json";
  search.body = fmt::format(
      R"({{"size":{},"track_total_hits":true,"sort":[{{"@timestamp":"desc"}},{{"event.end":"desc"}}],"query":{{"bool":{{"filter":[{}]}}}},)"
      R"("aggs":{{"by_rule":{{"terms":{{"field":"rule.id","size":100}}}},"by_severity":{{"terms":{{"field":"flowdex.alert.severity"}}}}}}}})",
      size, filters);
  RestResponse res = engine->api()(search);
  if (res.status != 200) return res;
  rapidjson::Document doc;
  doc.Parse(res.body.data(), res.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("hits") || !doc["hits"].IsObject()) return res;
  const rapidjson::Value& hits = doc["hits"];
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("total");
  const rapidjson::Value* total =
      hits.HasMember("total") && hits["total"].IsObject() && hits["total"].HasMember("value") ? &hits["total"]["value"]
                                                                                              : nullptr;
  w.Int64(total != nullptr && total->IsInt64() ? total->GetInt64() : 0);
  w.Key("alerts");
  w.StartArray();
  if (hits.HasMember("hits") && hits["hits"].IsArray()) {
    for (const auto& hit : hits["hits"].GetArray()) {
      if (!hit.IsObject() || !hit.HasMember("_source") || !hit["_source"].IsObject()) continue;
      w.StartObject();
      w.Key("id");
      if (hit.HasMember("_id")) {
        hit["_id"].Accept(w);
      } else {
        w.Null();
      }
      for (const auto& m : hit["_source"].GetObject()) {
        w.Key(m.name.GetString(), m.name.GetStringLength());
        m.value.Accept(w);
      }
      w.EndObject();
    }
  }
  w.EndArray();
  const rapidjson::Value* aggs =
      doc.HasMember("aggregations") && doc["aggregations"].IsObject() ? &doc["aggregations"] : nullptr;
  for (const char* agg : {"by_rule", "by_severity"}) {
    w.Key(agg);
    w.StartObject();
    if (aggs != nullptr && aggs->HasMember(agg) && (*aggs)[agg].HasMember("buckets")) {
      for (const auto& b : (*aggs)[agg]["buckets"].GetArray()) {
        if (!b["key"].IsString()) continue;
        w.Key(b["key"].GetString(), b["key"].GetStringLength());
        w.Int64(b["doc_count"].GetInt64());
      }
    }
    w.EndObject();
  }
  w.EndObject();
  return Json(200, std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace

bool IsDetectionPath(const std::string& path) {
  auto under = [&](std::string_view prefix) {
    return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
  };
  return under(kRules) || under(kAlerts);
}

RestResponse HandleDetectionRequest(DetectionEngine* engine, const RestRequest& req) {
  std::vector<std::string> parts;
  {
    size_t i = 1;
    while (i <= req.path.size()) {
      const size_t j = req.path.find('/', i);
      const std::string part = req.path.substr(i, j == std::string::npos ? std::string::npos : j - i);
      if (!part.empty()) parts.push_back(part);
      if (j == std::string::npos) break;
      i = j + 1;
    }
  }
  // parts[0] == "_flowdex"
  if (parts.size() >= 2 && parts[1] == "alerts") {
    if (parts.size() != 2) return Error(Status::NotFound("no such endpoint: " + req.path));
    if (req.method != "GET") return MethodNotAllowed(req, "GET");
    return ListAlerts(engine, req);
  }
  if (parts.size() == 2) {
    if (req.method == "GET") {
      std::string body = "{\"rules\":[";
      bool first = true;
      for (const Rule& r : engine->Rules()) {
        Rule rule;
        RuleRunStatus st;
        if (!engine->GetRule(r.id, &rule, &st).ok()) continue;
        if (!first) body += ',';
        first = false;
        body += RuleWithStatus(rule, st);
      }
      body += "]}";
      return Json(200, std::move(body));
    }
    if (req.method == "POST") {
      Rule rule;
      if (Status s = ParseRule(req.body, "", &rule); !s.ok()) return Error(s);
      bool created = false;
      EvaluationError error;
      if (Status s = engine->PutRule(rule, true, &created, &error); !s.ok()) return ValidationError(s, error);
      return Json(201, "{\"result\":\"created\",\"rule\":" + RuleToJson(rule) + "}");
    }
    return MethodNotAllowed(req, "GET,POST");
  }
  const std::string& id = parts[2];
  if (parts.size() == 3 && id == "_run") {
    if (req.method != "POST") return MethodNotAllowed(req, "POST");
    int64_t now_ms = 0;
    if (Status s = ParseApiTime("now", req.Param("now", "now"), engine->Now(), &now_ms); !s.ok()) return Error(s);
    const uint64_t before = engine->alerts_recorded();
    engine->RunCycle(now_ms);
    return Json(200, fmt::format(R"({{"acknowledged":true,"now":{},"alerts_recorded":{}}})", JsonQuote(IsoTime(now_ms)),
                                 engine->alerts_recorded() - before));
  }
  if (parts.size() == 3 && id == "_test") {
    if (req.method != "POST") return MethodNotAllowed(req, "POST");
    Rule rule;
    if (Status s = ParseRule(req.body, "", &rule); !s.ok()) return Error(s);
    return TestAnswer(engine, rule, req);
  }
  if (parts.size() == 3) {
    if (req.method == "GET") {
      Rule rule;
      RuleRunStatus st;
      if (Status s = engine->GetRule(id, &rule, &st); !s.ok()) return Error(s);
      return Json(200, RuleWithStatus(rule, st));
    }
    if (req.method == "PUT") {
      Rule rule;
      if (Status s = ParseRule(req.body, id, &rule); !s.ok()) return Error(s);
      bool created = false;
      EvaluationError error;
      if (Status s = engine->PutRule(rule, false, &created, &error); !s.ok()) return ValidationError(s, error);
      Rule stored;
      (void)engine->GetRule(id, &stored);
      return Json(created ? 201 : 200, fmt::format("{{\"result\":\"{}\",\"rule\":{}}}", created ? "created" : "updated",
                                                   RuleToJson(stored)));
    }
    if (req.method == "DELETE") {
      if (Status s = engine->DeleteRule(id); !s.ok()) return Error(s);
      return Json(200, "{\"acknowledged\":true}");
    }
    return MethodNotAllowed(req, "GET,PUT,DELETE");
  }
  if (parts.size() == 4) {
    const std::string& op = parts[3];
    if (req.method != "POST") return MethodNotAllowed(req, "POST");
    if (op == "_enable" || op == "_disable") {
      EvaluationError error;
      if (Status s = engine->SetEnabled(id, op == "_enable", &error); !s.ok()) return ValidationError(s, error);
      Rule rule;
      (void)engine->GetRule(id, &rule);
      return Json(200, "{\"acknowledged\":true,\"rule\":" + RuleToJson(rule) + "}");
    }
    if (op == "_test") {
      Rule rule;
      if (Status s = engine->GetRule(id, &rule); !s.ok()) return Error(s);
      return TestAnswer(engine, rule, req);
    }
  }
  return Error(Status::NotFound("no such endpoint: " + req.path));
}

}  // namespace flowdex
