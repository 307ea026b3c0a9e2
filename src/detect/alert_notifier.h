// AlertNotifier: delivers one alert through one rule action (a log line, a
// webhook with a Slack-compatible body, an SNS message). Delivery is one
// attempt; the engine's outbox retries with backoff, so an alert survives a
// receiver that times out, answers 5xx, or a restart in between.
#pragma once

#include <string>

#include "aws/aws_client.h"
#include "detect/rule.h"
#include "util/status.h"

namespace flowdex {

struct AlertMessage {
  std::string id;          // the alert document's _id
  std::string text;        // one line for people ("[high] Port scan: ...")
  std::string alert_json;  // the alert document
};

class AlertNotifier {
 public:
  explicit AlertNotifier(AwsConfig aws) : aws_(std::move(aws)) {}
  virtual ~AlertNotifier() = default;

  // One delivery attempt. IoError / TimedOut for failures worth retrying
  // (no answer, a 5xx or 429), InvalidArgument for the ones that are not
  // (a 4xx, a topic that does not exist). Messages never hold a webhook's
  // URL or headers, which often carry tokens.
  virtual Status Deliver(const RuleAction& action, const AlertMessage& alert);

 private:
  AwsConfig aws_;
};

}  // namespace flowdex
