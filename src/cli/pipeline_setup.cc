#include "cli/pipeline_setup.h"

#include <fmt/format.h>

#include "aws/http_client.h"
#include "aws/secrets_client.h"
#include "inventory/inventory_sync.h"
#include "pipeline/elasticsearch_sink.h"
#include "pipeline/sink_secret.h"
#include "pipeline/store_sink.h"
#include "util/file_util.h"
#include "util/time_util.h"

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

std::string DefaultInventoryPath(const std::string& data_dir) { return data_dir + "/inventory.json"; }

Status OpenEnrichment(const EnrichmentCommandOptions& options, const std::string& data_dir, const AwsConfig& aws,
                      EnrichmentSources* out) {
  const std::string& geoip_dir = options.geoip_dir;
  const std::string& aws_ip_ranges = options.aws_ip_ranges;
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
  std::string inventory = options.inventory;
  if (inventory.empty() && !data_dir.empty()) inventory = DefaultInventoryPath(data_dir);
  int64_t refresh_ms = 0;
  if (!options.inventory_refresh.empty()) {
    Status s = ParseDuration(options.inventory_refresh, &refresh_ms);
    if (s.ok() && refresh_ms < 60'000) s = Status::InvalidArgument("at least 1m (EC2 throttles Describe calls)");
    if (!s.ok()) return s.WithContext("--inventory-refresh");
    if (inventory.empty()) return Status::InvalidArgument("--inventory-refresh needs --inventory FILE (or --data)");
  }
  if (!inventory.empty()) {
    auto file = std::make_shared<InventoryFile>(inventory);
    std::shared_ptr<const InventoryHistory> loaded;
    Status s = file->Load(&loaded);
    // Named explicitly, the file must be there (or about to be written);
    // a data folder's default file comes with the first sync.
    if (s.IsNotFound() && !options.inventory.empty() && refresh_ms == 0) {
      return Status::InvalidArgument(
          fmt::format("--inventory {}: no such file (write it with `flowdex inventory sync`)", inventory));
    }
    if (!s.ok() && !s.IsNotFound()) return s.WithContext("--inventory");
    // A one-shot command over a folder without an inventory names nothing:
    // no enricher at all then (plain ingest stays as fast as it was).
    if (s.IsNotFound() && !options.long_running && refresh_ms == 0) return Status::OK();
    out->inventory = file;
    if (refresh_ms > 0) {
      std::vector<std::string> regions = options.inventory_regions;
      if (regions.empty()) regions.push_back(aws.region.empty() ? "us-east-1" : aws.region);
      out->inventory_refresher = std::make_shared<InventoryRefresher>(
          file, InventoryAccounts(aws, options.inventory_roles), regions, refresh_ms);
      // Without a history yet (a fresh folder, a Lambda's cold start), the
      // first sync comes before any record is read.
      out->inventory_refresher->Start(/*first_on_this_thread=*/s.IsNotFound());
    }
  }
  return Status::OK();
}

Status MakeSink(const SinkCommandOptions& options, const AwsConfig& aws, Store* store, const FlowFormat* format,
                CancellationToken cancel, std::unique_ptr<ObjectSink>* out) {
  EnrichmentSources enrichment;
  Status gs = OpenEnrichment(options.enrichment, store != nullptr ? store->dir() : "", aws, &enrichment);
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
