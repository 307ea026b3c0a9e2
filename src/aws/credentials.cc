#include "aws/credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "aws/aws_client.h"
#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "aws/xml_document.h"
#include "util/strings.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

constexpr int64_t kRefreshMarginMs = 5 * 60 * 1000;

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string HomeFile(const AwsEnvironment& env, const char* env_override, const char* relative) {
  std::string p = env.Get(env_override);
  if (!p.empty()) return p;
  const std::string home = env.Get("HOME");
  return home.empty() ? std::string() : home + "/" + relative;
}

std::string ProfileName(const CredentialsOptions& o) {
  if (!o.profile.empty()) return o.profile;
  std::string p = o.env.Get("AWS_PROFILE");
  return p.empty() ? "default" : p;
}

// Expiration times are ISO-8601 ("2026-11-27T13:00:00Z").
int64_t ParseExpiration(std::string_view text) {
  int64_t ms = 0;
  return ParseIsoDate(text, &ms) ? ms : 0;
}

// The JSON that container credentials and IMDS answer with.
Status CredentialsFromJson(std::string_view body, const std::string& source, Credentials* out) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption(source + " answered with malformed JSON");
  auto str = [&](const char* name) -> std::string {
    auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  };
  out->access_key_id = str("AccessKeyId");
  out->secret_access_key = str("SecretAccessKey");
  out->session_token = str("Token");
  out->expires_ms = ParseExpiration(str("Expiration"));
  out->source = source;
  if (out->access_key_id.empty() || out->secret_access_key.empty()) {
    std::string code = str("Code"), message = str("Message");
    return Status::NotFound(
        fmt::format("{} gave no credentials{}", source, code.empty() ? "" : fmt::format(" ({}: {})", code, message)));
  }
  return Status::OK();
}

// STS's endpoint: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the region's
// (the global one without a region).
std::string StsEndpoint(const AwsEnvironment& env, const std::string& region) {
  std::string endpoint = env.Get("AWS_ENDPOINT_URL_STS");
  if (endpoint.empty()) endpoint = env.Get("AWS_ENDPOINT_URL");
  if (endpoint.empty()) {
    endpoint = region.empty() ? "https://sts.amazonaws.com" : fmt::format("https://sts.{}.amazonaws.com", region);
  }
  return endpoint;
}

// The Credentials element of an STS answer (AssumeRole*Response).
Status ReadStsCredentials(const XmlElement& root, const std::string& source, Credentials* out) {
  const XmlElement* c = root.Find("Credentials");
  if (!c) return Status::Corruption("STS answer has no Credentials");
  out->access_key_id = c->ChildText("AccessKeyId");
  out->secret_access_key = c->ChildText("SecretAccessKey");
  out->session_token = c->ChildText("SessionToken");
  out->expires_ms = ParseExpiration(c->ChildText("Expiration"));
  out->source = source;
  return Status::OK();
}

