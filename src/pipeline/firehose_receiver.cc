#include "pipeline/firehose_receiver.h"

#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "io/memory_source.h"
#include "pipeline/cloudwatch_logs_payload.h"
#include "util/prometheus_text.h"
#include "util/secret_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

// The records of one request as one flow-log text: each part preceded by
// the header line of its layout when that differs from the one in force.
class FlowTextBuilder {
 public:
  void Append(const FlowFormat& format, std::string_view text) {
    if (&format != current_ || stale_) {
      text_ += format.ToString();
      text_ += '\n';
      current_ = &format;
      stale_ = false;
    }
    text_.append(text);
    if (!text.empty() && text.back() != '\n') text_ += '\n';
    // A header line inside the text changes the layout in force: the next
    // part states its own again.
    for (size_t pos = 0; pos < text.size() && !stale_;) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(pos, end - pos);
      if (!line.empty() && line[0] >= 'a' && line[0] <= 'z') {
        FlowFormat ignored;
        Status error;
        stale_ = FlowFormat::ParseHeaderLine(line, &ignored, &error);
      }
      pos = end + 1;
    }
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
  const FlowFormat* current_ = nullptr;
  bool stale_ = false;
};

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

// The stream's name from its ARN (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME).
std::string_view StreamName(std::string_view arn) {
  const size_t slash = arn.rfind('/');
  return slash == std::string_view::npos ? arn : arn.substr(slash + 1);
}

}  // namespace

Status ParseFirehoseAccessKey(std::string_view secret, std::string* key) {
  const std::string_view trimmed = TrimLeft(secret);
  if (!trimmed.empty() && trimmed.front() == '{') {
    rapidjson::Document doc;
    doc.Parse(trimmed.data(), trimmed.size());
    auto it = doc.HasParseError() || !doc.IsObject() ? doc.MemberEnd() : doc.FindMember("api_key");
    if (doc.HasParseError() || !doc.IsObject() || it == doc.MemberEnd() || !it->value.IsString()) {
      return Status::InvalidArgument("the secret is JSON without an \"api_key\" string");
    }
    key->assign(it->value.GetString(), it->value.GetStringLength());
  } else {
    key->assign(secret);
    while (!key->empty() && (key->back() == '\n' || key->back() == '\r' || key->back() == ' ')) key->pop_back();
  }
  if (key->empty()) return Status::InvalidArgument("the secret holds an empty access key");
  return Status::OK();
}

std::string FirehoseMetrics::Render() const {
  std::string out;
  auto counter = [&](const char* name, const char* help, const std::atomic<uint64_t>& v) {
    out +=
        fmt::format("# HELP flowdex_firehose_{0} {1}\n# TYPE flowdex_firehose_{0} counter\nflowdex_firehose_{0} {2}\n",
                    name, help, v.load());
  };
  counter("requests_total", "Firehose delivery requests received.", requests);
  counter("requests_stored_total", "Requests whose records were stored.", requests_stored);
  counter("requests_duplicate_total", "Retries of requests already stored (answered 200, nothing added).",
          requests_duplicate);
  counter("requests_unauthorized_total", "Requests with a missing or wrong access key.", requests_unauthorized);
  counter("requests_invalid_total", "Requests refused as malformed (4xx).", requests_invalid);
  counter("requests_failed_total", "Requests the sink could not store (5xx; Firehose retries them).", requests_failed);
  counter("records_total", "Firehose records received.", records);
  counter("flow_records_total", "Flow records stored from Firehose.", flow_records);
  counter("bad_lines_total", "Lines in Firehose records that are not flow records.", bad_lines);
  counter("control_messages_total", "CloudWatch Logs CONTROL_MESSAGE payloads skipped.", control_messages);
  return out;
}

RestResponse FirehoseAnswer(int status, std::string_view request_id, std::string_view error_message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("requestId");
  w.String(request_id.data(), static_cast<rapidjson::SizeType>(request_id.size()));
  w.Key("timestamp");
  w.Int64(CurrentTimeMillis());
  if (!error_message.empty()) {
    w.Key("errorMessage");
    w.String(error_message.data(), static_cast<rapidjson::SizeType>(error_message.size()));
  }
  w.EndObject();
  RestResponse r;
  r.status = status;
  r.body.assign(buf.GetString(), buf.GetSize());
  return r;
}

std::string FirehoseReceiver::SourceKey(std::string_view source_arn, std::string_view request_id) {
  const std::string_view stream = StreamName(source_arn);
  return fmt::format("firehose://{}/{}", stream.empty() ? "-" : stream, request_id);
}

