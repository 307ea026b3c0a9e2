# The other ways AWS delivers the flow log (var.delivery): to CloudWatch
# Logs, read by the flowdex function through a subscription filter, or to
# Amazon Data Firehose, which posts it to a flowdex server's HTTP endpoint
# (`flowdex serve --firehose-access-key-secret`). The bucket stays: Firehose
# backs up there what it could not deliver. docs/deploy.md, section 6.

# --- CloudWatch Logs ---------------------------------------------------------

resource "aws_cloudwatch_log_group" "flow_logs" {
  count             = local.use_cwl ? 1 : 0
  name              = "/aws/vpc/flow-logs/${var.name}"
  retention_in_days = var.flow_log_group_retention_days
  tags              = local.tags
}

# The role VPC Flow Logs writes to the log group with, for this account only.
data "aws_iam_policy_document" "flow_log_delivery_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "flow_log_delivery" {
  count              = local.use_cwl ? 1 : 0
  name               = "${var.name}-flow-log-delivery"
  assume_role_policy = data.aws_iam_policy_document.flow_log_delivery_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "flow_log_delivery" {
  count = local.use_cwl ? 1 : 0
  statement {
    sid       = "WriteFlowLogEvents"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.flow_logs[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_log_delivery" {
  count  = local.use_cwl ? 1 : 0
  name   = "${var.name}-flow-log-delivery"
  role   = aws_iam_role.flow_log_delivery[0].id
  policy = data.aws_iam_policy_document.flow_log_delivery[0].json
}

# CloudWatch Logs may invoke the function, for this log group only.
resource "aws_lambda_permission" "flow_logs" {
  count          = local.use_cwl ? 1 : 0
  statement_id   = "flowdex-flow-log-subscription"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.consumer[0].function_name
  principal      = "logs.amazonaws.com"
  source_arn     = "${aws_cloudwatch_log_group.flow_logs[0].arn}:*"
  source_account = local.account_id
}

# Every event of the group goes to the function (the awslogs events of
# `flowdex lambda`; the layout comes from FLOWDEX_FORMAT, as the events
# carry no header line).
resource "aws_cloudwatch_log_subscription_filter" "flow_logs" {
  count           = local.use_cwl ? 1 : 0
  name            = "${var.name}-to-flowdex"
  log_group_name  = aws_cloudwatch_log_group.flow_logs[0].name
  filter_pattern  = ""
  destination_arn = aws_lambda_function.consumer[0].arn
  depends_on      = [aws_lambda_permission.flow_logs]

  lifecycle {
    precondition {
      condition     = local.use_lambda
      error_message = "delivery = \"cloudwatch_logs\" needs consumer = \"lambda\" (the subscription filter invokes it)."
    }
  }
}

# --- Amazon Data Firehose ----------------------------------------------------

data "aws_iam_policy_document" "firehose_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "firehose" {
  count              = local.use_firehose ? 1 : 0
  name               = "${var.name}-firehose"
  assume_role_policy = data.aws_iam_policy_document.firehose_assume.json
  tags               = local.tags
}

# What the stream does: read the endpoint's access key, and back up what
# the endpoint refused for good below firehose-failed/ in the bucket.
data "aws_iam_policy_document" "firehose" {
  count = local.use_firehose ? 1 : 0
  statement {
    sid       = "ReadEndpointAccessKey"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.firehose_access_key_secret_arn]
  }
  statement {
    sid       = "BackUpFailedRecords"
    actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
    resources = ["${aws_s3_bucket.flow_logs.arn}/${local.firehose_backup_prefix}*"]
  }
  statement {
    sid       = "FindTheBackupBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.flow_logs.arn]
  }
}

resource "aws_iam_role_policy" "firehose" {
  count  = local.use_firehose ? 1 : 0
  name   = "${var.name}-firehose"
  role   = aws_iam_role.firehose[0].id
  policy = data.aws_iam_policy_document.firehose[0].json
}

resource "aws_kinesis_firehose_delivery_stream" "flow_logs" {
  count       = local.use_firehose ? 1 : 0
  name        = "${var.name}-flow-logs"
  destination = "http_endpoint"

  http_endpoint_configuration {
    name               = "flowdex"
    url                = var.firehose_endpoint_url
    role_arn           = aws_iam_role.firehose[0].arn
    buffering_size     = 4
    buffering_interval = 60
    retry_duration     = 3600
    s3_backup_mode     = "FailedDataOnly"

    # The key flowdex checks (X-Amz-Firehose-Access-Key), as {"api_key": "..."}.
    secrets_manager_configuration {
      enabled    = true
      secret_arn = var.firehose_access_key_secret_arn
      role_arn   = aws_iam_role.firehose[0].arn
    }

    request_configuration {
      content_encoding = "GZIP"
      # Firehose records carry no header line: the layout travels with each request.
      common_attributes {
        name  = "flowdex-format"
        value = join(" ", local.flow_log_fields)
      }
    }

    s3_configuration {
      role_arn           = aws_iam_role.firehose[0].arn
      bucket_arn         = aws_s3_bucket.flow_logs.arn
      prefix             = local.firehose_backup_prefix
      compression_format = "GZIP"
    }
  }

  # VPC Flow Logs delivers only to streams tagged so.
  tags = merge(local.tags, { "LogDeliveryEnabled" = "true" })

  lifecycle {
    precondition {
      condition     = var.firehose_endpoint_url != null && startswith(coalesce(var.firehose_endpoint_url, "-"), "https://")
      error_message = "delivery = \"firehose\" needs firehose_endpoint_url: the https:// URL of a flowdex server's /_firehose."
    }
    precondition {
      condition     = var.firehose_access_key_secret_arn != null
      error_message = "delivery = \"firehose\" needs firehose_access_key_secret_arn: the secret holding {\"api_key\": \"...\"}."
    }
  }
}