Status FromAssumeRole(const CredentialsOptions& o, Credentials* out) {
  if (!o.source) return Status::InvalidArgument("assuming a role needs credentials to assume it with");
  AwsConfig config;
  config.region = o.region.empty() ? DefaultRegion(o.env) : o.region;
  config.credentials = o.source;
  std::string session = o.env.Get("AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = fmt::format("flowdex-{}", CurrentTimeMillis());
  HttpRequest req;
  req.method = "POST";
  req.url = StsEndpoint(o.env, config.region);
  if (req.url.back() != '/') req.url += '/';
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body = fmt::format("Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}",
                         UriEncode(o.assume_role_arn, false), UriEncode(session, false));
  HttpResponse resp;
  Status s = CallAws(config, "STS AssumeRole " + o.assume_role_arn, std::move(req),
                     SigV4Scope{config.region.empty() ? "us-east-1" : config.region, "sts"}, SigV4Options{}, &resp);
  if (!s.ok()) return s;
  XmlElement root;
  if (Status x = ParseXml(resp.body, &root); !x.ok())
    return Status::Corruption(fmt::format("STS AssumeRole: {}", x.message()));
  return ReadStsCredentials(root, "role " + o.assume_role_arn, out);
}

Status FromWebIdentity(const CredentialsOptions& o, Credentials* out) {
  const AwsEnvironment& env = o.env;
  const std::string token_file = env.Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string role = env.Get("AWS_ROLE_ARN");
  std::string token;
  if (!ReadWholeFile(token_file, &token)) {
    return Status::IoError(fmt::format("cannot read AWS_WEB_IDENTITY_TOKEN_FILE {}", token_file));
  }
  std::string session = env.Get("AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = fmt::format("flowdex-{}", CurrentTimeMillis());
  std::string region = o.region.empty() ? DefaultRegion(env) : o.region;
  const std::string endpoint = StsEndpoint(env, region);
  HttpRequest req;
  req.method = "POST";
  req.url = endpoint;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  // AssumeRoleWithWebIdentity is not signed: the token is the proof.
  req.body = fmt::format(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&WebIdentityToken={}",
      UriEncode(role, false), UriEncode(session, false), UriEncode(TrimAsciiWhitespace(token), false));
  HttpClient http;
  HttpResponse resp;
  Status s = http.Send(req, &resp);
  if (!s.ok()) return Status::IoError(fmt::format("STS AssumeRoleWithWebIdentity: {}", s.message()));
  XmlElement root;
  if (!ParseXml(resp.body, &root).ok()) {
    return Status::IoError(fmt::format("STS AssumeRoleWithWebIdentity answered HTTP {} without XML", resp.status));
  }
  if (resp.status != 200) {
    const XmlElement* err = root.Find("Error");
    return Status::InvalidArgument(fmt::format("STS AssumeRoleWithWebIdentity for {}: {}: {}", role,
                                               err ? err->ChildText("Code") : "HTTP " + std::to_string(resp.status),
                                               err ? err->ChildText("Message") : ""));
  }
  return ReadStsCredentials(root, "web identity " + role, out);
}

Status FromContainer(const AwsEnvironment& env, Credentials* out) {
  std::string url;
  const std::string relative = env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (!relative.empty()) {
    url = "http://169.254.170.2" + relative;
  } else {
    url = env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    UrlParts parts;
    Status s = ParseUrl(url, &parts);
    if (!s.ok()) return s;
    // Only link-local and loopback hosts may hand out credentials over http.
    const bool allowed = parts.scheme == "https" || parts.host == "127.0.0.1" || parts.host == "localhost" ||
                         parts.host == "::1" || parts.host == "169.254.170.2" || parts.host == "169.254.170.23" ||
                         parts.host == "fd00:ec2::23";
    if (!allowed) {
      return Status::InvalidArgument(
          fmt::format("AWS_CONTAINER_CREDENTIALS_FULL_URI host {} is not loopback or the ECS/EKS agent", parts.host));
    }
  }
  HttpRequest req;
  req.url = url;
  req.timeout_ms = 5000;
  req.connect_timeout_ms = 2000;
  std::string token = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  const std::string token_file = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (!token_file.empty() && !ReadWholeFile(token_file, &token)) {
    return Status::IoError(fmt::format("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}", token_file));
  }
  if (!token.empty()) req.headers.emplace_back("Authorization", TrimAsciiWhitespace(token));
  HttpClient http;
  HttpResponse resp;
  Status s = http.Send(req, &resp);
  if (!s.ok()) return Status::IoError(fmt::format("container credentials: {}", s.message()));
  if (resp.status != 200) return Status::IoError(fmt::format("container credentials: HTTP {}", resp.status));
  return CredentialsFromJson(resp.body, "container credentials", out);
}

Status FromImds(const AwsEnvironment& env, Credentials* out) {
  std::string base = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpClient http;
  HttpRequest req;
  req.method = "PUT";
  req.url = base + "/latest/api/token";
  req.connect_timeout_ms = 1000;
  req.timeout_ms = 2000;
  req.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  HttpResponse resp;
  Status s = http.Send(req, &resp);
  if (!s.ok() || resp.status != 200) return Status::NotFound("no EC2 instance metadata service (IMDSv2)");
  const std::string token(TrimAsciiWhitespace(resp.body));
  req = HttpRequest();
  req.connect_timeout_ms = 1000;
  req.timeout_ms = 2000;
  req.headers.emplace_back("X-aws-ec2-metadata-token", token);
  req.url = base + "/latest/meta-data/iam/security-credentials/";
  s = http.Send(req, &resp);
  if (!s.ok() || resp.status != 200) return Status::NotFound("the EC2 instance has no IAM role");
  const std::string role(TrimAsciiWhitespace(std::string_view(resp.body).substr(0, resp.body.find('\n'))));
  req.url = base + "/latest/meta-data/iam/security-credentials/" + role;
  s = http.Send(req, &resp);
  if (!s.ok() || resp.status != 200)
    return Status::IoError(fmt::format("IMDS credentials of role {} unavailable", role));
  return CredentialsFromJson(resp.body, "EC2 instance role " + role, out);
}

}  // namespace

IniSections ParseIni(std::string_view text) {
  IniSections out;
  std::string section;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    std::string line(TrimAsciiWhitespace(text.substr(i, j - i)));
    i = j + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      section = std::string(TrimAsciiWhitespace(
          std::string_view(line).substr(1, close == std::string::npos ? std::string::npos : close - 1)));
      out[section];
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    std::string key(TrimAsciiWhitespace(std::string_view(line).substr(0, eq)));
    for (char& c : key) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
    out[section][key] = std::string(TrimAsciiWhitespace(std::string_view(line).substr(eq + 1)));
  }
  return out;
}

