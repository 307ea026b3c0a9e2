// Turning the AWS and sink flags into clients and sinks, shared by
// `flowdex worker`, `flowdex lambda`, `flowdex ingest s3://...` and
// `flowdex serve --sqs`.
#pragma once

#include <atomic>
#include <memory>

#include "aws/aws_client.h"
#include "aws/sqs_client.h"
#include "cli/commands.h"
#include "enrich/address_enricher.h"
#include "flowlog/flow_format.h"
#include "pipeline/object_sink.h"
#include "store/store.h"
#include "util/cancellation.h"

namespace flowdex {

// Region, endpoints and the credentials chain. `cancel` stops retries.
AwsConfig MakeAwsConfig(const AwsCommandOptions& options, CancellationToken cancel);

Status ParseSqsProtocol(const std::string& name, SqsProtocol* out);

// Opens the --geoip-dir databases and reads --aws-ip-ranges (a file, or an
// http(s) URL fetched now); either may be "" (not used). Errors name the
// option.
Status OpenEnrichment(const std::string& geoip_dir, const std::string& aws_ip_ranges, EnrichmentSources* out);

// True when the sink flags name a cluster (http:// or https://), not the embedded store.
bool IsRemoteSink(const SinkCommandOptions& options);

// A sink for the flags: an ElasticsearchSink for a URL, else a StoreSink on
// `store` (which must then be open). `format` may be null. Records are
// enriched from options.geoip_dir when it is set.
Status MakeSink(const SinkCommandOptions& options, const AwsConfig& aws, Store* store, const FlowFormat* format,
                CancellationToken cancel, std::unique_ptr<ObjectSink>* out);

}  // namespace flowdex
