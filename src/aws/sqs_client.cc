#include "aws/sqs_client.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "aws/sigv4.h"
#include "aws/xml_document.h"
#include "util/json_util.h"

namespace flowdex {

namespace {

std::string Form(std::string_view s) { return UriEncode(s, false); }

// The string member `name` of a JSON object, or "".
std::string Member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                       : std::string();
}

// Parses a JSON-protocol answer into *doc; Corruption unless it is an object.
Status ParseJsonAnswer(const std::string& action, const std::string& body, rapidjson::Document* doc) {
  doc->Parse(body.data(), body.size());
  if (doc->HasParseError() || !doc->IsObject()) return Status::Corruption("SQS " + action + ": malformed JSON answer");
  return Status::OK();
}

}  // namespace

std::string RegionFromQueueUrl(const std::string& queue_url) {
  UrlParts url;
  if (!ParseUrl(queue_url, &url).ok()) return "";
  const std::string& h = url.host;
  if (!h.ends_with(".amazonaws.com") && !h.ends_with(".amazonaws.com.cn")) return "";
  if (h == "queue.amazonaws.com") return "us-east-1";
  if (h.rfind("sqs.", 0) == 0) {
    const size_t end = h.find('.', 4);
    return h.substr(4, end - 4);
  }
  const size_t dot = h.find('.');
  if (h.compare(dot, 7, ".queue.") == 0) return h.substr(0, dot);
  return "";
}

SqsClient::SqsClient(AwsConfig config, std::string queue_url, SqsProtocol protocol)
    : config_(std::move(config)), queue_url_(std::move(queue_url)), protocol_(protocol) {
  region_ = RegionFromQueueUrl(queue_url_);
  if (region_.empty()) region_ = config_.region.empty() ? "us-east-1" : config_.region;
  endpoint_ =
      config_.sqs_endpoint.empty() ? fmt::format("https://sqs.{}.amazonaws.com", region_) : config_.sqs_endpoint;
}

Status SqsClient::Call(const std::string& action, const std::string& json_body, const std::string& form_body,
                       HttpResponse* response, AwsError* error, int64_t extra_timeout_ms) {
  HttpRequest req;
  req.method = "POST";
  req.url = endpoint_ + "/";
  req.timeout_ms = config_.timeout_ms + extra_timeout_ms;
  if (protocol_ == SqsProtocol::kJson) {
    req.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    req.headers.emplace_back("X-Amz-Target", "AmazonSQS." + action);
    req.body = json_body;
  } else {
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    req.body = fmt::format("Action={}&Version=2012-11-05&QueueUrl={}{}", action, Form(queue_url_), form_body);
  }
  return CallAws(config_, "SQS " + action, std::move(req), SigV4Scope{region_, "sqs"}, SigV4Options{}, response, error);
}

Status SqsClient::Receive(int max_messages, int wait_seconds, int visibility_seconds, std::vector<SqsMessage>* out,
                          AwsError* error) {
  out->clear();
  max_messages = std::clamp(max_messages, 1, 10);
  wait_seconds = std::clamp(wait_seconds, 0, 20);
  std::string json = fmt::format(R"({{"QueueUrl":{},"MaxNumberOfMessages":{},"WaitTimeSeconds":{},)"
                                 R"("MessageSystemAttributeNames":["ApproximateReceiveCount"],)"
                                 R"("AttributeNames":["ApproximateReceiveCount"])",
                                 JsonQuote(queue_url_), max_messages, wait_seconds);
  std::string form = fmt::format("&MaxNumberOfMessages={}&WaitTimeSeconds={}&AttributeName.1=ApproximateReceiveCount",
                                 max_messages, wait_seconds);
  if (visibility_seconds >= 0) {
    json += fmt::format(R"(,"VisibilityTimeout":{})", visibility_seconds);
    form += fmt::format("&VisibilityTimeout={}", visibility_seconds);
  }
  json += "}";
  HttpResponse resp;
  // The HTTP timeout must outlast the long poll.
  Status s = Call("ReceiveMessage", json, form, &resp, error, wait_seconds * 1000 + 5000);
  if (!s.ok()) return s;
  if (protocol_ == SqsProtocol::kJson) {
    rapidjson::Document doc;
    s = ParseJsonAnswer("ReceiveMessage", resp.body, &doc);
    if (!s.ok()) return s;
    auto msgs = doc.FindMember("Messages");
    if (msgs == doc.MemberEnd() || !msgs->value.IsArray()) return Status::OK();  // {} or null: no messages
    for (const auto& m : msgs->value.GetArray()) {
      if (!m.IsObject()) continue;
      SqsMessage msg;
      msg.message_id = Member(m, "MessageId");
      msg.receipt_handle = Member(m, "ReceiptHandle");
      msg.body = Member(m, "Body");
      auto attrs = m.FindMember("Attributes");
      if (attrs != m.MemberEnd() && attrs->value.IsObject()) {
        auto rc = attrs->value.FindMember("ApproximateReceiveCount");
        if (rc != attrs->value.MemberEnd() && rc->value.IsString())
          msg.receive_count = std::atoi(rc->value.GetString());
      }
      if (!msg.receipt_handle.empty()) out->push_back(std::move(msg));
    }
    return Status::OK();
  }
  XmlElement root;
  s = ParseXml(resp.body, &root);
  if (!s.ok()) return Status::Corruption(fmt::format("SQS ReceiveMessage: {}", s.message()));
  const XmlElement* result = root.Find("ReceiveMessageResult");
  if (!result) return Status::OK();
  for (const XmlElement& m : result->children) {
    if (m.name != "Message") continue;
    SqsMessage msg;
    msg.message_id = m.ChildText("MessageId");
    msg.receipt_handle = m.ChildText("ReceiptHandle");
    msg.body = m.ChildText("Body");  // expat has decoded the entities
    for (const XmlElement& a : m.children) {
      if (a.name == "Attribute" && a.ChildText("Name") == "ApproximateReceiveCount") {
        msg.receive_count = std::atoi(a.ChildText("Value").c_str());
      }
    }
    if (!msg.receipt_handle.empty()) out->push_back(std::move(msg));
  }
  return Status::OK();
}

