// AWS Secrets Manager: the one call flowdex makes, GetSecretValue, so that
// sink credentials live in a secret rather than in environment variables or
// Terraform state.
#pragma once

#include <string>

#include "aws/aws_client.h"
#include "util/status.h"

namespace flowdex {

// Fetches the SecretString of `secret_id` (a secret's name or ARN; an ARN's
// region wins over config.region) from config.secrets_endpoint, or from
// https://secretsmanager.<region>.amazonaws.com. Binary-only secrets are an
// InvalidArgument; AWS errors come back as CallAws reports them.
Status GetSecretString(const AwsConfig& config, const std::string& secret_id, std::string* out,
                       AwsError* error = nullptr);

// The region named by a Secrets Manager ARN
// (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME), or "" for a plain name.
std::string RegionFromSecretArn(const std::string& secret_id);

}  // namespace flowdex
