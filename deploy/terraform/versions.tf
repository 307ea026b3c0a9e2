terraform {
  # Cross-variable checks are resource preconditions, so 1.5 is enough.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.x: aws_flow_log.destination_options, aws_sqs_queue_redrive_allow_policy,
      # aws_lambda_event_source_mapping.scaling_config, provided.al2023.
      version = ">= 5.31.0"
    }
  }
}
