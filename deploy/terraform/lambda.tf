# The flowdex Lambda function (custom runtime: the zip's bootstrap runs
# `flowdex lambda`), triggered by the queue with partial batch failures.

resource "aws_cloudwatch_log_group" "lambda" {
  count             = local.use_lambda ? 1 : 0
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.lambda_log_retention_days
  tags              = local.tags
}

resource "aws_lambda_function" "consumer" {
  count = local.use_lambda ? 1 : 0

  function_name    = var.name
  description      = "flowdex: index the VPC flow logs of s3://${aws_s3_bucket.flow_logs.id}/${local.log_prefix} into ${local.sink_url}"
  role             = aws_iam_role.lambda[0].arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = ["x86_64"]
  filename         = var.lambda_zip_path
  source_code_hash = var.lambda_zip_path == null ? null : filebase64sha256(var.lambda_zip_path)

  memory_size                    = var.lambda_memory_mb
  timeout                        = var.lambda_timeout_seconds
  reserved_concurrent_executions = var.lambda_reserved_concurrency

  environment {
    # The settings that have a value (a conditional between objects with
    # different attributes would not type-check).
    variables = { for name, value in {
      FLOWDEX_SINK        = local.sink_url
      FLOWDEX_INDEX       = var.index
      FLOWDEX_SINK_SECRET = var.sink_secret_arn
      FLOWDEX_SINK_SIGV4  = local.sink_sigv4
      FLOWDEX_KEY_PATTERN = var.key_pattern
      # CloudWatch Logs events carry no header line: the flow log's layout.
      FLOWDEX_FORMAT = local.use_cwl ? join(" ", local.flow_log_fields) : null
      # The layer's geoip/ folder is /opt/geoip in the function.
      FLOWDEX_GEOIP_DIR     = var.geoip_layer_arn == null ? null : "/opt/geoip"
      FLOWDEX_AWS_IP_RANGES = var.aws_ip_ranges_url
      # The history lives in /tmp, per execution environment, from its cold start.
      FLOWDEX_INVENTORY_REFRESH = var.inventory_refresh
      FLOWDEX_INVENTORY         = local.use_inventory ? "/tmp/flowdex-inventory.json" : null
      FLOWDEX_INVENTORY_ROLES   = local.use_inventory && length(var.inventory_role_arns) > 0 ? join(",", var.inventory_role_arns) : null
    } : name => value if value != null && value != "" }
  }
  layers = var.geoip_layer_arn == null ? [] : [var.geoip_layer_arn]

  dynamic "vpc_config" {
    for_each = var.lambda_vpc == null ? [] : [var.lambda_vpc]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.lambda_zip_path != null
      error_message = "The Lambda consumer needs lambda_zip_path: the zip `make lambda-zip` builds."
    }
    precondition {
      condition     = local.sink_url != null && local.sink_url != ""
      error_message = "The Lambda consumer needs a sink: set sink_url, or opensearch.enabled = true."
    }
    precondition {
      condition     = !(var.sink_url != null && var.opensearch.enabled)
      error_message = "Give sink_url or opensearch.enabled = true, not both."
    }
  }

  # The log group and the role's policy first: the first invocations log,
  # and read the queue and the bucket.
  depends_on = [aws_cloudwatch_log_group.lambda, aws_iam_role_policy.lambda]
}

resource "aws_lambda_event_source_mapping" "events" {
  count = local.use_lambda ? 1 : 0

  event_source_arn                   = aws_sqs_queue.events.arn
  function_name                      = aws_lambda_function.consumer[0].arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # flowdex answers {"batchItemFailures": [...]}: only the failed objects return to the queue.
  function_response_types = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.lambda_reserved_concurrency >= 2 ? [1] : []
    content {
      # Lambda polls no more batches than the function can run: none throttled back to the queue.
      maximum_concurrency = var.lambda_reserved_concurrency
    }
  }

  lifecycle {
    precondition {
      condition     = var.batch_size <= 10 || var.batching_window_seconds >= 1
      error_message = "A batch_size above 10 needs batching_window_seconds of at least 1 (an SQS rule)."
    }
  }
}
