// ElasticsearchSink: writes objects' records to an Elasticsearch or
// OpenSearch cluster (or flowdex serve) through _bulk:
//   - `create` with the deterministic ids, so a redelivered object's
//     documents come back 409 (already there), which counts as success;
//   - batches bounded by document count and bytes;
//   - a whole request answered 429/5xx (or not answered) is retried, and so
//     are single items answered 429/5xx, with jittered exponential backoff;
//   - items refused for good (mapping errors, ...) go to a dead-letter file
//     (NDJSON: source, _id, status, error, document), fsynced before the
//     object counts as done;
//   - on first use, an index template maps the flow fields as Elastic's AWS
//     integration does (source.ip as ip, ports as long, ...).
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "aws/aws_client.h"
#include "enrich/address_enricher.h"
#include "flowlog/flow_format.h"
#include "pipeline/object_sink.h"
#include "schema/flow_index.h"
#include "util/cancellation.h"

namespace flowdex {

struct ElasticsearchSinkOptions {
  std::string url;  // http(s)://host:9200[/prefix]
  std::string index = std::string(kFlowIndex);
  std::string basic_auth;  // user:password
  std::string api_key;     // the encoded API key (id:key in base64)
  std::string ca_file;
  bool insecure = false;
  size_t batch_documents = 5000;
  size_t batch_bytes = 5u << 20;
  int max_attempts = 8;  // per batch, before the object fails
  int64_t base_backoff_ms = 200;
  int64_t max_backoff_ms = 30'000;
  int64_t timeout_ms = 120'000;
  std::string dead_letter_path = "flowdex-dead-letter.ndjson";
  bool install_template = true;
  const FlowFormat* user_format = nullptr;
  EnrichmentSources enrichment;  // what records are enriched from (--geoip-dir, --aws-ip-ranges)
  CancellationToken cancel;
  // Amazon OpenSearch Service: sign requests with SigV4 for this service
  // ("es" for domains, "aoss" for serverless); "" : no signing.
  std::string sigv4_service;
  AwsConfig aws;  // credentials and region for SigV4
};

class ElasticsearchSink final : public ObjectSink {
 public:
  explicit ElasticsearchSink(ElasticsearchSinkOptions options);
  ~ElasticsearchSink() override;

  Status WriteObject(const std::string& source_key, ByteSource* body, ObjectResult* result) override;
  std::string Describe() const override { return options_.url; }

  // Sends the index template now (WriteObject does it on first use).
  Status InstallTemplate();

  // Requests retried so far (whole requests and item subsets), for metrics.
  uint64_t retries() const { return retries_.load(); }

 private:
  friend class BulkBatcher;
  // POSTs `body` to _bulk; returns the answer (any status) or a network error.
  Status Send(const std::string& method, const std::string& path, const std::string& body, const char* content_type,
              HttpResponse* response);
  Status WriteDeadLetters(const std::string& lines);
  bool Sleep(int attempt);

  ElasticsearchSinkOptions options_;
  std::string authorization_;  // the Authorization header value, or ""
  std::mutex template_mu_;
  bool template_done_ = false;
  std::mutex dead_letter_mu_;
  std::atomic<uint64_t> retries_{0};
};

// The index template body flowdex installs: `index`'s pattern, a data
// stream, and the ECS types of every flow field.
std::string FlowIndexTemplateJson(const std::string& index);

}  // namespace flowdex
