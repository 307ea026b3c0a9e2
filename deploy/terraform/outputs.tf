output "bucket_name" {
  description = "The flow-log bucket."
  value       = aws_s3_bucket.flow_logs.id
}

output "bucket_arn" {
  description = "ARN of the flow-log bucket."
  value       = aws_s3_bucket.flow_logs.arn
}

output "flow_logs_prefix" {
  description = "Where in the bucket AWS writes the flow logs (the notification's prefix filter)."
  value       = local.log_prefix
}

output "flow_log_id" {
  description = "ID of the VPC's flow log (null without vpc_id)."
  value       = one(aws_flow_log.vpc[*].id)
}

output "queue_url" {
  description = "The queue of object-created notifications (`flowdex worker --queue-url`)."
  value       = aws_sqs_queue.events.id
}

output "queue_arn" {
  description = "ARN of the notification queue."
  value       = aws_sqs_queue.events.arn
}

output "dead_letter_queue_url" {
  description = "Where notifications go after max_receive_count failed receives."
  value       = aws_sqs_queue.dead_letters.id
}

output "lambda_function_name" {
  description = "The flowdex function (null with consumer = \"worker\")."
  value       = one(aws_lambda_function.consumer[*].function_name)
}

output "lambda_role_arn" {
  description = "The function's role (null with consumer = \"worker\")."
  value       = one(aws_iam_role.lambda[*].arn)
}

output "worker_policy_arn" {
  description = "The policy a worker's role needs (null with consumer = \"lambda\")."
  value       = one(aws_iam_policy.worker[*].arn)
}

output "sink_url" {
  description = "Where the records are indexed."
  value       = local.sink_url
}

output "opensearch_endpoint" {
  description = "The OpenSearch domain's endpoint (null without opensearch.enabled)."
  value       = one(aws_opensearch_domain.sink[*].endpoint)
}

output "worker_command" {
  description = "consumer = \"worker\": the command that consumes this queue (see deploy/systemd/flowdex-worker.service)."
  value = join(" ", compact([
    "flowdex worker --queue-url ${aws_sqs_queue.events.id}",
    local.sink_url == null ? "" : "--sink ${local.sink_url}",
    local.use_secret ? "--sink-secret ${var.sink_secret_arn}" : "",
    local.sink_sigv4 != "" ? "--sink-sigv4 ${local.sink_sigv4}" : "",
    "--visibility-timeout ${local.visibility_timeout}",
  ]))
}

output "flow_log_group_name" {
  description = "The log group the flow log writes to (delivery = \"cloudwatch_logs\"; else null): `flowdex ingest cwl://NAME` backfills from it."
  value       = one(aws_cloudwatch_log_group.flow_logs[*].name)
}

output "firehose_stream_name" {
  description = "The Firehose stream posting to firehose_endpoint_url (delivery = \"firehose\"; else null)."
  value       = one(aws_kinesis_firehose_delivery_stream.flow_logs[*].name)
}
