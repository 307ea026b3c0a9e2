# The queue S3 announces new objects on, and its dead-letter queue: a message
# that failed max_receive_count times (a damaged object, a sink refusing it)
# is kept there for inspection and redrive instead of being retried forever.

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${var.name}-events-dlq"
  message_retention_seconds = 1209600 # 14 days, the most SQS keeps
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

resource "aws_sqs_queue" "events" {
  name                       = "${var.name}-events"
  visibility_timeout_seconds = local.visibility_timeout
  message_retention_seconds  = var.queue_retention_seconds
  receive_wait_time_seconds  = 20
  max_message_size           = 262144
  # SSE-SQS: S3 can send to it (the AWS-managed aws/sqs KMS key would refuse S3).
  sqs_managed_sse_enabled = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = local.tags
}

# Only the events queue may use the DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.events.arn]
  })
}

# S3 may send to the queue, for this bucket of this account only.
data "aws_iam_policy_document" "events_queue" {
  statement {
    sid       = "AllowFlowLogBucketNotifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.flow_logs.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.events_queue.json
}
