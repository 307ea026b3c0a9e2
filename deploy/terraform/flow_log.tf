# The VPC's flow log with every v2-v8 field: to the bucket (var.delivery =
# "s3", as text or Parquet), to a CloudWatch Logs group, or to a Firehose
# stream (delivery.tf).

resource "aws_flow_log" "vpc" {
  count = var.vpc_id == null ? 0 : 1

  vpc_id       = var.vpc_id
  traffic_type = var.traffic_type
  log_destination_type = {
    s3              = "s3"
    cloudwatch_logs = "cloud-watch-logs"
    firehose        = "kinesis-data-firehose"
  }[var.delivery]
  log_destination = (
    local.use_cwl ? aws_cloudwatch_log_group.flow_logs[0].arn :
    local.use_firehose ? aws_kinesis_firehose_delivery_stream.flow_logs[0].arn :
    local.key_prefix == "" ? aws_s3_bucket.flow_logs.arn : "${aws_s3_bucket.flow_logs.arn}/${local.key_prefix}"
  )
  iam_role_arn             = local.use_cwl ? aws_iam_role.flow_log_delivery[0].arn : null
  log_format               = local.log_format
  max_aggregation_interval = 60

  dynamic "destination_options" {
    for_each = var.delivery == "s3" ? [1] : []
    content {
      file_format                = var.file_format
      hive_compatible_partitions = var.hive_compatible_partitions
      per_hour_partition         = var.per_hour_partition
    }
  }

  tags = merge(local.tags, { "Name" = "${var.name}-vpc-flow-log" })

  depends_on = [aws_s3_bucket_policy.flow_logs, aws_iam_role_policy.flow_log_delivery]
}
