# What the consumer may do, and nothing more. The Lambda function and the
# worker make the same calls, but for the ones each runtime adds:
#   both:   s3:GetObject (the flow-log objects), sqs:ReceiveMessage and
#           sqs:DeleteMessage (DeleteMessageBatch), secretsmanager:GetSecretValue
#           (the sink's credentials), es:ESHttpPost/Put (_bulk, the index template)
#   lambda: sqs:GetQueueAttributes (the event source mapping), CloudWatch Logs
#   worker: sqs:ChangeMessageVisibility (heartbeats, --retry-after) and
#           s3:ListBucket below AWSLogs/ (`flowdex ingest s3://` backfills)
#   with inventory_refresh: the five ec2:Describe* calls of the inventory,
#           and sts:AssumeRole on inventory_role_arns (other accounts)
#   with alert_sns_topic_arns: sns:Publish on those topics (detection rules'
#           "sns" actions, docs/detections.md)

data "aws_iam_policy_document" "consumer" {
  statement {
    sid       = "ReadFlowLogObjects"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.flow_logs.arn}/${local.log_prefix}*"]
  }

  statement {
    sid       = "ConsumeObjectEvents"
    actions   = ["sqs:DeleteMessage", "sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.events.arn]
  }

  dynamic "statement" {
    for_each = local.use_lambda ? [1] : []
    content {
      sid       = "PollForTheFunction"
      actions   = ["sqs:GetQueueAttributes"]
      resources = [aws_sqs_queue.events.arn]
    }
  }

  dynamic "statement" {
    for_each = local.use_worker ? [1] : []
    content {
      sid       = "HoldMessagesWhileWorking"
      actions   = ["sqs:ChangeMessageVisibility"]
      resources = [aws_sqs_queue.events.arn]
    }
  }

  dynamic "statement" {
    for_each = local.use_worker ? [1] : []
    content {
      sid       = "ListFlowLogObjects"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.flow_logs.arn]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${local.log_prefix}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.use_lambda ? [1] : []
    content {
      sid       = "WriteFunctionLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${aws_cloudwatch_log_group.lambda[0].arn}:*"]
    }
  }

  dynamic "statement" {
    for_each = local.use_secret ? [1] : []
    content {
      sid       = "ReadSinkCredentials"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.sink_secret_arn]
    }
  }

  dynamic "statement" {
    for_each = var.sink_secret_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptSinkCredentials"
      actions   = ["kms:Decrypt"]
      resources = [var.sink_secret_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.bucket_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptFlowLogObjects"
      actions   = ["kms:Decrypt"]
      resources = [var.bucket_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.use_opensearch ? [1] : []
    content {
      sid       = "IndexIntoOpenSearch"
      actions   = ["es:ESHttpPost", "es:ESHttpPut"]
      resources = ["${aws_opensearch_domain.sink[0].arn}/*"]
    }
  }

  # Detection alerts published to SNS (a rule's {"type": "sns"} action).
  dynamic "statement" {
    for_each = length(var.alert_sns_topic_arns) > 0 ? [1] : []
    content {
      sid       = "PublishAlerts"
      actions   = ["sns:Publish"]
      resources = var.alert_sns_topic_arns
    }
  }

  # The inventory that names addresses (--inventory-refresh): read-only
  # Describe calls, which EC2 does not scope to resources.
  dynamic "statement" {
    for_each = local.use_inventory ? [1] : []
    content {
      sid = "ReadInventory"
      actions = [
        "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
      ]
      resources = ["*"]
    }
  }

  # The other accounts of an organisation, through their roles.
  dynamic "statement" {
    for_each = local.use_inventory && length(var.inventory_role_arns) > 0 ? [1] : []
    content {
      sid       = "ReadOtherAccountsInventory"
      actions   = ["sts:AssumeRole"]
      resources = var.inventory_role_arns
    }
  }

  # A function in a VPC (to reach a private cluster) manages its network
  # interfaces; EC2 offers no narrower resource for these calls.
  dynamic "statement" {
    for_each = local.use_lambda && var.lambda_vpc != null ? [1] : []
    content {
      sid = "ManageFunctionNetworkInterfaces"
      actions = [
        "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}

# --- the Lambda function's role ---------------------------------------------

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  count              = local.use_lambda ? 1 : 0
  name               = "${var.name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "lambda" {
  count  = local.use_lambda ? 1 : 0
  name   = "${var.name}-consumer"
  role   = aws_iam_role.lambda[0].id
  policy = data.aws_iam_policy_document.consumer.json
}

# --- the worker's policy (attach it to the role of the machine running it) --

resource "aws_iam_policy" "worker" {
  count       = local.use_worker ? 1 : 0
  name        = "${var.name}-worker"
  description = "flowdex worker: consume ${aws_sqs_queue.events.name} and read the flow logs of ${aws_s3_bucket.flow_logs.id}"
  policy      = data.aws_iam_policy_document.consumer.json
  tags        = local.tags
}

resource "aws_iam_role_policy_attachment" "worker" {
  for_each   = local.use_worker ? toset(var.worker_role_names) : toset([])
  role       = each.value
  policy_arn = aws_iam_policy.worker[0].arn
}
