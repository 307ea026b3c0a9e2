# flowdex on AWS: VPC Flow Logs delivered to S3, each new object announced on
# SQS, and a consumer (the flowdex Lambda function, or `flowdex worker` on a
# machine of your own) that indexes the records into Elasticsearch/OpenSearch.
# docs/deploy.md walks through it.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Every field of flow-log versions 2 to 8, in AWS's order (40 fields). The
  # files carry this list as their header line, so flowdex needs no format flag.
  flow_log_fields = [
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
    "packets", "bytes", "start", "end", "action", "log-status",
    "vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr",
    "region", "az-id", "sublocation-type", "sublocation-id",
    "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path",
    "ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
    "ecs-container-id", "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn",
    "ecs-task-arn", "ecs-task-id",
    "reject-reason",
  ]
  log_format = join(" ", [for f in local.flow_log_fields : "$${${f}}"])

  # AWS writes below <prefix>/AWSLogs/ (with Hive partitions:
  # AWSLogs/aws-account-id=<id>/...). The notification and every grant are
  # limited to that part of the bucket.
  key_prefix = var.s3_key_prefix == "" ? "" : "${trim(var.s3_key_prefix, "/")}/"
  log_prefix = "${local.key_prefix}AWSLogs/"

  use_lambda     = var.consumer == "lambda"
  use_worker     = var.consumer == "worker"
  use_opensearch = var.opensearch.enabled
  use_secret     = var.sink_secret_arn != null
  use_inventory  = var.inventory_refresh != null
  use_cwl        = var.delivery == "cloudwatch_logs"
  use_firehose   = var.delivery == "firehose"

  # Where Firehose backs up the records flowdex refused for good.
  firehose_backup_prefix = "${local.key_prefix}firehose-failed/"

  sink_url   = local.use_opensearch ? "https://${aws_opensearch_domain.sink[0].endpoint}" : var.sink_url
  sink_sigv4 = local.use_opensearch ? "es" : ""

  # AWS's advice for an SQS-triggered function: a visibility timeout of six
  # times the function's timeout, so retries of a throttled batch do not
  # make a message visible while it is still being processed.
  visibility_timeout = local.use_lambda ? 6 * var.lambda_timeout_seconds : var.worker_visibility_timeout_seconds

  tags = merge({ "app" = "flowdex" }, var.tags)
}
