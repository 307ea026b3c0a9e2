# An example root module: the flow logs of one VPC, indexed by the flowdex
# Lambda function into an Elasticsearch cluster whose credentials are kept
# in Secrets Manager. docs/deploy.md walks through it.
#
#   make lambda-zip
#   cd deploy/terraform/examples/complete
#   terraform init
#   terraform apply -var vpc_id=vpc-0123456789abcdef0 -var bucket_name=my-flow-logs \
#     -var sink_url=https://es.example.com:9200 -var sink_secret_arn=arn:aws:secretsmanager:...

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.31.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region of the VPC."
  type        = string
  default     = "us-east-1"
}

variable "vpc_id" {
  description = "The VPC whose flows are recorded."
  type        = string
}

variable "bucket_name" {
  description = "A new, globally unique bucket name for the flow logs."
  type        = string
}

variable "sink_url" {
  description = "Your Elasticsearch/OpenSearch URL (https://host:9200)."
  type        = string
}

variable "sink_secret_arn" {
  description = "Secrets Manager secret with {\"username\",\"password\"} or {\"api_key\"} for sink_url."
  type        = string
}

module "flowdex" {
  source = "../.."

  name            = "flowdex"
  bucket_name     = var.bucket_name
  vpc_id          = var.vpc_id
  sink_url        = var.sink_url
  sink_secret_arn = var.sink_secret_arn

  # Built by `make lambda-zip` at the top of the repository.
  lambda_zip_path             = "${path.root}/../../../../build/flowdex-lambda.zip"
  lambda_memory_mb            = 1024
  lambda_timeout_seconds      = 300
  lambda_reserved_concurrency = 4
  batch_size                  = 10
  batching_window_seconds     = 5

  flow_log_retention_days    = 30
  hive_compatible_partitions = true

  tags = { "team" = "network" }
}

output "queue_url" {
  value = module.flowdex.queue_url
}

output "lambda_function_name" {
  value = module.flowdex.lambda_function_name
}

output "dead_letter_queue_url" {
  value = module.flowdex.dead_letter_queue_url
}
