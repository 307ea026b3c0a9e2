// SqsWorker: consumes S3 notifications from an SQS queue with N objects in
// flight, at least once and never duplicated:
//   - a receiver long-polls (20 s) for as many messages as there are free
//     worker slots (so in-flight messages, memory and bytes stay bounded, and
//     a slow sink slows the receiving: backpressure);
//   - every received message gets a visibility heartbeat at once (extended
//     by the visibility timeout when half of it has passed), until it is
//     deleted or released; a stale receipt handle stops its heartbeat;
//   - a message is deleted only when every object it names is durable in the
//     sink (or it held nothing to ingest); a failure releases it to become
//     visible again after --retry-after, so the queue's redrive policy moves a
//     message that keeps failing to its dead-letter queue. It is never deleted
//     on failure (unless --delete-after-receives is set, for queues without a DLQ).
// On stop, receiving ends, messages not yet started are released at once,
// and started ones are finished.
#pragma once

#include <atomic>
#include <string>

#include "aws/sqs_client.h"
#include "pipeline/object_processor.h"
#include "util/cancellation.h"

namespace flowdex {

struct SqsWorkerOptions {
  int workers = 4;                // messages processed at once
  int visibility_seconds = 300;   // asked on receive, and added by each heartbeat
  int wait_seconds = 20;          // long poll
  int retry_after_seconds = 30;   // a failed message is visible again after this
  int delete_after_receives = 0;  // > 0: delete a failing message received this often (no DLQ)
  bool exit_when_idle = false;    // return once a receive finds nothing and nothing is in flight
};

class SqsWorker {
 public:
  SqsWorker(SqsClient* sqs, ObjectProcessor* processor, SqsWorkerOptions options);

  // Runs until `stop` is cancelled (or idle, with exit_when_idle). Returns an
  // error only when the queue cannot be read at all on the first attempt
  // (wrong credentials, no permission, no such queue); later failures are
  // logged and retried with backoff.
  Status Run(CancellationToken stop);

 private:
  SqsClient* sqs_;
  ObjectProcessor* processor_;
  SqsWorkerOptions options_;
};

}  // namespace flowdex
