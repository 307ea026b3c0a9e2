# --- naming and the flow log -------------------------------------------------

variable "name" {
  description = "Name of the deployment: the queues, the function, its role and the OpenSearch domain are named after it."
  type        = string
  default     = "flowdex"
  validation {
    # The strictest user of the name: an OpenSearch domain (3-28 characters, lower case, starting with a letter).
    condition     = can(regex("^[a-z][a-z0-9-]{2,27}$", var.name))
    error_message = "name must be 3-28 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "bucket_name" {
  description = "Name of the S3 bucket created for the flow logs (globally unique)."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-'."
  }
}

variable "bucket_force_destroy" {
  description = "Let `terraform destroy` delete the bucket with the flow logs still in it."
  type        = bool
  default     = false
}

variable "bucket_kms_key_arn" {
  description = "Encrypt the bucket with this KMS key (SSE-KMS) instead of S3-managed keys (SSE-S3). The consumer is granted kms:Decrypt through S3; the key's policy must let delivery.logs.amazonaws.com use it."
  type        = string
  default     = null
  validation {
    condition     = var.bucket_kms_key_arn == null || can(regex("^arn:[a-z-]+:kms:", var.bucket_kms_key_arn))
    error_message = "bucket_kms_key_arn must be a KMS key ARN."
  }
}

variable "flow_log_retention_days" {
  description = "Days the flow-log objects are kept in the bucket before they expire."
  type        = number
  default     = 90
  validation {
    condition     = var.flow_log_retention_days >= 1 && floor(var.flow_log_retention_days) == var.flow_log_retention_days
    error_message = "flow_log_retention_days must be a whole number of days, at least 1."
  }
}

variable "s3_key_prefix" {
  description = "Folder of the bucket the flow logs go below (AWS adds AWSLogs/ under it). Empty: the bucket's root."
  type        = string
  default     = ""
  validation {
    condition     = !can(regex("AWSLogs", var.s3_key_prefix)) && !startswith(var.s3_key_prefix, "/")
    error_message = "s3_key_prefix must not start with '/' nor contain AWSLogs (AWS adds it)."
  }
}

variable "vpc_id" {
  description = "The VPC whose flow log is created. null: no flow log (deliver to the bucket from flow logs of your own)."
  type        = string
  default     = null
  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "traffic_type" {
  description = "Traffic the flow log records: ALL, ACCEPT or REJECT."
  type        = string
  default     = "ALL"
  validation {
    condition     = contains(["ALL", "ACCEPT", "REJECT"], var.traffic_type)
    error_message = "traffic_type must be ALL, ACCEPT or REJECT."
  }
}

variable "delivery" {
  description = "Where the flow log goes: \"s3\" (the bucket, announced on the queue), \"cloudwatch_logs\" (a log group whose subscription filter invokes the function) or \"firehose\" (a Firehose stream posting to a flowdex server's /_firehose)."
  type        = string
  default     = "s3"
  validation {
    condition     = contains(["s3", "cloudwatch_logs", "firehose"], var.delivery)
    error_message = "delivery must be \"s3\", \"cloudwatch_logs\" or \"firehose\"."
  }
}

variable "file_format" {
  description = "With delivery = \"s3\": \"plain-text\" (gzip text) or \"parquet\" (flowdex reads both)."
  type        = string
  default     = "plain-text"
  validation {
    condition     = contains(["plain-text", "parquet"], var.file_format)
    error_message = "file_format must be \"plain-text\" or \"parquet\"."
  }
}

variable "flow_log_group_retention_days" {
  description = "With delivery = \"cloudwatch_logs\": days the log group keeps events (flowdex has read them within minutes)."
  type        = number
  default     = 7
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_group_retention_days)
    error_message = "flow_log_group_retention_days must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, ...)."
  }
}

variable "firehose_endpoint_url" {
  description = "With delivery = \"firehose\": the https:// URL Firehose posts to, a flowdex server's /_firehose (`flowdex serve --firehose-access-key-secret`)."
  type        = string
  default     = null
}

variable "firehose_access_key_secret_arn" {
  description = "With delivery = \"firehose\": Secrets Manager secret holding {\"api_key\": \"...\"}, the key Firehose sends and flowdex checks."
  type        = string
  default     = null
}