RestResponse FirehoseReceiver::Handle(const RestRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  ++metrics_->requests;
  std::string request_id = request.Header("x-amz-firehose-request-id");
  auto refuse = [&](int status, const std::string& message) {
    if (status == 401 || status == 403) {
      ++metrics_->requests_unauthorized;
    } else if (status < 500) {
      ++metrics_->requests_invalid;
    } else {
      ++metrics_->requests_failed;
    }
    if (options_.log_requests) {
      fmt::print(stderr, "flowdex serve: firehose request {}: {} {}\n", request_id.empty() ? "-" : request_id, status,
                 message);
    }
    return FirehoseAnswer(status, request_id, message);
  };
  if (request.method != "POST") return refuse(405, "Firehose delivers with POST");
  // The key first: nothing of an unauthenticated request is looked at.
  if (request.headers.count("x-amz-firehose-access-key") == 0) {
    return refuse(401, "missing X-Amz-Firehose-Access-Key");
  }
  if (!SecretEquals(request.Header("x-amz-firehose-access-key"), options_.access_key)) {
    return refuse(403, "the X-Amz-Firehose-Access-Key is not the one configured (--firehose-access-key)");
  }
  const std::string version = request.Header("x-amz-firehose-protocol-version");
  if (!version.empty() && version != "1.0") {
    return refuse(400, fmt::format("protocol version {} is not supported (1.0 is)", version));
  }

  rapidjson::Document doc;
  doc.Parse(request.body.data(), request.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return refuse(400, doc.HasParseError()
                           ? fmt::format("the body is not JSON ({} at offset {})",
                                         rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset())
                           : "the body is not a JSON object");
  }
  if (auto id = doc.FindMember("requestId"); id != doc.MemberEnd() && id->value.IsString()) {
    if (request_id.empty()) request_id = id->value.GetString();
  }
  if (request_id.empty()) return refuse(400, "no X-Amz-Firehose-Request-Id header and no requestId");
  auto records = doc.FindMember("records");
  if (records == doc.MemberEnd() || !records->value.IsArray()) return refuse(400, "the body has no records array");

  // The layout of records without a header: per request (a common
  // attribute of the stream's destination), else --firehose-format.
  const FlowFormat* format = &options_.format;
  FlowFormat attribute_format;
  if (const std::string attrs = request.Header("x-amz-firehose-common-attributes"); !attrs.empty()) {
    rapidjson::Document a;
    a.Parse(attrs.data(), attrs.size());
    if (a.HasParseError() || !a.IsObject()) return refuse(400, "X-Amz-Firehose-Common-Attributes is not JSON");
    auto common = a.FindMember("commonAttributes");
    if (common != a.MemberEnd() && common->value.IsObject()) {
      auto f = common->value.FindMember("flowdex-format");
      if (f != common->value.MemberEnd() && f->value.IsString()) {
        Status s = FlowFormat::Parse(f->value.GetString(), &attribute_format);
        if (!s.ok()) return refuse(400, fmt::format("common attribute flowdex-format: {}", s.message()));
        format = &attribute_format;
      }
    }
  }

  const std::string key = SourceKey(request.Header("x-amz-firehose-source-arn"), request_id);
  if (sink_->HasObject(key)) {
    ++metrics_->requests_duplicate;
    if (options_.log_requests) {
      fmt::print(stderr, "flowdex serve: firehose request {}: already stored, nothing added\n", request_id);
    }
    return FirehoseAnswer(200, request_id, "");
  }

  FlowTextBuilder text;
  std::string data, inflated;
  uint64_t control = 0;
  size_t index = 0;
  for (const auto& record : records->value.GetArray()) {
    ++metrics_->records;
    auto d = record.IsObject() ? record.FindMember("data") : record.MemberEnd();
    if (!record.IsObject() || d == record.MemberEnd() || !d->value.IsString()) {
      return refuse(400, fmt::format("record {} has no data string", index));
    }
    if (!Base64Decode(std::string_view(d->value.GetString(), d->value.GetStringLength()), &data)) {
      return refuse(400, fmt::format("record {}'s data is not base64", index));
    }
    std::string_view payload = data;
    if (IsGzip(payload)) {
      Status s = Gunzip(payload, options_.max_record_bytes, &inflated);
      if (!s.ok())
        return refuse(s.code() == Status::Code::kLimitExceeded ? 413 : 400,
                      fmt::format("record {}: {}", index, s.message()));
      payload = inflated;
    }
    // A CloudWatch Logs subscription payload is one JSON object with a
    // messageType; other JSON is taken as JSON lines ({"message": ...}).
    CloudWatchLogsPayload cwl;
    if (!TrimLeft(payload).empty() && TrimLeft(payload).front() == '{' &&
        payload.find("\"messageType\"") != std::string_view::npos && ParseCloudWatchLogsPayload(payload, &cwl).ok()) {
      if (cwl.is_control()) {
        ++control;
      } else {
        auto it = options_.log_group_formats.find(cwl.log_group);
        const FlowFormat& group_format = it == options_.log_group_formats.end() ? *format : it->second;
        std::string lines;
        for (const CloudWatchLogsEvent& e : cwl.events) {
          lines += e.message;
          lines += '\n';
        }
        text.Append(group_format, lines);
      }
    } else {
      text.Append(*format, payload);
    }
    ++index;
  }
  metrics_->control_messages += control;

  MemorySource body(text.Take());
  ObjectResult result;
  Status s = sink_->WriteObject(key, &body, &result);
  if (!s.ok()) {
    // Firehose retries a 5xx with the same request id; the key makes that safe.
    return refuse(s.IsInvalidArgument()            ? 400
                  : s.IsNoSpace() || s.IsIoError() ? 503
                                                   : 500,
                  fmt::format("not stored: {}", s.message()));
  }
  if (options_.answer_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.answer_delay_ms));
  if (result.already_stored) {
    ++metrics_->requests_duplicate;
  } else {
    ++metrics_->requests_stored;
    metrics_->flow_records += result.stored;
    metrics_->bad_lines += result.bad_lines;
  }
  if (options_.log_requests) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    std::string bad;
    for (const std::string& b : result.bad_line_samples) bad += "; " + b;
    fmt::print(
        stderr,
        "flowdex serve: firehose request {} ({}): {} {} records ({} bad lines{}), {} Firehose records, {:.0f} ms\n",
        request_id, key, result.already_stored ? "already stored," : "stored",
        result.already_stored ? result.duplicates : result.stored, result.bad_lines, bad, index, ms);
  }
  return FirehoseAnswer(200, request_id, "");
}

}  // namespace flowdex
