# Optionally, an Amazon OpenSearch Service domain as the sink. Access is by
# IAM (SigV4): the consumer may write, the principals in
# opensearch.reader_arns may read; no passwords.

data "aws_iam_policy_document" "opensearch_access" {
  count = local.use_opensearch ? 1 : 0

  statement {
    sid       = "ConsumerWrites"
    actions   = ["es:ESHttpPost", "es:ESHttpPut"]
    resources = ["arn:${local.partition}:es:${local.region}:${local.account_id}:domain/${var.name}/*"]
    principals {
      type        = "AWS"
      identifiers = local.use_lambda ? [aws_iam_role.lambda[0].arn] : [for r in data.aws_iam_role.worker : r.arn]
    }
  }

  dynamic "statement" {
    for_each = length(var.opensearch.reader_arns) > 0 ? [1] : []
    content {
      sid       = "ReadersSearch"
      actions   = ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"]
      resources = ["arn:${local.partition}:es:${local.region}:${local.account_id}:domain/${var.name}/*"]
      principals {
        type        = "AWS"
        identifiers = var.opensearch.reader_arns
      }
    }
  }
}

# The worker's roles, for their ARNs in the domain's access policy.
data "aws_iam_role" "worker" {
  for_each = local.use_opensearch && local.use_worker ? toset(var.worker_role_names) : toset([])
  name     = each.value
}

resource "aws_opensearch_domain" "sink" {
  count = local.use_opensearch ? 1 : 0

  domain_name    = var.name
  engine_version = var.opensearch.engine_version

  cluster_config {
    instance_type          = var.opensearch.instance_type
    instance_count         = var.opensearch.instance_count
    zone_awareness_enabled = var.opensearch.instance_count > 1
  }

  ebs_options {
    ebs_enabled = true
    volume_type = "gp3"
    volume_size = var.opensearch.volume_gb
  }

  encrypt_at_rest {
    enabled = true
  }

  node_to_node_encryption {
    enabled = true
  }

  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }

  access_policies = data.aws_iam_policy_document.opensearch_access[0].json
  tags            = local.tags

  lifecycle {
    precondition {
      condition     = local.use_lambda || length(var.worker_role_names) > 0
      error_message = "With consumer = \"worker\", the OpenSearch domain admits the roles in worker_role_names: name at least one."
    }
  }
}
