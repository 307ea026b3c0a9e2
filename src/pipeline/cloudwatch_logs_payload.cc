#include "pipeline/cloudwatch_logs_payload.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "io/gzip_source.h"
#include "io/memory_source.h"

namespace flowdex {

bool IsGzip(std::string_view bytes) {
  return GzipSource::LooksLikeGzip(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

Status Gunzip(std::string_view bytes, size_t max_bytes, std::string* out) {
  MemorySource input(bytes);
  GzipSource gz(&input, "payload");
  out->clear();
  for (;;) {
    const size_t at = out->size();
    const size_t room = std::max<size_t>(64 << 10, at);
    out->resize(at + room);
    size_t n = 0;
    Status s = gz.Read(reinterpret_cast<uint8_t*>(out->data() + at), room, &n);
    out->resize(at + n);
    if (!s.ok()) return s;
    if (n == 0) return Status::OK();
    if (out->size() > max_bytes) {
      return Status::LimitExceeded(fmt::format("the payload inflates to more than {} bytes", max_bytes));
    }
  }
}

Status ParseCloudWatchLogsPayload(std::string_view json, CloudWatchLogsPayload* out) {
  *out = CloudWatchLogsPayload();
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument(fmt::format("the CloudWatch Logs payload is not JSON ({} at offset {})",
                                               rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return Status::InvalidArgument("the CloudWatch Logs payload is not a JSON object");
  auto text = [&](const char* name, std::string* value) {
    auto it = doc.FindMember(name);
    if (it != doc.MemberEnd() && it->value.IsString())
      value->assign(it->value.GetString(), it->value.GetStringLength());
  };
  text("messageType", &out->message_type);
  if (out->message_type.empty()) return Status::InvalidArgument("the CloudWatch Logs payload has no messageType");
  text("owner", &out->owner);
  text("logGroup", &out->log_group);
  text("logStream", &out->log_stream);
  if (out->is_control()) return Status::OK();
  auto events = doc.FindMember("logEvents");
  if (events == doc.MemberEnd() || !events->value.IsArray()) {
    return Status::InvalidArgument("the CloudWatch Logs payload has no logEvents array");
  }
  out->events.reserve(events->value.Size());
  for (const auto& e : events->value.GetArray()) {
    if (!e.IsObject()) return Status::InvalidArgument("a CloudWatch Logs event is not an object");
    CloudWatchLogsEvent ev;
    auto message = e.FindMember("message");
    if (message == e.MemberEnd() || !message->value.IsString()) {
      return Status::InvalidArgument("a CloudWatch Logs event has no message string");
    }
    ev.message.assign(message->value.GetString(), message->value.GetStringLength());
    if (auto id = e.FindMember("id"); id != e.MemberEnd() && id->value.IsString()) ev.id = id->value.GetString();
    if (auto ts = e.FindMember("timestamp"); ts != e.MemberEnd() && ts->value.IsInt64()) {
      ev.timestamp_ms = ts->value.GetInt64();
    }
    out->events.push_back(std::move(ev));
  }
  return Status::OK();
}

Status DecodeCloudWatchLogsData(std::string_view gzip_bytes, size_t max_bytes, CloudWatchLogsPayload* out) {
  std::string json;
  Status s = Gunzip(gzip_bytes, max_bytes, &json);
  if (!s.ok()) return s;
  return ParseCloudWatchLogsPayload(json, out);
}

Status StoreCloudWatchLogsPayload(ObjectSink* sink, const CloudWatchLogsPayload& payload, ObjectResult* result,
                                  std::string* key) {
  *result = ObjectResult();
  key->clear();
  if (payload.is_control() || payload.events.empty()) return Status::OK();
  *key = fmt::format("cwl://{}/{}#{}", payload.log_group, payload.log_stream, payload.events.front().id);
  std::string text;
  for (const CloudWatchLogsEvent& e : payload.events) {
    text += e.message;
    text += '\n';
  }
  MemorySource body(std::move(text));
  return sink->WriteObject(*key, &body, result);
}

}  // namespace flowdex
