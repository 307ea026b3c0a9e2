#include "aws/secrets_client.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "util/json_util.h"

namespace flowdex {

std::string RegionFromSecretArn(const std::string& secret_id) {
  // arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
  if (secret_id.rfind("arn:", 0) != 0) return "";
  size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = secret_id.find(':', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  const size_t end = secret_id.find(':', start);
  return end == std::string::npos ? "" : secret_id.substr(start, end - start);
}

Status GetSecretString(const AwsConfig& config, const std::string& secret_id, std::string* out, AwsError* error) {
  if (secret_id.empty()) return Status::InvalidArgument("no secret named");
  std::string region = RegionFromSecretArn(secret_id);
  if (region.empty()) region = config.region.empty() ? "us-east-1" : config.region;

  HttpRequest req;
  req.method = "POST";
  req.url = (config.secrets_endpoint.empty() ? fmt::format("https://secretsmanager.{}.amazonaws.com", region)
                                             : config.secrets_endpoint) +
            "/";
  req.timeout_ms = config.timeout_ms;
  req.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  req.headers.emplace_back("X-Amz-Target", "secretsmanager.GetSecretValue");
  req.body = R"({"SecretId":)" + JsonQuote(secret_id) + "}";
  HttpResponse response;
  Status s = CallAws(config, "Secrets Manager GetSecretValue " + secret_id, std::move(req),
                     SigV4Scope{region, "secretsmanager"}, SigV4Options{}, &response, error);
  if (!s.ok()) return s;

  rapidjson::Document doc;
  doc.Parse(response.body.data(), response.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Corruption("Secrets Manager GetSecretValue: malformed JSON answer");
  }
  auto it = doc.FindMember("SecretString");
  if (it == doc.MemberEnd() || !it->value.IsString()) {
    return Status::InvalidArgument(
        fmt::format("secret {} has no SecretString (binary secrets are not read)", secret_id));
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return Status::OK();
}

}  // namespace flowdex
