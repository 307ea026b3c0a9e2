#include "detect/alert_notifier.h"

#include <fmt/format.h>

#include "aws/http_client.h"
#include "aws/sns_client.h"
#include "util/json_util.h"

namespace flowdex {

Status AlertNotifier::Deliver(const RuleAction& action, const AlertMessage& alert) {
  switch (action.type) {
    case RuleAction::Type::kLog: fmt::print(stderr, "flowdex alert: {}\n", alert.text); return Status::OK();
    case RuleAction::Type::kWebhook: {
      HttpRequest req;
      req.method = "POST";
      req.url = action.url;
      req.timeout_ms = action.timeout_ms;
      req.connect_timeout_ms = std::min<int64_t>(action.timeout_ms, 5'000);
      req.insecure = !action.verify_tls;
      req.max_response_bytes = 1 << 20;
      req.cancel = aws_.cancel;
      req.headers.emplace_back("Content-Type", "application/json");
      for (const auto& h : action.headers) req.headers.push_back(h);
      // "text" is what Slack's (and Mattermost's, Teams' legacy) incoming
      // webhooks show; the alert document rides along for programs.
      req.body = "{\"text\":" + JsonQuote(alert.text) + ",\"alert\":" + alert.alert_json + "}";
      HttpResponse res;
      if (Status s = ThreadHttpClient().Send(req, &res); !s.ok()) {
        // libcurl's messages name the host, never the path or query.
        return s.code() == Status::Code::kTimedOut ? s : Status::IoError("webhook: " + std::string(s.message()));
      }
      if (res.status >= 200 && res.status < 300) return Status::OK();
      if (res.status >= 500 || res.status == 429 || res.status == 408) {
        return Status::IoError(fmt::format("webhook answered {}", res.status));
      }
      return Status::InvalidArgument(fmt::format("webhook answered {}", res.status));
    }
    case RuleAction::Type::kSns: {
      std::string message_id;
      AwsError error;
      Status s =
          SnsPublish(aws_, action.topic_arn, alert.text, alert.text + "\n\n" + alert.alert_json, &message_id, &error);
      if (s.ok()) return s;
      // CallAws already retried what AWS calls retryable; what is left may
      // still heal (a network outage longer than its retries).
      if (error.http_status == 0 || error.http_status >= 500) return Status::IoError(s.message());
      return Status::InvalidArgument(s.message());
    }
  }
  return Status::OK();
}

}  // namespace flowdex
