#include "aws/sns_client.h"

#include <fmt/format.h>

#include "aws/xml_document.h"

namespace flowdex {

namespace {

// The region field of arn:PARTITION:sns:REGION:ACCOUNT:NAME ("" if none).
std::string RegionFromTopicArn(const std::string& arn) {
  size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = arn.find(':', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  const size_t end = arn.find(':', start);
  return end == std::string::npos ? "" : arn.substr(start, end - start);
}

// A form value as application/x-www-form-urlencoded writes it (space as
// '+'), byte for byte what the AWS SDKs send; moto recomputes the signature
// from the re-encoded form, so "%20" would not match there.
std::string FormValue(std::string_view s) {
  std::string out = UriEncode(s, false);
  std::string plus;
  plus.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (out.compare(i, 3, "%20") == 0) {
      plus.push_back('+');
      i += 2;
    } else {
      plus.push_back(out[i]);
    }
  }
  return plus;
}

}  // namespace

Status SnsPublish(const AwsConfig& config, const std::string& topic_arn, const std::string& subject,
                  const std::string& message, std::string* message_id, AwsError* error) {
  if (topic_arn.rfind("arn:", 0) != 0) return Status::InvalidArgument("SNS Publish: not a topic ARN: " + topic_arn);
  if (message.size() > 256 * 1024) return Status::InvalidArgument("SNS Publish: the message is over 256 KiB");
  std::string region = RegionFromTopicArn(topic_arn);
  if (region.empty()) region = config.region.empty() ? "us-east-1" : config.region;
  // SNS refuses subjects with line breaks or over 100 characters.
  std::string line;
  for (char c : subject) {
    if (line.size() == 100) break;
    line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  }
  while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) line.pop_back();  // no cut UTF-8
  if (!line.empty() && (static_cast<unsigned char>(line.back()) & 0x80)) line.pop_back();

  HttpRequest req;
  req.method = "POST";
  req.url =
      (config.sns_endpoint.empty() ? fmt::format("https://sns.{}.amazonaws.com", region) : config.sns_endpoint) + "/";
  req.timeout_ms = config.timeout_ms;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body =
      fmt::format("Action=Publish&Version=2010-03-31&TopicArn={}&Message={}", FormValue(topic_arn), FormValue(message));
  if (!line.empty()) req.body += "&Subject=" + FormValue(line);
  HttpResponse response;
  Status s = CallAws(config, "SNS Publish " + topic_arn, std::move(req), SigV4Scope{region, "sns"}, SigV4Options{},
                     &response, error);
  if (!s.ok()) return s;
  XmlElement root;
  if (Status x = ParseXml(response.body, &root); !x.ok())
    return Status::Corruption("SNS Publish: " + std::string(x.message()));
  const XmlElement* id = root.Find("MessageId");
  if (id == nullptr) return Status::Corruption("SNS Publish: no MessageId in the answer");
  *message_id = id->text;
  return Status::OK();
}

}  // namespace flowdex
