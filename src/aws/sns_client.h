// Amazon SNS: the one call flowdex makes, Publish, so detection alerts reach
// a topic (and from there e-mail, chat, PagerDuty or a queue).
#pragma once

#include <string>

#include "aws/aws_client.h"
#include "util/status.h"

namespace flowdex {

// Publishes `message` (at most 256 KiB) with `subject` (cut to SNS's 100
// characters, one line) to the topic `topic_arn`, whose region wins over
// config.region; sends to config.sns_endpoint or https://sns.<region>.amazonaws.com.
// *message_id receives the MessageId SNS assigned. AWS errors come back as
// CallAws reports them (NotFound topics are InvalidArgument).
Status SnsPublish(const AwsConfig& config, const std::string& topic_arn, const std::string& subject,
                  const std::string& message, std::string* message_id, AwsError* error = nullptr);

}  // namespace flowdex
