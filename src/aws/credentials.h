// AWS credentials, resolved as the AWS SDKs resolve them (first hit wins):
//   1. explicit keys (flags),
//   2. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (STS AssumeRoleWithWebIdentity),
//   4. shared files: ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
//      AWS_CONFIG_FILE), profile AWS_PROFILE or "default",
//   5. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI
//      (+ AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]),
//   6. EC2 instance metadata, IMDSv2 only (unless AWS_EC2_METADATA_DISABLED=true).
// Temporary credentials are cached until five minutes before they expire.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/aws_environment.h"
#include "util/status.h"

namespace flowdex {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" for long-term keys
  int64_t expires_ms = 0;     // 0: does not expire
  std::string source;         // where they came from ("environment", "profile default", ...)
};

// The sections of an INI file (~/.aws/config, ~/.aws/credentials): section
// name -> key -> value. Keys are lowercased; comments (# ;) and blank lines skipped.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections ParseIni(std::string_view text);

// The profile's settings merged from both shared files (credentials file wins).
// Returns NotFound when neither file has the profile.
Status LoadProfile(const AwsEnvironment& env, const std::string& profile, std::map<std::string, std::string>* settings);

// The region to use when none is configured: AWS_REGION, AWS_DEFAULT_REGION,
// then the profile's `region`; "" when none of them is set.
std::string DefaultRegion(const AwsEnvironment& env);

class CredentialsProvider;

struct CredentialsOptions {
  std::string access_key_id;  // explicit keys (both or neither)
  std::string secret_access_key;
  std::string session_token;
  std::string profile;  // "" : AWS_PROFILE, else "default"
  std::string region;   // for the regional STS endpoint
  AwsEnvironment env;   // the variables of the chain (AwsEnvironment::FromProcess())
  // Instead of the chain: assume this role (STS AssumeRole, signed with
  // `source`'s credentials), as a role in each account of an organisation
  // is reached from one set of credentials. The STS endpoint is
  // AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the region's.
  std::string assume_role_arn;
  std::shared_ptr<CredentialsProvider> source;
};

class CredentialsProvider {
 public:
  explicit CredentialsProvider(CredentialsOptions options = {});

  // Current credentials: resolved on first use, refreshed before they expire.
  // Thread-safe. The error names every source tried when none has credentials.
  Status Get(Credentials* out);

  // Forgets the cached credentials (after an ExpiredToken answer).
  void Invalidate();

 private:
  Status Resolve(Credentials* out);

  CredentialsOptions options_;
  std::mutex mu_;
  bool cached_ = false;
  Credentials credentials_;
};

}  // namespace flowdex