variable "hive_compatible_partitions" {
  description = "Hive-compatible key prefixes (AWSLogs/aws-account-id=.../year=.../), as Athena likes them."
  type        = bool
  default     = false
}

variable "per_hour_partition" {
  description = "One key prefix per hour instead of per day."
  type        = bool
  default     = false
}

# --- the queue ---------------------------------------------------------------

variable "max_receive_count" {
  description = "Receives of a message before it moves to the dead-letter queue."
  type        = number
  default     = 5
  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "queue_retention_seconds" {
  description = "Seconds an unprocessed notification stays on the queue (60 to 1209600)."
  type        = number
  default     = 345600
  validation {
    condition     = var.queue_retention_seconds >= 60 && var.queue_retention_seconds <= 1209600
    error_message = "queue_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

# --- the consumer and its sink -----------------------------------------------

variable "consumer" {
  description = "What reads the queue: \"lambda\" (the flowdex function, created here) or \"worker\" (`flowdex worker` on machines of yours; this module then only creates its IAM policy)."
  type        = string
  default     = "lambda"
  validation {
    condition     = contains(["lambda", "worker"], var.consumer)
    error_message = "consumer must be \"lambda\" or \"worker\"."
  }
}

variable "sink_url" {
  description = "The Elasticsearch/OpenSearch cluster the records are indexed into (https://host:9200). Leave null with opensearch.enabled."
  type        = string
  default     = null
  validation {
    condition     = var.sink_url == null || can(regex("^https?://[^/]+", var.sink_url))
    error_message = "sink_url must be an http:// or https:// URL."
  }
}

variable "sink_secret_arn" {
  description = "Secrets Manager secret with the sink's credentials: {\"username\": ..., \"password\": ...}, {\"api_key\": ...} (encoded) or user:password. The consumer may read this secret only. Kept out of Terraform's state: create the secret and its value outside this module."
  type        = string
  default     = null
  validation {
    condition     = var.sink_secret_arn == null || can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:", var.sink_secret_arn))
    error_message = "sink_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "sink_secret_kms_key_arn" {
  description = "The customer-managed KMS key of sink_secret_arn, if it has one (kms:Decrypt is granted through Secrets Manager only)."
  type        = string
  default     = null
}

variable "index" {
  description = "Index (data stream) the records go to."
  type        = string
  default     = "logs-aws.vpcflow-default"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.index)) && length(var.index) <= 255
    error_message = "index must be a valid lower-case index name."
  }
}

variable "key_pattern" {
  description = "Only objects whose key matches this RE2 pattern are indexed (\"\": every object the notification announces: .log.gz, or .parquet with file_format = \"parquet\")."
  type        = string
  default     = ""
}

# --- enrichment (docs/enrichment.md) ----------------------------------------

variable "geoip_layer_arn" {
  description = "A Lambda layer version holding MaxMind-format databases in geoip/ (GeoLite2-City.mmdb, GeoLite2-ASN.mmdb): the function adds source/destination .geo and .as fields from /opt/geoip (null: none)."
  type        = string
  default     = null
  validation {
    condition     = var.geoip_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", coalesce(var.geoip_layer_arn, "x")))
    error_message = "geoip_layer_arn must be a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)."
  }
}

variable "aws_ip_ranges_url" {
  description = "AWS's ip-ranges.json, read at each cold start, to name addresses by AWS service and region (source.aws.service); null: not used. The function needs a way out to it (no VPC, or a NAT gateway)."
  type        = string
  default     = null
  validation {
    condition     = var.aws_ip_ranges_url == null || startswith(coalesce(var.aws_ip_ranges_url, "x"), "https://")
    error_message = "aws_ip_ranges_url must be an https:// URL, such as https://ip-ranges.amazonaws.com/ip-ranges.json."
  }
}

variable "inventory_refresh" {
  description = "Sync the AWS inventory (EC2 DescribeNetworkInterfaces, DescribeInstances, DescribeSecurityGroups, DescribeSubnets, DescribeVpcs in this region) this often, e.g. \"10m\", to add source/destination .aws.instance.name, .aws.security_group.name, ... to every flow; grants the consumer exactly those Describe calls (null: no inventory)."
  type        = string
  default     = null
  validation {
    condition     = var.inventory_refresh == null || can(regex("^[0-9]+(m|h)$", coalesce(var.inventory_refresh, "x")))
    error_message = "inventory_refresh must be minutes or hours, such as \"10m\" or \"1h\"."
  }
}

variable "inventory_role_arns" {
  description = "With inventory_refresh: a role in each account of an organisation that allows the five ec2:Describe* calls and trusts the consumer's role; the inventory reads every account through them (empty: the consumer's own account only)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for a in var.inventory_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", a))])
    error_message = "inventory_role_arns must be IAM role ARNs (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "alert_sns_topic_arns" {
  description = "SNS topics that detection rules' sns actions publish alerts to; the consumer's role may sns:Publish to these and nothing else (empty: no SNS actions)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for a in var.alert_sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", a))])
    error_message = "alert_sns_topic_arns must be SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

