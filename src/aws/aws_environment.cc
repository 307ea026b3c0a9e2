#include "aws/aws_environment.h"

#include <cstdlib>

namespace flowdex {

const std::initializer_list<const char*>& AwsEnvironment::Names() {
  // clang-format off
  static const std::initializer_list<const char*> kNames = {
      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
      "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS",
      "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_EC2", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_DISABLED",
      "HOME",
  };
  // clang-format on
  return kNames;
}

AwsEnvironment AwsEnvironment::FromProcess() {
  AwsEnvironment env;
  for (const char* name : Names()) {
    if (const char* v = std::getenv(name)) env.vars_[name] = v;
  }
  return env;
}

}  // namespace flowdex
