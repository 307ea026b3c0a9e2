// `flowdex rules`: a thin client of the /_flowdex/rules API, so rules are
// changed where the server keeps them (it holds the store's directory).
#include <cstdio>
#include <iostream>
#include <iterator>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "cli/commands.h"
#include "util/file_util.h"

namespace flowdex {

namespace {

struct Answer {
  long status = 0;
  rapidjson::Document json;
  std::string body;
};

Status Call(const RulesCommandOptions& o, const std::string& method, const std::string& path, const std::string& body,
            Answer* answer) {
  std::string base = o.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpRequest req;
  req.method = method;
  req.url = base + path;
  req.body = body.empty() && method != "GET" ? "{}" : body;
  req.headers.emplace_back("Content-Type", "application/json");
  const std::string auth = ElasticsearchAuthorization(o.user, o.api_key);
  if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
  req.ca_file = o.ca_cert;
  req.insecure = o.insecure;
  req.timeout_ms = 600'000;  // a test over weeks takes a while
  HttpClient client;
  HttpResponse res;
  if (Status s = client.Send(req, &res); !s.ok()) return s;
  answer->status = res.status;
  answer->body = std::move(res.body);
  answer->json.Parse(answer->body.data(), answer->body.size());
  return Status::OK();
}

// The reason of an error answer, or its body.
std::string Reason(const Answer& a) {
  if (a.json.IsObject() && a.json.HasMember("error") && a.json["error"].IsObject() &&
      a.json["error"].HasMember("reason") && a.json["error"]["reason"].IsString()) {
    return a.json["error"]["reason"].GetString();
  }
  return a.body;
}

std::string Str(const rapidjson::Value& v, const char* name) {
  return v.IsObject() && v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

}  // namespace

int RunRulesCommand(const RulesCommandOptions& o) {
  const std::string id_path = "/_flowdex/rules/" + UriEncode(o.id, false);
  std::string method = "GET", path = "/_flowdex/rules", body;
  if (o.action == "show") {
    path = id_path;
  } else if (o.action == "add") {
    if (o.file == "-") {
      body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else if (Status s = ReadWholeFile(o.file, &body); !s.ok()) {
      fmt::print(stderr, "flowdex rules add: {}\n", s.message());
      return 1;
    }
    if (o.id.empty()) {
      method = "POST";
    } else {
      method = "PUT";
      path = id_path;
    }
  } else if (o.action == "test") {
    method = "POST";
    path = id_path + "/_test?from=" + UriEncode(o.from, false) + "&to=" + UriEncode(o.to, false);
  } else if (o.action == "delete") {
    method = "DELETE";
    path = id_path;
  } else if (o.action == "enable" || o.action == "disable") {
    method = "POST";
    path = id_path + "/_" + o.action;
  } else if (o.action == "run") {
    method = "POST";
    path = "/_flowdex/rules/_run?now=" + UriEncode(o.to, false);
  }
  Answer a;
  if (Status s = Call(o, method, path, body, &a); !s.ok()) {
    fmt::print(stderr, "flowdex rules {}: {}: {} (is flowdex serve running there?)\n", o.action, o.url, s.message());
    return 1;
  }
  if (a.status >= 300) {
    fmt::print(stderr, "flowdex rules {}: {} ({})\n", o.action, Reason(a), a.status);
    return 1;
  }
  if (o.json || o.action == "show" || a.json.HasParseError() || !a.json.IsObject()) {
    fmt::print("{}\n", a.body);
    return 0;
  }
  if (o.action == "list") {
    fmt::print("{:<34} {:<8} {:<12} {:<9} {:>7}  {}\n", "ID", "ENABLED", "KIND", "SEVERITY", "ALERTS", "LAST ERROR");
    for (const auto& r : a.json["rules"].GetArray()) {
      const auto& st = r["status"];
      fmt::print("{:<34} {:<8} {:<12} {:<9} {:>7}  {}\n", Str(r, "id"), r["enabled"].GetBool() ? "yes" : "no",
                 Str(r, "kind"), Str(r, "severity"), st["alerts"].GetUint64(), Str(st, "last_error"));
    }
  } else if (o.action == "test") {
    const auto& alerts = a.json["alerts"].GetArray();
    fmt::print(stderr, "flowdex rules test: {} windows from {} to {}: {} alerts ({} ms)\n", a.json["windows"].GetInt(),
               Str(a.json, "from"), Str(a.json, "to"), alerts.Size(), a.json["took"].GetInt64());
    for (const auto& x : alerts) {
      fmt::print("{}  {:<60} {:>12}  {}\n", Str(x, "window_end"), Str(x, "group"), x["value"].GetDouble(),
                 Str(x, "url"));
    }
  } else if (o.action == "run") {
    fmt::print("{} alerts recorded\n", a.json["alerts_recorded"].GetUint64());
  } else {
    fmt::print("{} {}\n", o.action == "add" ? Str(a.json, "result") : "acknowledged",
               o.id.empty() && a.json.HasMember("rule") ? Str(a.json["rule"], "id") : o.id);
  }
  return 0;
}

}  // namespace flowdex
