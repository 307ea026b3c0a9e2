#include "cli/pipeline_setup.h"

#include <fmt/format.h>

#include "aws/http_client.h"
#include "aws/secrets_client.h"
#include "pipeline/elasticsearch_sink.h"
#include "pipeline/sink_secret.h"
#include "pipeline/store_sink.h"
#include "util/file_util.h"

namespace flowdex {

AwsConfig MakeAwsConfig(const AwsCommandOptions& options, CancellationToken cancel) {
  AwsConfig config;
  // The AWS variables of this process, read here once and passed down.
  const AwsEnvironment env = AwsEnvironment::FromProcess();
  ResolveAwsConfig(env, options.endpoint_url, options.region, &config);
  CredentialsOptions creds;
  creds.env = env;
  creds.profile = options.profile;
  creds.region = config.region;
  config.credentials = std::make_shared<CredentialsProvider>(creds);
  config.cancel = cancel;
  return config;
}

Status ParseSqsProtocol(const std::string& name, SqsProtocol* out) {
  if (name == "json") {
    *out = SqsProtocol::kJson;
  } else if (name == "query") {
    *out = SqsProtocol::kQuery;
  } else {
    return Status::InvalidArgument(fmt::format("--sqs-protocol must be json or query, not '{}'", name));
  }
  return Status::OK();
}

bool IsRemoteSink(const SinkCommandOptions& options) {
  return options.sink.rfind("http://", 0) == 0 || options.sink.rfind("https://", 0) == 0;
}

Status OpenEnrichment(const std::string& geoip_dir, const std::string& aws_ip_ranges, EnrichmentSources* out) {
  *out = EnrichmentSources{};
  if (!geoip_dir.empty()) {
    std::unique_ptr<GeoIpDirectory> d;
    Status s = GeoIpDirectory::Open(geoip_dir, &d);
    if (!s.ok()) return s.WithContext("--geoip-dir");
    out->geoip = std::move(d);
  }
  if (!aws_ip_ranges.empty()) {
    std::string text;
    if (aws_ip_ranges.starts_with("https://") || aws_ip_ranges.starts_with("http://")) {
      HttpClient http;
      HttpRequest request;
      request.url = aws_ip_ranges;
      HttpResponse response;
      Status s = http.Send(request, &response);
      if (s.ok() && response.status != 200) {
        s = Status::IoError(fmt::format("{}: HTTP status {}", aws_ip_ranges, response.status));
      }
      if (!s.ok()) return s.WithContext("--aws-ip-ranges");
      text = std::move(response.body);
    } else {
      Status s = ReadWholeFile(aws_ip_ranges, &text);
      if (!s.ok()) return s.WithContext("--aws-ip-ranges");
    }
    std::unique_ptr<AwsIpRanges> ranges;
    Status s = AwsIpRanges::Parse(text, aws_ip_ranges, &ranges);
    if (!s.ok()) return s.WithContext("--aws-ip-ranges");
    out->aws_ip_ranges = std::move(ranges);
  }
  return Status::OK();
}

Status MakeSink(const SinkCommandOptions& options, const AwsConfig& aws, Store* store, const FlowFormat* format,
                CancellationToken cancel, std::unique_ptr<ObjectSink>* out) {
  EnrichmentSources enrichment;
  Status gs = OpenEnrichment(options.geoip_dir, options.aws_ip_ranges, &enrichment);
  if (!gs.ok()) return gs;
  if (IsRemoteSink(options)) {
    ElasticsearchSinkOptions es;
    es.url = options.sink;
    es.index = options.index;
    es.basic_auth = options.basic_auth;
    es.api_key = options.api_key;
    if (!options.secret.empty()) {
      if (!es.basic_auth.empty() || !es.api_key.empty()) {
        return Status::InvalidArgument("--sink-secret replaces --sink-basic-auth and --sink-api-key: give one");
      }
      std::string text;
      Status s = GetSecretString(aws, options.secret, &text);
      if (!s.ok()) return Status::InvalidArgument(fmt::format("--sink-secret: {}", s.message()));
      SinkCredentials credentials;
      s = ParseSinkSecret(text, &credentials);
      if (!s.ok()) return Status::InvalidArgument(fmt::format("--sink-secret {}: {}", options.secret, s.message()));
      es.basic_auth = credentials.basic_auth;
      es.api_key = credentials.api_key;
    }
    es.ca_file = options.ca_cert;
    es.insecure = options.insecure;
    es.dead_letter_path = options.dead_letter == "-" ? "/dev/stderr" : options.dead_letter;
    es.batch_documents = std::max<uint64_t>(1, options.bulk_documents);
    es.batch_bytes = std::max<uint64_t>(1, options.bulk_mb) << 20;
    es.user_format = format;
    es.cancel = cancel;
    es.sigv4_service = options.sigv4_service;
    es.aws = aws;
    es.enrichment = enrichment;
    *out = std::make_unique<ElasticsearchSink>(std::move(es));
    return Status::OK();
  }
  if (options.sink != "embedded") {
    return Status::InvalidArgument(
        fmt::format("--sink must be 'embedded' or an http(s):// URL, not '{}'", options.sink));
  }
  if (!store) return Status::InvalidArgument("the embedded sink needs an open data directory");
  StoreSink::Options so;
  so.index = options.index;
  so.user_format = format;
  so.enrichment = enrichment;
  *out = std::make_unique<StoreSink>(store, so);
  return Status::OK();
}

}  // namespace flowdex