Status LoadProfile(const AwsEnvironment& env, const std::string& profile,
                   std::map<std::string, std::string>* settings) {
  settings->clear();
  bool found = false;
  std::string text;
  const std::string config = HomeFile(env, "AWS_CONFIG_FILE", ".aws/config");
  if (!config.empty() && ReadWholeFile(config, &text)) {
    IniSections ini = ParseIni(text);
    // In the config file, profiles other than default are "[profile name]".
    auto it = ini.find(profile == "default" ? "default" : "profile " + profile);
    if (it == ini.end() && profile == "default") it = ini.find("profile default");
    if (it != ini.end()) {
      *settings = it->second;
      found = true;
    }
  }
  const std::string creds = HomeFile(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  if (!creds.empty() && ReadWholeFile(creds, &text)) {
    IniSections ini = ParseIni(text);
    auto it = ini.find(profile);
    if (it != ini.end()) {
      for (const auto& [k, v] : it->second) (*settings)[k] = v;
      found = true;
    }
  }
  return found ? Status::OK()
               : Status::NotFound(fmt::format("profile '{}' is in neither {} nor {}", profile, creds, config));
}

std::string DefaultRegion(const AwsEnvironment& env) {
  std::string r = env.Get("AWS_REGION");
  if (r.empty()) r = env.Get("AWS_DEFAULT_REGION");
  if (r.empty()) {
    std::map<std::string, std::string> settings;
    const std::string profile = env.Get("AWS_PROFILE").empty() ? "default" : env.Get("AWS_PROFILE");
    if (LoadProfile(env, profile, &settings).ok()) r = settings["region"];
  }
  return r;
}

CredentialsProvider::CredentialsProvider(CredentialsOptions options) : options_(std::move(options)) {}

void CredentialsProvider::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_ = false;
}

Status CredentialsProvider::Get(Credentials* out) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = CurrentTimeMillis();
  if (cached_ && (credentials_.expires_ms == 0 || credentials_.expires_ms - kRefreshMarginMs > now)) {
    *out = credentials_;
    return Status::OK();
  }
  Credentials fresh;
  Status s = Resolve(&fresh);
  if (!s.ok()) {
    // Still-valid credentials outlive a failed early refresh.
    if (cached_ && credentials_.expires_ms > now) {
      *out = credentials_;
      return Status::OK();
    }
    return s;
  }
  credentials_ = fresh;
  cached_ = true;
  *out = credentials_;
  return Status::OK();
}

Status CredentialsProvider::Resolve(Credentials* out) {
  const AwsEnvironment& env = options_.env;
  *out = Credentials();
  if (!options_.assume_role_arn.empty()) return FromAssumeRole(options_, out);
  if (!options_.access_key_id.empty() || !options_.secret_access_key.empty()) {
    if (options_.access_key_id.empty() || options_.secret_access_key.empty()) {
      return Status::InvalidArgument("both an access key id and a secret access key are needed");
    }
    out->access_key_id = options_.access_key_id;
    out->secret_access_key = options_.secret_access_key;
    out->session_token = options_.session_token;
    out->source = "flags";
    return Status::OK();
  }
  const std::string env_id = env.Get("AWS_ACCESS_KEY_ID"), env_secret = env.Get("AWS_SECRET_ACCESS_KEY");
  if (!env_id.empty() || !env_secret.empty()) {
    if (env_id.empty() || env_secret.empty()) {
      return Status::InvalidArgument("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    }
    out->access_key_id = env_id;
    out->secret_access_key = env_secret;
    out->session_token = env.Get("AWS_SESSION_TOKEN");
    out->source = "environment";
    return Status::OK();
  }
  if (!env.Get("AWS_WEB_IDENTITY_TOKEN_FILE").empty() && !env.Get("AWS_ROLE_ARN").empty())
    return FromWebIdentity(options_, out);

  const std::string profile = ProfileName(options_);
  std::map<std::string, std::string> settings;
  Status s = LoadProfile(env, profile, &settings);
  if (s.ok()) {
    if (!settings["aws_access_key_id"].empty() && !settings["aws_secret_access_key"].empty()) {
      out->access_key_id = settings["aws_access_key_id"];
      out->secret_access_key = settings["aws_secret_access_key"];
      out->session_token = settings["aws_session_token"];
      out->source = "profile " + profile;
      return Status::OK();
    }
    for (const char* unsupported : {"role_arn", "credential_process", "sso_session", "sso_start_url"}) {
      if (settings.count(unsupported)) {
        return Status::InvalidArgument(fmt::format(
            "profile '{}' uses {}, which flowdex does not resolve; export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/"
            "AWS_SESSION_TOKEN (e.g. from `aws configure export-credentials`)",
            profile, unsupported));
      }
    }
  } else if (!options_.profile.empty() || !env.Get("AWS_PROFILE").empty()) {
    return s;  // a profile asked for by name must exist
  }
  if (!env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty() ||
      !env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty()) {
    return FromContainer(env, out);
  }
  if (env.Get("AWS_EC2_METADATA_DISABLED") != "true") {
    s = FromImds(env, out);
    if (s.ok() || !s.IsNotFound()) return s;
  }
  return Status::NotFound(
      "no AWS credentials found (tried: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, web identity, profile '" + profile +
      "' in ~/.aws, container credentials, EC2 instance metadata)");
}

}  // namespace flowdex