Status SqsClient::Batch(const std::string& action, const std::vector<SqsBatchEntry>& entries, bool with_visibility,
                        std::vector<SqsBatchFailure>* failed) {
  failed->clear();
  if (entries.empty()) return Status::OK();
  std::string json = fmt::format(R"({{"QueueUrl":{},"Entries":[)", JsonQuote(queue_url_));
  std::string form;
  const std::string prefix = action + "RequestEntry";
  for (size_t i = 0; i < entries.size(); ++i) {
    const SqsBatchEntry& e = entries[i];
    if (i) json += ',';
    json += fmt::format(R"({{"Id":{},"ReceiptHandle":{})", JsonQuote(e.id), JsonQuote(e.receipt_handle));
    form += fmt::format("&{}.{}.Id={}&{}.{}.ReceiptHandle={}", prefix, i + 1, Form(e.id), prefix, i + 1,
                        Form(e.receipt_handle));
    if (with_visibility) {
      json += fmt::format(R"(,"VisibilityTimeout":{})", e.visibility_seconds);
      form += fmt::format("&{}.{}.VisibilityTimeout={}", prefix, i + 1, e.visibility_seconds);
    }
    json += '}';
  }
  json += "]}";
  HttpResponse resp;
  Status s = Call(action, json, form, &resp, nullptr);
  if (!s.ok()) return s;
  if (protocol_ == SqsProtocol::kJson) {
    rapidjson::Document doc;
    s = ParseJsonAnswer(action, resp.body, &doc);
    if (!s.ok()) return s;
    auto f = doc.FindMember("Failed");
    if (f == doc.MemberEnd() || !f->value.IsArray()) return Status::OK();
    for (const auto& e : f->value.GetArray()) {
      if (!e.IsObject()) continue;
      failed->push_back(SqsBatchFailure{Member(e, "Id"), Member(e, "Code"), Member(e, "Message")});
    }
    return Status::OK();
  }
  XmlElement root;
  s = ParseXml(resp.body, &root);
  if (!s.ok()) return Status::Corruption(fmt::format("SQS {}: {}", action, s.message()));
  const XmlElement* result = root.Find(action + "Result");
  if (!result) return Status::OK();
  for (const XmlElement& e : result->children) {
    if (e.name != "BatchResultErrorEntry") continue;
    failed->push_back(SqsBatchFailure{e.ChildText("Id"), e.ChildText("Code"), e.ChildText("Message")});
  }
  return Status::OK();
}

Status SqsClient::DeleteBatch(const std::vector<SqsBatchEntry>& entries, std::vector<SqsBatchFailure>* failed) {
  return Batch("DeleteMessageBatch", entries, false, failed);
}

Status SqsClient::ChangeVisibilityBatch(const std::vector<SqsBatchEntry>& entries,
                                        std::vector<SqsBatchFailure>* failed) {
  return Batch("ChangeMessageVisibilityBatch", entries, true, failed);
}

}  // namespace flowdex
