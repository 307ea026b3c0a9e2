#include "aws/aws_client.h"

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "aws/xml_document.h"

namespace flowdex {

namespace {

bool RetryableCode(const std::string& code) {
  static const char* kCodes[] = {"Throttling",
                                 "ThrottlingException",
                                 "ThrottledException",
                                 "RequestThrottled",
                                 "RequestThrottledException",
                                 "SlowDown",
                                 "RequestLimitExceeded",
                                 "TooManyRequestsException",
                                 "ProvisionedThroughputExceededException",
                                 "RequestTimeout",
                                 "RequestTimeoutException",
                                 "InternalError",
                                 "InternalFailure",
                                 "ServiceUnavailable",
                                 "KMS.ThrottlingException",
                                 "AWS.SimpleQueueService.RequestThrottled"};
  for (const char* c : kCodes) {
    if (code == c) return true;
  }
  return false;
}

bool ExpiredCode(const std::string& code) {
  return code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired";
}

}  // namespace

std::string AwsError::ToString() const {
  if (http_status == 0) return message;
  std::string out = code.empty() ? fmt::format("HTTP {}", http_status) : fmt::format("{} (HTTP {})", code, http_status);
  if (!message.empty()) out += ": " + message;
  return out;
}

AwsError ParseAwsError(const HttpResponse& response) {
  AwsError e;
  e.http_status = response.status;
  std::string_view body = response.body;
  while (!body.empty() && isspace(static_cast<unsigned char>(body.front()))) body.remove_prefix(1);
  if (!body.empty() && body.front() == '{') {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (!doc.HasParseError() && doc.IsObject()) {
      for (const char* name : {"__type", "code", "Code"}) {
        auto it = doc.FindMember(name);
        if (it != doc.MemberEnd() && it->value.IsString()) {
          std::string t = it->value.GetString();
          const size_t hash = t.rfind('#');
          e.code = hash == std::string::npos ? t : t.substr(hash + 1);
          break;
        }
      }
      for (const char* name : {"message", "Message"}) {
        auto it = doc.FindMember(name);
        if (it != doc.MemberEnd() && it->value.IsString()) {
          e.message = it->value.GetString();
          break;
        }
      }
    }
  } else if (!body.empty() && body.front() == '<') {
    XmlElement root;
    if (ParseXml(body, &root).ok()) {
      const XmlElement* err = root.name == "Error" ? &root : root.Find("Error");
      if (err) {
        e.code = err->ChildText("Code");
        e.message = err->ChildText("Message");
      }
    }
  }
  // The JSON protocol also names the query protocol's code in a header.
  if (e.code.empty()) {
    std::string_view q = response.Header("x-amzn-query-error");
    if (!q.empty()) e.code = std::string(q.substr(0, q.find(';')));
  }
  e.retryable = response.status >= 500 || response.status == 429 || RetryableCode(e.code);
  return e;
}

void ResolveAwsConfig(const AwsEnvironment& env, const std::string& endpoint_flag, const std::string& region_flag,
                      AwsConfig* config) {
  const std::string global = env.Get("AWS_ENDPOINT_URL");
  auto pick = [&](const char* service_var) {
    if (!endpoint_flag.empty()) return endpoint_flag;
    std::string v = env.Get(service_var);
    return v.empty() ? global : v;
  };
  config->s3_endpoint = pick("AWS_ENDPOINT_URL_S3");
  config->sqs_endpoint = pick("AWS_ENDPOINT_URL_SQS");
  config->secrets_endpoint = pick("AWS_ENDPOINT_URL_SECRETS_MANAGER");
  config->ec2_endpoint = pick("AWS_ENDPOINT_URL_EC2");
  config->logs_endpoint = pick("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
  config->sns_endpoint = pick("AWS_ENDPOINT_URL_SNS");
  for (std::string* e : {&config->s3_endpoint, &config->sqs_endpoint, &config->secrets_endpoint, &config->ec2_endpoint,
                         &config->logs_endpoint, &config->sns_endpoint}) {
    while (!e->empty() && e->back() == '/') e->pop_back();
  }
  config->region = region_flag.empty() ? DefaultRegion(env) : region_flag;
}

HttpClient& ThreadHttpClient() {
  thread_local HttpClient client;
  return client;
}

bool BackoffSleep(const AwsConfig& config, int attempt) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const int64_t cap = std::min<int64_t>(config.max_backoff_ms, config.base_backoff_ms << std::min(attempt, 20));
  const int64_t sleep_ms = std::uniform_int_distribution<int64_t>(cap / 4, cap)(rng);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(sleep_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (config.cancel.cancelled()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, sleep_ms)));
  }
  return !config.cancel.cancelled();
}

Status CallAws(const AwsConfig& config, const std::string& what, HttpRequest request, const SigV4Scope& scope,
               const SigV4Options& options, HttpResponse* response, AwsError* error) {
  bool refreshed = false;
  AwsError last;
  for (int attempt = 0;; ++attempt) {
    Credentials creds;
    Status s = config.credentials ? config.credentials->Get(&creds) : Status::NotFound("no credentials provider");
    if (!s.ok()) {
      if (error) {
        *error = AwsError();
        error->code = "NoCredentials";
        error->message = std::string(s.message());
      }
      return Status::InvalidArgument(fmt::format("{}: {}", what, s.message()));
    }
    HttpRequest signed_request = request;
    signed_request.cancel = config.cancel;
    s = SignRequest(&signed_request, creds, scope, options);
    if (!s.ok()) return s;
    s = ThreadHttpClient().Send(signed_request, response);
    if (s.ok() && response->status < 300) return Status::OK();
    if (s.ok()) {
      last = ParseAwsError(*response);
      if (ExpiredCode(last.code) && !refreshed && config.credentials) {
        config.credentials->Invalidate();
        refreshed = true;
        --attempt;
        continue;
      }
    } else {
      last = AwsError();
      last.message = std::string(s.message());
      last.retryable = IsTransient(s);
    }
    if (!last.retryable || attempt + 1 >= config.max_attempts || !BackoffSleep(config, attempt)) break;
  }
  if (error) *error = last;
  const std::string msg = fmt::format("{}: {}", what, last.ToString());
  if (last.http_status >= 400 && last.http_status < 500) return Status::InvalidArgument(msg);
  return Status::IoError(msg);
}

}  // namespace flowdex
