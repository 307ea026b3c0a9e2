// Parsing the body of an SQS message that announces S3 objects. Accepted
// shapes (../shared/research/aws-ingest.md, section 1):
//   - S3 event notifications ({"Records":[{"eventSource":"aws:s3",...}]}),
//     keys form-decoded ('+' is a space, then %XX);
//   - the same wrapped in an SNS envelope (Type "Notification", Message a JSON string);
//   - EventBridge "Object Created" events (source "aws.s3"), keys raw;
//   - s3:TestEvent (also inside SNS) and other SNS message types: nothing to ingest.
// Unknown fields are ignored; eventVersion must have major version 2.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/s3_client.h"

namespace flowdex {

enum class NotificationKind {
  kObjects,    // objects to ingest (possibly none, when every record was skipped)
  kTestEvent,  // s3:TestEvent: delete the message
  kIgnored,    // a well-formed message with nothing to ingest (SNS confirmation, ...)
  kMalformed,  // not JSON or no known shape: leave it for the queue's DLQ
};

struct S3Notification {
  NotificationKind kind = NotificationKind::kMalformed;
  std::string format;                // "s3", "sns+s3", "eventbridge", ...
  std::vector<S3ObjectRef> objects;  // kObjects: the created objects
  std::vector<std::string> skipped;  // records not ingested and why ("ObjectRemoved:Delete of s3://b/k")
  std::string reason;                // kIgnored / kMalformed / kTestEvent: why, in one line
};

S3Notification ParseS3Notification(std::string_view body);

}  // namespace flowdex
