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

// Opens the --geoip-dir databases, reads --aws-ip-ranges (a file, or an
// http(s) URL fetched now) and opens the inventory history: --inventory,
// else <data_dir>/inventory.json when data_dir is set (a missing file
// names nothing until a sync writes it). With --inventory-refresh, starts
// syncing the inventory with `aws`. Errors name the option.
Status OpenEnrichment(const EnrichmentCommandOptions& options, const std::string& data_dir, const AwsConfig& aws,
                      EnrichmentSources* out);

// The inventory history file of a data directory.
std::string DefaultInventoryPath(const std::string& data_dir);

// True when the sink flags name a cluster (http:// or https://), not the embedded store.
bool IsRemoteSink(const SinkCommandOptions& options);

// A sink for the flags: an ElasticsearchSink for a URL, else a StoreSink on
// `store` (which must then be open). `format` may be null. Records are
// enriched as options.enrichment says (the inventory of the store's
// folder by default).
Status MakeSink(const SinkCommandOptions& options, const AwsConfig& aws, Store* store, const FlowFormat* format,
                CancellationToken cancel, std::unique_ptr<ObjectSink>* out);

}  // namespace flowdex
