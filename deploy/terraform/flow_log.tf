# The VPC's flow log, to the bucket, with every v2-v8 field.

resource "aws_flow_log" "vpc" {
  count = var.vpc_id == null ? 0 : 1

  vpc_id                   = var.vpc_id
  traffic_type             = var.traffic_type
  log_destination_type     = "s3"
  log_destination          = local.key_prefix == "" ? aws_s3_bucket.flow_logs.arn : "${aws_s3_bucket.flow_logs.arn}/${local.key_prefix}"
  log_format               = local.log_format
  max_aggregation_interval = 60

  destination_options {
    file_format                = "plain-text"
    hive_compatible_partitions = var.hive_compatible_partitions
    per_hour_partition         = var.per_hour_partition
  }

  tags = merge(local.tags, { "Name" = "${var.name}-vpc-flow-log" })

  depends_on = [aws_s3_bucket_policy.flow_logs]
}