# --- the Lambda function -----------------------------------------------------

variable "lambda_zip_path" {
  description = "The deployment package built by `make lambda-zip` (build/flowdex-lambda.zip)."
  type        = string
  default     = null
  validation {
    condition     = var.lambda_zip_path == null || endswith(coalesce(var.lambda_zip_path, "x"), ".zip")
    error_message = "lambda_zip_path must name the .zip that `make lambda-zip` builds."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the function (MB); CPU grows with it. 1024 MB indexes a 75 MB flow-log object well within the timeout."
  type        = number
  default     = 1024
  validation {
    condition     = var.lambda_memory_mb >= 256 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 256 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of one invocation (one batch of objects). The queue's visibility timeout is set to six times it."
  type        = number
  default     = 300
  validation {
    condition     = var.lambda_timeout_seconds >= 30 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be between 30 and 900."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Instances of the function at most (caps the load on the sink); -1: no reservation. From 2 up, the event source mapping's maximum concurrency is set to it too."
  type        = number
  default     = 4
  validation {
    condition     = var.lambda_reserved_concurrency == -1 || (var.lambda_reserved_concurrency >= 1 && var.lambda_reserved_concurrency <= 1000)
    error_message = "lambda_reserved_concurrency must be -1 or between 1 and 1000."
  }
}

variable "lambda_log_retention_days" {
  description = "Days the function's CloudWatch logs are kept."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.lambda_log_retention_days)
    error_message = "lambda_log_retention_days must be one of CloudWatch's retention periods (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "lambda_vpc" {
  description = "Run the function in these subnets with these security groups (to reach a private cluster). null: outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "batch_size" {
  description = "Notifications (objects) per invocation, 1 to 10000; above 10 needs batching_window_seconds >= 1."
  type        = number
  default     = 10
  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }
}

variable "batching_window_seconds" {
  description = "Seconds Lambda gathers notifications before invoking (0 to 300)."
  type        = number
  default     = 0
  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300
    error_message = "batching_window_seconds must be between 0 and 300."
  }
}

# --- the worker ----------------------------------------------------------------

variable "worker_role_names" {
  description = "consumer = \"worker\": IAM roles (of the instances running `flowdex worker`) to attach the worker policy to."
  type        = list(string)
  default     = []
}

variable "worker_visibility_timeout_seconds" {
  description = "consumer = \"worker\": the queue's visibility timeout; the worker extends it while it works (pass the same value as --visibility-timeout)."
  type        = number
  default     = 300
  validation {
    condition     = var.worker_visibility_timeout_seconds >= 30 && var.worker_visibility_timeout_seconds <= 43200
    error_message = "worker_visibility_timeout_seconds must be between 30 and 43200."
  }
}

# --- optional OpenSearch domain ---------------------------------------------

variable "opensearch" {
  description = "Create an Amazon OpenSearch Service domain as the sink (IAM access; the consumer signs with SigV4). reader_arns: principals that may search it."
  type = object({
    enabled        = optional(bool, false)
    engine_version = optional(string, "OpenSearch_2.17")
    instance_type  = optional(string, "r7g.large.search")
    instance_count = optional(number, 2)
    volume_gb      = optional(number, 100)
    reader_arns    = optional(list(string), [])
  })
  default = {}
  validation {
    condition     = var.opensearch.instance_count == 1 || (var.opensearch.instance_count >= 2 && var.opensearch.instance_count % 2 == 0)
    error_message = "opensearch.instance_count must be 1, or even (spread over two zones)."
  }
  validation {
    condition     = var.opensearch.volume_gb >= 10 && var.opensearch.volume_gb <= 16384
    error_message = "opensearch.volume_gb must be between 10 and 16384."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
