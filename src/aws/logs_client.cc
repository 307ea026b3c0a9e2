#include "aws/logs_client.h"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowdex {

namespace {

// One call of the CloudWatch Logs JSON protocol; *doc holds the answer.
Status CallLogs(const AwsConfig& config, const std::string& action, const std::string& what, std::string body,
                rapidjson::Document* doc, AwsError* error) {
  const std::string region = config.region.empty() ? "us-east-1" : config.region;
  HttpRequest req;
  req.method = "POST";
  req.url =
      (config.logs_endpoint.empty() ? fmt::format("https://logs.{}.amazonaws.com", region) : config.logs_endpoint) +
      "/";
  req.timeout_ms = config.timeout_ms;
  req.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  req.headers.emplace_back("X-Amz-Target", "Logs_20140328." + action);
  req.body = std::move(body);
  HttpResponse response;
  AwsError err;
  Status s = CallAws(config, what, std::move(req), SigV4Scope{region, "logs"}, SigV4Options{}, &response, &err);
  if (error) *error = err;
  if (!s.ok()) {
    if (err.code == "ResourceNotFoundException") return Status::NotFound(s.message());
    return s;
  }
  doc->Parse(response.body.data(), response.body.size());
  if (doc->HasParseError() || !doc->IsObject()) return Status::Corruption(what + ": malformed JSON answer");
  return Status::OK();
}

}  // namespace

Status ListLogStreams(const AwsConfig& config, const std::string& log_group, const std::string& prefix,
                      std::vector<std::string>* streams, AwsError* error) {
  streams->clear();
  std::string token;
  do {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("logGroupName");
    w.String(log_group.c_str(), static_cast<rapidjson::SizeType>(log_group.size()));
    if (!prefix.empty()) {
      w.Key("logStreamNamePrefix");
      w.String(prefix.c_str(), static_cast<rapidjson::SizeType>(prefix.size()));
    }
    if (!token.empty()) {
      w.Key("nextToken");
      w.String(token.c_str(), static_cast<rapidjson::SizeType>(token.size()));
    }
    w.EndObject();
    rapidjson::Document doc;
    Status s = CallLogs(config, "DescribeLogStreams", "CloudWatch Logs DescribeLogStreams " + log_group,
                        std::string(buf.GetString(), buf.GetSize()), &doc, error);
    if (!s.ok()) return s;
    if (auto list = doc.FindMember("logStreams"); list != doc.MemberEnd() && list->value.IsArray()) {
      for (const auto& st : list->value.GetArray()) {
        auto name = st.IsObject() ? st.FindMember("logStreamName") : st.MemberEnd();
        if (st.IsObject() && name != st.MemberEnd() && name->value.IsString())
          streams->push_back(name->value.GetString());
      }
    }
    auto next = doc.FindMember("nextToken");
    std::string next_token = next != doc.MemberEnd() && next->value.IsString() ? next->value.GetString() : "";
    if (next_token == token) break;  // a service that repeats its last token has no more pages
    token = std::move(next_token);
  } while (!token.empty());
  std::sort(streams->begin(), streams->end());
  streams->erase(std::unique(streams->begin(), streams->end()), streams->end());
  return Status::OK();
}

Status FilterLogEvents(const AwsConfig& config, const FilterLogEventsRequest& request, LogEventsPage* page,
                       AwsError* error) {
  *page = LogEventsPage();
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("logGroupName");
  w.String(request.log_group.c_str(), static_cast<rapidjson::SizeType>(request.log_group.size()));
  if (!request.stream_prefix.empty()) {
    w.Key("logStreamNamePrefix");
    w.String(request.stream_prefix.c_str(), static_cast<rapidjson::SizeType>(request.stream_prefix.size()));
  }
  if (!request.stream_name.empty()) {
    w.Key("logStreamNames");
    w.StartArray();
    w.String(request.stream_name.c_str(), static_cast<rapidjson::SizeType>(request.stream_name.size()));
    w.EndArray();
  }
  if (request.start_ms >= 0) {
    w.Key("startTime");
    w.Int64(request.start_ms);
  }
  if (request.end_ms >= 0) {
    w.Key("endTime");
    w.Int64(request.end_ms);
  }
  if (request.limit > 0) {
    w.Key("limit");
    w.Int(request.limit);
  }
  if (!request.next_token.empty()) {
    w.Key("nextToken");
    w.String(request.next_token.c_str(), static_cast<rapidjson::SizeType>(request.next_token.size()));
  }
  w.EndObject();

  rapidjson::Document doc;
  Status s = CallLogs(config, "FilterLogEvents", "CloudWatch Logs FilterLogEvents " + request.log_group,
                      std::string(buf.GetString(), buf.GetSize()), &doc, error);
  if (!s.ok()) return s;
  if (auto t = doc.FindMember("nextToken"); t != doc.MemberEnd() && t->value.IsString()) {
    page->next_token = t->value.GetString();
  }
  auto events = doc.FindMember("events");
  if (events == doc.MemberEnd() || !events->value.IsArray()) return Status::OK();
  page->events.reserve(events->value.Size());
  for (const auto& e : events->value.GetArray()) {
    if (!e.IsObject()) continue;
    LogEvent ev;
    auto str = [&](const char* name, std::string* out) {
      auto it = e.FindMember(name);
      if (it != e.MemberEnd() && it->value.IsString()) out->assign(it->value.GetString(), it->value.GetStringLength());
    };
    str("logStreamName", &ev.log_stream);
    str("eventId", &ev.event_id);
    str("message", &ev.message);
    if (auto ts = e.FindMember("timestamp"); ts != e.MemberEnd() && ts->value.IsInt64()) {
      ev.timestamp_ms = ts->value.GetInt64();
    }
    page->events.push_back(std::move(ev));
  }
  return Status::OK();
}

}  // namespace flowdex
