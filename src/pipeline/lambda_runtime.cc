#include "pipeline/lambda_runtime.h"

#include <cstdlib>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "aws/http_client.h"
#include "pipeline/cloudwatch_logs_payload.h"
#include "util/secret_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

constexpr const char* kApiVersion = "2018-06-01";

std::string ErrorJson(const std::string& type, const std::string& message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("errorMessage");
  w.String(message.c_str());
  w.Key("errorType");
  w.String(type.c_str());
  w.Key("stackTrace");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Status Post(HttpClient* http, const std::string& url, const std::string& body, const std::string& error_type,
            HttpResponse* resp) {
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = body;
  req.headers.emplace_back("Content-Type", "application/json");
  if (!error_type.empty()) req.headers.emplace_back("Lambda-Runtime-Function-Error-Type", error_type);
  Status s = http->Send(req, resp);
  if (!s.ok()) return s;
  if (resp->status >= 300) {
    return Status::IoError(
        fmt::format("runtime API {} answered HTTP {}: {}", url, resp->status, resp->body.substr(0, 200)));
  }
  return Status::OK();
}

}  // namespace

Status ParseSqsEvent(std::string_view event, std::vector<SqsEventRecord>* records) {
  records->clear();
  rapidjson::Document doc;
  doc.Parse(event.data(), event.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::InvalidArgument("the event is not a JSON object");
  auto it = doc.FindMember("Records");
  if (it == doc.MemberEnd() || !it->value.IsArray()) {
    return Status::InvalidArgument(
        "the event has no Records and no awslogs: flowdex lambda expects an SQS event source mapping or a "
        "CloudWatch Logs subscription filter");
  }
  for (const auto& r : it->value.GetArray()) {
    if (!r.IsObject()) return Status::InvalidArgument("an event record is not an object");
    auto id = r.FindMember("messageId");
    auto body = r.FindMember("body");
    if (id == r.MemberEnd() || !id->value.IsString() || body == r.MemberEnd() || !body->value.IsString()) {
      return Status::InvalidArgument("an event record has no messageId or body: not an SQS event");
    }
    records->push_back(SqsEventRecord{id->value.GetString(), body->value.GetString()});
  }
  return Status::OK();
}

Status HandleCloudWatchLogsEvent(std::string_view event, ObjectSink* sink, bool* handled, std::string* answer) {
  *handled = false;
  rapidjson::Document doc;
  doc.Parse(event.data(), event.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::OK();
  auto awslogs = doc.FindMember("awslogs");
  if (awslogs == doc.MemberEnd()) return Status::OK();
  *handled = true;
  auto data = awslogs->value.IsObject() ? awslogs->value.FindMember("data") : awslogs->value.MemberEnd();
  if (!awslogs->value.IsObject() || data == awslogs->value.MemberEnd() || !data->value.IsString()) {
    return Status::InvalidArgument("the awslogs event has no data string");
  }
  std::string gz;
  if (!Base64Decode(std::string_view(data->value.GetString(), data->value.GetStringLength()), &gz)) {
    return Status::InvalidArgument("the awslogs data is not base64");
  }
  CloudWatchLogsPayload payload;
  Status s = DecodeCloudWatchLogsData(gz, size_t{256} << 20, &payload);
  if (!s.ok()) return s;
  ObjectResult result;
  std::string key;
  s = StoreCloudWatchLogsPayload(sink, payload, &result, &key);
  if (!s.ok()) return s;
  if (payload.is_control()) {
    fmt::print(stderr, "flowdex lambda: CloudWatch Logs control message from {} (nothing to store)\n",
               payload.log_group);
  } else {
    fmt::print(stderr, "flowdex lambda: {}: {} {} records ({} bad lines{})\n", key,
               result.already_stored ? "already stored," : "stored",
               result.already_stored ? result.duplicates : result.stored, result.bad_lines,
               result.bad_line_samples.empty() ? "" : "; " + result.bad_line_samples.front());
  }
  *answer = fmt::format(R"({{"records":{},"stored":{},"bad_lines":{}}})", payload.events.size(),
                        result.already_stored ? 0 : result.stored, result.bad_lines);
  return Status::OK();
}

Status ReportLambdaInitError(const std::string& runtime_api, const std::string& type, const std::string& message) {
  HttpClient http;
  HttpResponse resp;
  return Post(&http, fmt::format("http://{}/{}/runtime/init/error", runtime_api, kApiVersion), ErrorJson(type, message),
              type, &resp);
}

Status RunLambdaRuntime(ObjectProcessor* processor, const LambdaRuntimeOptions& options) {
  HttpClient http;
  const std::string base = fmt::format("http://{}/{}/runtime/invocation/", options.runtime_api, kApiVersion);
  for (int n = 0; options.max_invocations <= 0 || n < options.max_invocations; ++n) {
    HttpRequest next;
    next.url = base + "next";
    next.timeout_ms = 0;  // blocks until an event arrives: no timeout
    next.max_response_bytes = 8u << 20;
    HttpResponse event;
    Status s = http.Send(next, &event);
    if (!s.ok()) return Status::IoError(fmt::format("runtime API: {}", s.message()));
    if (event.status != 200) return Status::IoError(fmt::format("runtime API next answered HTTP {}", event.status));
    const std::string request_id(event.Header("Lambda-Runtime-Aws-Request-Id"));
    const std::string trace(event.Header("Lambda-Runtime-Trace-Id"));
    if (!trace.empty()) ::setenv("_X_AMZN_TRACE_ID", trace.c_str(), 1);
    const int64_t deadline_ms =
        std::strtoll(std::string(event.Header("Lambda-Runtime-Deadline-Ms")).c_str(), nullptr, 10);
    HttpResponse resp;
    bool cwl = false;
    std::string answer;
    s = HandleCloudWatchLogsEvent(event.body, processor->sink(), &cwl, &answer);
    if (cwl) {
      if (!s.ok()) {
        fmt::print(stderr, "flowdex lambda: invocation {}: {}\n", request_id, s.message());
        s = Post(&http, base + request_id + "/error", ErrorJson("Runtime.HandlerError", std::string(s.message())),
                 "Runtime.HandlerError", &resp);
      } else {
        s = Post(&http, base + request_id + "/response", answer, "", &resp);
      }
      if (!s.ok()) return s;
      continue;
    }
    std::vector<SqsEventRecord> records;
    s = ParseSqsEvent(event.body, &records);
    if (!s.ok()) {
      // A handler error returns the whole batch to the queue.
      fmt::print(stderr, "flowdex lambda: invocation {}: {}\n", request_id, s.message());
      s = Post(&http, base + request_id + "/error", ErrorJson("Runtime.InvalidEvent", std::string(s.message())),
               "Runtime.InvalidEvent", &resp);
      if (!s.ok()) return s;
      continue;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("batchItemFailures");
    w.StartArray();
    size_t failed = 0, unstarted = 0;
    for (const SqsEventRecord& r : records) {
      processor->metrics()->messages_received.fetch_add(1);
      bool ok = false;
      if (deadline_ms > 0 && CurrentTimeMillis() + options.deadline_margin_ms > deadline_ms) {
        ++unstarted;
      } else {
        ok = processor->ProcessMessage(r.message_id, r.body) == MessageOutcome::kDone;
      }
      if (ok) {
        processor->metrics()->messages_deleted.fetch_add(1);
        continue;
      }
      ++failed;
      processor->metrics()->messages_returned.fetch_add(1);
      w.StartObject();
      w.Key("itemIdentifier");
      w.String(r.message_id.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    fmt::print(stderr, "flowdex lambda: invocation {}: {} messages, {} failed ({} not started before the deadline)\n",
               request_id, records.size(), failed, unstarted);
    s = Post(&http, base + request_id + "/response", std::string(buf.GetString(), buf.GetSize()), "", &resp);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace flowdex
