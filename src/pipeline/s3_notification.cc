#include "pipeline/s3_notification.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "aws/sigv4.h"
#include "util/json_members.h"

namespace flowdex {

namespace {

using Value = rapidjson::Value;

const Value* Obj(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

uint64_t Size(const Value& obj) {
  if (!obj.IsObject()) return 0;
  auto it = obj.FindMember("size");
  return it != obj.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

void ParseS3Records(const Value& records, S3Notification* out) {
  out->kind = NotificationKind::kObjects;
  for (const Value& r : records.GetArray()) {
    const std::string source = JsonStringMember(r, "eventSource");
    const std::string name = JsonStringMember(r, "eventName");
    const std::string version = JsonStringMember(r, "eventVersion");
    const Value* s3 = Obj(r, "s3");
    const Value* bucket = s3 ? Obj(*s3, "bucket") : nullptr;
    const Value* object = s3 ? Obj(*s3, "object") : nullptr;
    if (source != "aws:s3" || !bucket || !object) {
      out->skipped.push_back(fmt::format("a record that is not an S3 event (eventSource '{}')", source));
      continue;
    }
    S3ObjectRef ref;
    ref.bucket = JsonStringMember(*bucket, "name");
    ref.key = FormDecode(JsonStringMember(*object, "key"));
    ref.version_id = JsonStringMember(*object, "versionId");
    ref.region = JsonStringMember(r, "awsRegion");
    ref.size = Size(*object);
    const std::string where = fmt::format("s3://{}/{}", ref.bucket, ref.key);
    if (!version.empty() && version.substr(0, version.find('.')) != "2") {
      out->skipped.push_back(fmt::format("{} of {}: unsupported eventVersion {}", name, where, version));
      continue;
    }
    if (name.rfind("ObjectCreated:", 0) != 0) {
      out->skipped.push_back(fmt::format("{} of {}", name.empty() ? "an event without eventName" : name, where));
      continue;
    }
    if (ref.bucket.empty() || ref.key.empty()) {
      out->skipped.push_back(fmt::format("{} without bucket or key", name));
      continue;
    }
    out->objects.push_back(std::move(ref));
  }
}

void Classify(const Value& doc, int depth, S3Notification* out) {
  if (!doc.IsObject()) {
    out->kind = NotificationKind::kMalformed;
    out->reason = "the message body is not a JSON object";
    return;
  }
  // SNS envelope: unwrap, then classify what it carries.
  const std::string type = JsonStringMember(doc, "Type");
  if (!type.empty() && doc.HasMember("TopicArn")) {
    if (type != "Notification") {
      out->kind = NotificationKind::kIgnored;
      out->reason = fmt::format("SNS {} message", type);
      return;
    }
    const std::string message = JsonStringMember(doc, "Message");
    rapidjson::Document inner;
    inner.Parse(message.data(), message.size());
    if (inner.HasParseError() || depth > 0) {
      out->kind = NotificationKind::kMalformed;
      out->reason = "the SNS Message is not an S3 notification (JSON)";
      return;
    }
    Classify(inner, depth + 1, out);
    out->format = "sns+" + out->format;
    return;
  }
  if (JsonStringMember(doc, "Event") == "s3:TestEvent") {
    out->kind = NotificationKind::kTestEvent;
    out->format = "s3";
    out->reason = fmt::format("s3:TestEvent for bucket {}", JsonStringMember(doc, "Bucket"));
    return;
  }
  auto records = doc.FindMember("Records");
  if (records != doc.MemberEnd() && records->value.IsArray()) {
    out->format = "s3";
    ParseS3Records(records->value, out);
    return;
  }
  if (JsonStringMember(doc, "source") == "aws.s3" && doc.HasMember("detail-type")) {
    out->format = "eventbridge";
    const std::string detail_type = JsonStringMember(doc, "detail-type");
    const Value* detail = Obj(doc, "detail");
    const Value* bucket = detail ? Obj(*detail, "bucket") : nullptr;
    const Value* object = detail ? Obj(*detail, "object") : nullptr;
    out->kind = NotificationKind::kObjects;
    if (detail_type != "Object Created") {
      out->skipped.push_back(fmt::format("EventBridge '{}' event", detail_type));
      return;
    }
    if (!bucket || !object || JsonStringMember(*bucket, "name").empty() || JsonStringMember(*object, "key").empty()) {
      out->kind = NotificationKind::kMalformed;
      out->reason = "EventBridge 'Object Created' event without detail.bucket.name or detail.object.key";
      return;
    }
    S3ObjectRef ref;
    ref.bucket = JsonStringMember(*bucket, "name");
    ref.key = JsonStringMember(*object, "key");  // EventBridge keys arrive raw: no decoding
    ref.version_id = JsonStringMember(*object, "version-id");
    ref.region = JsonStringMember(doc, "region");
    ref.size = Size(*object);
    out->objects.push_back(std::move(ref));
    return;
  }
  out->kind = NotificationKind::kMalformed;
  out->reason = "the message is neither an S3 notification, an SNS envelope nor an EventBridge S3 event";
}

}  // namespace

S3Notification ParseS3Notification(std::string_view body) {
  S3Notification out;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    out.kind = NotificationKind::kMalformed;
    out.reason = "the message body is not JSON";
    return out;
  }
  Classify(doc, 0, &out);
  return out;
}

}  // namespace flowdex
