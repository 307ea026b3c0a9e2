// flowdex: one binary, several commands (see README.md).
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "util/allocator_tuning.h"

namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// --endpoint-url, --region, --profile, --sqs-protocol.
void AddAwsOptions(CLI::App* cmd, flowdex::AwsCommandOptions* aws) {
  cmd->add_option("--endpoint-url", aws->endpoint_url,
                  "Endpoint of every AWS service called (emulators, MinIO); else AWS_ENDPOINT_URL_S3, _SQS, _EC2, "
                  "_SECRETS_MANAGER, then AWS_ENDPOINT_URL");
  cmd->add_option("--region", aws->region, "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's)");
  cmd->add_option("--profile", aws->profile, "Profile of ~/.aws/credentials and ~/.aws/config (else AWS_PROFILE)");
  cmd->add_option("--sqs-protocol", aws->sqs_protocol, "SQS wire protocol: json or query")->capture_default_str();
}

// --geoip-dir, --aws-ip-ranges and the inventory (env FLOWDEX_GEOIP_DIR,
// FLOWDEX_AWS_IP_RANGES, FLOWDEX_INVENTORY); `refresh`: the command runs
// long enough to sync the inventory itself (--inventory-refresh).
void AddEnrichmentOptions(CLI::App* cmd, flowdex::EnrichmentCommandOptions* e, bool refresh) {
  e->geoip_dir = EnvOr("FLOWDEX_GEOIP_DIR", "");
  e->aws_ip_ranges = EnvOr("FLOWDEX_AWS_IP_RANGES", "");
  e->inventory = EnvOr("FLOWDEX_INVENTORY", "");
  cmd->add_option("--aws-ip-ranges", e->aws_ip_ranges,
                  "AWS's ip-ranges.json (a file, or its https:// URL, read at start): name addresses in AWS's "
                  "published ranges by service and region, source/destination .aws.service and .aws.region "
                  "(env FLOWDEX_AWS_IP_RANGES)");
  cmd->add_option("--geoip-dir", e->geoip_dir,
                  "Folder of MaxMind-format databases (GeoLite2-City.mmdb, GeoLite2-ASN.mmdb, ...): add source/"
                  "destination .geo and .as fields as Elastic's pipeline does; replaced files are picked up "
                  "(env FLOWDEX_GEOIP_DIR)");
  cmd->add_option("--inventory", e->inventory,
                  "The AWS inventory history written by `flowdex inventory sync` (default: <data>/inventory.json): "
                  "name each address by the interface, instance, security groups, subnet and VPC that held it at "
                  "the flow's time, source/destination .aws.instance.name, ... (env FLOWDEX_INVENTORY)");
  e->long_running = refresh;
  if (refresh) {
    e->inventory_refresh = EnvOr("FLOWDEX_INVENTORY_REFRESH", "");
    cmd->add_option("--inventory-refresh", e->inventory_refresh,
                    "Sync the AWS inventory (EC2 Describe calls) into --inventory this often, e.g. 10m; the first "
                    "sync runs at start (env FLOWDEX_INVENTORY_REFRESH)");
    cmd->add_option("--inventory-regions", e->inventory_regions, "Regions the inventory sync reads (default: --region)")
        ->delimiter(',');
    cmd->add_option("--inventory-roles", e->inventory_roles,
                    "Role ARNs to assume for the inventory sync, one per account of an organisation (default: the "
                    "credentials' own account; env FLOWDEX_INVENTORY_ROLES)")
        ->delimiter(',')
        ->envname("FLOWDEX_INVENTORY_ROLES");
  }
}

// --sink and its connection settings.
void AddSinkOptions(CLI::App* cmd, flowdex::SinkCommandOptions* sink) {
  sink->sink = EnvOr("FLOWDEX_SINK", sink->sink);
  sink->basic_auth = EnvOr("FLOWDEX_SINK_BASIC_AUTH", "");
  sink->api_key = EnvOr("FLOWDEX_SINK_API_KEY", "");
  sink->secret = EnvOr("FLOWDEX_SINK_SECRET", "");
  sink->sigv4_service = EnvOr("FLOWDEX_SINK_SIGV4", "");
  sink->index = EnvOr("FLOWDEX_INDEX", sink->index);
  cmd->add_option("--sink", sink->sink, "embedded, or an Elasticsearch/OpenSearch URL (env FLOWDEX_SINK)")
      ->capture_default_str();
  cmd->add_option("--sink-basic-auth", sink->basic_auth, "user:password for --sink (env FLOWDEX_SINK_BASIC_AUTH)");
  cmd->add_option("--sink-api-key", sink->api_key, "Encoded API key for --sink (env FLOWDEX_SINK_API_KEY)");
  cmd->add_option("--sink-secret", sink->secret,
                  "AWS Secrets Manager secret (name or ARN) with the --sink credentials: {\"username\",\"password\"}, "
                  "{\"api_key\"} or user:password (env FLOWDEX_SINK_SECRET)");
  cmd->add_option("--sink-ca-cert", sink->ca_cert, "CA certificate file for an https --sink");
  cmd->add_flag("--sink-insecure", sink->insecure, "Do not verify the --sink server's certificate");
  cmd->add_option("--sink-sigv4", sink->sigv4_service,
                  "Sign --sink requests with SigV4 for this service (es: Amazon OpenSearch Service, aoss: Serverless; "
                  "env FLOWDEX_SINK_SIGV4)");
  cmd->add_option("--dead-letter", sink->dead_letter, "File for documents the sink refuses for good ('-': stderr)")
      ->capture_default_str();
  cmd->add_option("--bulk-docs", sink->bulk_documents, "Documents per _bulk request")->capture_default_str();
  cmd->add_option("--bulk-mb", sink->bulk_mb, "Largest _bulk request (MB)")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  flowdex::RestartWithHugePages(argc, argv);
  flowdex::TuneAllocator();
  CLI::App app{"flowdex: search and analyse AWS VPC Flow Logs", "flowdex"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "flowdex 0.1.0");
  // One file for every command's options: a [serve] or [worker] section holds
  // that command's long option names (TOML; see deploy/systemd/flowdex.toml).
  app.set_config("--config", "",
                 "Read options from this TOML file ([serve], [worker], ... sections; env FLOWDEX_CONFIG)")
      ->envname("FLOWDEX_CONFIG");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error, not silently ignored

  flowdex::ParseCommandOptions parse;
  CLI::App* parse_cmd = app.add_subcommand(
      "parse", "Print each flow-log record as its ECS JSON document (NDJSON); bad lines and a summary go to stderr");
  parse_cmd->add_option("inputs", parse.inputs, "Files or folders (.log, .log.gz, .parquet, recursively); - for stdin");
  parse_cmd->add_option("--format", parse.format,
                        "Layout of files without a header line: field names (\"version account-id ...\") or "
                        "v2|v3|v4|v5|v7|v8|tgw");
  parse_cmd->add_flag("--original", parse.original, "Add event.original (the line as read)");
  parse_cmd->add_flag("--count", parse.count_only, "Parse without printing documents (for timing the parser)");
  parse_cmd->add_option("--max-errors", parse.max_errors, "Print at most this many bad lines (all are counted)");
  AddEnrichmentOptions(parse_cmd, &parse.enrichment, false);

  flowdex::GenCommandOptions gen;
  CLI::App* gen_cmd =
      app.add_subcommand("gen", "Write deterministic, realistic synthetic flow logs as AWS delivers them");
  gen_cmd->add_option("--records", gen.records, "Total records")->capture_default_str();
  gen_cmd->add_option("--files", gen.files, "Number of files (each covers 5 minutes)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  gen_cmd->add_option("--out", gen.out_dir, "Output folder (the AWSLogs/ tree is made below it)")->required();
  gen_cmd->add_option("--seed", gen.seed, "Random seed: the same seed gives the same files")->capture_default_str();
  gen_cmd->add_option("--start", gen.start,
                      "Start of the first file's window: 2026-11-01T00:00Z, Unix seconds or now-24h "
                      "(default 2027-01-01T00:00Z)");
  gen_cmd->add_option("--fields", gen.fields, "v2, v5, v8, or a list of field names")->capture_default_str();
  gen_cmd->add_option("--level", gen.level, "gzip level")->capture_default_str()->check(CLI::Range(1, 12));
  gen_cmd->add_option("--inject", gen.inject,
                      "Plant an incident: KIND@TIME[:key=value,...], KIND one of portscan, sweep, "
                      "ssh-from-internet, exfil, deny-spike, new-country (repeatable; docs/detections.md)");
  gen_cmd->add_option("--labels", gen.labels, "Write what --inject planted here (JSON lines)");
  gen_cmd->add_option("--inventory", gen.inventory,
                      "Also write the simulated network's AWS inventory history (instances, groups, VPCs) to this "
                      "file, for `--inventory` or <data>/inventory.json (with --records 0: only that)");

  flowdex::IngestCommandOptions ingest;
  const char* env_data = std::getenv("FLOWDEX_DATA");
  ingest.data_dir = env_data && *env_data ? env_data : "flowdex-data";
  CLI::App* ingest_cmd = app.add_subcommand(
      "ingest",
      "Load flow-log files and folders (.log, .log.gz, .parquet), s3://bucket/prefix or cwl://LOG_GROUP into the data "
      "directory, each file once");
  ingest_cmd->add_option("inputs", ingest.inputs, "Files or folders")->required();
  ingest_cmd->add_option("--data", ingest.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  ingest_cmd->add_option("--index", ingest.index,
                         "Index to load into (flow logs: logs-aws.vpcflow-default; required with --documents)");
  ingest_cmd->add_option("--format", ingest.format, "Layout of files without a header line (as for parse)");
  ingest_cmd->add_option("--workers", ingest.workers, "Files parsed at once (default: one per core)");

  ingest_cmd->add_option("--batch-rows", ingest.batch_rows, "Rows a worker collects before it commits")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));

  ingest_cmd->add_option("--retention", ingest.retention,
                         "Keep this much history (30d, 12h): older partitions are dropped, older records skipped");
  ingest_cmd->add_option("--max-disk", ingest.max_disk,
                         "Drop the oldest day partitions while the store is larger than this (50GB)");

  ingest_cmd->add_flag("--documents", ingest.documents,
                       "The files hold JSON documents, one per line (NDJSON, plain or gzip), for --index");
  ingest_cmd->add_option("--memory-budget", ingest.memory_mb, "Memory budget in MB")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{32}, uint64_t{1} << 20));

  AddAwsOptions(ingest_cmd, &ingest.aws);
  AddSinkOptions(ingest_cmd, &ingest.sink);
  AddEnrichmentOptions(ingest_cmd, &ingest.sink.enrichment, false);
  ingest_cmd->add_option(
      "--checkpoint", ingest.checkpoint,
      "s3:// and cwl:// inputs: resume file (default: in <data>/backfill, or ./ for a remote --sink)");
  ingest_cmd
      ->add_option("--cwl-page-size", ingest.cwl_page_size,
                   "cwl:// inputs: events a FilterLogEvents page (default: the service's, up to 10,000)")
      ->check(CLI::Range(0, 10000));
  ingest_cmd->add_option("--key-pattern", ingest.key_pattern, "s3:// inputs: only keys matching this RE2 pattern");

  flowdex::CheckCommandOptions check;
  check.data_dir = ingest.data_dir;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Verify a data directory: every block's checksum, and every ingested source stored exactly once");
  check_cmd->add_option("--data", check.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  check_cmd->add_flag("--columns", check.columns, "Also print the bytes each column takes");
  check_cmd->add_flag("--sources", check.sources,
                      "Also list every ingested file: records, bad lines, index, and the GeoIP databases that "
                      "enriched it");
  CLI::App* upgrade_cmd = app.add_subcommand(
      "upgrade", "Convert a data directory written by an older flowdex to the current format, then verify it");
  upgrade_cmd->add_option("--data", check.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();

  flowdex::SchemaCommandOptions schema;
  CLI::App* schema_cmd = app.add_subcommand(
      "schema", "List every field of the flow index a query can name: its type and where its values come from");
  schema_cmd->add_flag("--markdown", schema.markdown, "Print docs/flow_schema.md (the table as documentation)");

  flowdex::QueryCommandOptions query;
  query.data_dir = ingest.data_dir;
  CLI::App* query_cmd = app.add_subcommand(
      "query", "Run an Elasticsearch _search body (Query DSL) against the store and print the response");
  query_cmd->add_option("body", query.body, "The request body (JSON), or @file; empty: match_all");
  query_cmd->add_option("--data", query.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  query_cmd->add_option("--inventory", query.inventory,
                        "Inventory history naming flows stored without names (default: <data>/inventory.json)");
  query_cmd->add_option("--index", query.index, "Indices: names and patterns, comma-separated")->capture_default_str();
  query_cmd->add_option("--repeat", query.repeat, "Run the query N more times and print their latencies on stderr")
      ->check(CLI::Range(0, 100000));
  query_cmd->add_flag("--no-rollups", query.no_rollups, "Read raw rows only, never rollups (to compare answers)");
  query_cmd->add_flag("--no-cache", query.no_cache,
                      "Keep no decoded blocks or filter results between runs (to time the uncached engine)");

  flowdex::ServeCommandOptions serve;
  serve.data_dir = ingest.data_dir;
  if (const char* v = std::getenv("FLOWDEX_LISTEN"); v && *v) serve.listen = v;
  if (const char* v = std::getenv("FLOWDEX_BASIC_AUTH"); v && *v) serve.basic_auth = v;
  if (const char* v = std::getenv("FLOWDEX_FIREHOSE_ACCESS_KEY"); v && *v) serve.firehose_access_key = v;
  serve.firehose_access_key_secret = EnvOr("FLOWDEX_FIREHOSE_ACCESS_KEY_SECRET", "");
  if (const char* v = std::getenv("FLOWDEX_API_KEYS"); v && *v) {
    for (std::string_view keys = v; !keys.empty();) {
      const size_t comma = keys.find(',');
      if (comma != 0) serve.api_keys.emplace_back(keys.substr(0, comma));
      keys = comma == std::string_view::npos ? std::string_view() : keys.substr(comma + 1);
    }
  }
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "Serve the Elasticsearch-compatible API over the data directory, ingesting watched folders");
  serve_cmd->add_option("--data", serve.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen, "host:port to listen on (env FLOWDEX_LISTEN)")->capture_default_str();
  serve_cmd->add_option("--watch", serve.watch, "Ingest flow-log files dropped into this folder (repeatable)");
  serve_cmd->add_option("--es-version", serve.es_version, "Elasticsearch version reported by GET /")
      ->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "Connections served at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--max-queued", serve.max_queued, "Connections waiting for a thread; more are answered 429")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  serve_cmd
      ->add_option("--indexing-pressure-mb", serve.indexing_pressure_mb,
                   "_bulk documents being indexed at once (MB); items beyond are answered 429")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--max-body-mb", serve.max_body_mb, "Largest request body, after decompression (MB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--basic-auth", serve.basic_auth, "Require user:password (env FLOWDEX_BASIC_AUTH)");
  serve_cmd->add_option("--api-key", serve.api_keys,
                        "Accept this API key, as id:key (repeatable; env FLOWDEX_API_KEYS)");
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "Serve HTTPS with this certificate (PEM)");
  serve_cmd->add_option("--tls-key", serve.tls_key, "...and this private key (PEM)");
  serve_cmd
      ->add_option("--max-concurrent-searches", serve.max_concurrent_searches,
                   "Searches run at once; more are answered 429")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  serve_cmd->add_option("--search-timeout", serve.search_timeout, "Longest time a search collects hits")
      ->capture_default_str();
  serve_cmd->add_option("--read-timeout", serve.read_timeout, "Cut off a client that sends nothing for this long")
      ->capture_default_str();
  serve_cmd->add_option("--retention", serve.retention, "Drop day partitions older than this (30d)");
  serve_cmd->add_option("--max-disk", serve.max_disk,
                        "Drop the oldest day partitions while the store is larger (50GB)");
  serve_cmd->add_option("--block-cache", serve.block_cache, "Memory for decoded column blocks (0: none)")
      ->capture_default_str();
  serve_cmd->add_option("--filter-cache", serve.filter_cache, "Memory for the rows query filters match (0: none)")
      ->capture_default_str();
  serve_cmd->add_option("--ready-file", serve.ready_file, "Write the server's URL here once it listens");

  serve_cmd->add_option("--sqs", serve.sqs, "Ingest S3 notifications from this SQS queue URL (repeatable)");
  AddEnrichmentOptions(serve_cmd, &serve.enrichment, true);
  serve_cmd->add_option("--sqs-workers", serve.sqs_workers, "Objects per queue processed at once")
      ->capture_default_str();
  serve_cmd->add_option("--key-pattern", serve.key_pattern, "--sqs: only keys matching this RE2 pattern");
  AddAwsOptions(serve_cmd, &serve.aws);
  serve_cmd->add_option("--backend", serve.backend,
                        "Serve the UI over this Elasticsearch/OpenSearch URL (the API is proxied; no local store)");
  serve_cmd->add_option("--backend-basic-auth", serve.backend_basic_auth, "user:password for --backend");
  serve_cmd->add_option("--backend-api-key", serve.backend_api_key, "Encoded API key for --backend");
  serve_cmd->add_option("--backend-ca-cert", serve.backend_ca_cert, "CA certificate file for an https --backend");
  serve_cmd->add_flag("--backend-insecure", serve.backend_insecure, "Do not verify the --backend certificate");
  serve_cmd->add_option("--firehose-access-key", serve.firehose_access_key,
                        "Accept Amazon Data Firehose HTTP endpoint deliveries carrying this access key "
                        "(env FLOWDEX_FIREHOSE_ACCESS_KEY)");
  serve_cmd->add_option("--firehose-access-key-secret", serve.firehose_access_key_secret,
                        "...or the key from this Secrets Manager secret: {\"api_key\": \"...\"} or the key itself "
                        "(env FLOWDEX_FIREHOSE_ACCESS_KEY_SECRET)");
  serve_cmd->add_option("--firehose-path", serve.firehose_path, "Where Firehose delivers (the endpoint URL's path)")
      ->capture_default_str();
  serve_cmd->add_option("--firehose-format", serve.firehose_formats,
                        "Layout of Firehose records without a header line: a format (default v2), or "
                        "LOG_GROUP=FORMAT for CloudWatch Logs payloads of that log group (repeatable)");
  serve_cmd
      ->add_option("--enable-rules", serve.enable_rules,
                   "Enable these prebuilt detection rules (comma-separated ids, or all)")
      ->delimiter(',');
  serve_cmd->add_option("--rules-tick", serve.rules_tick, "How often detection rules' schedules are looked at")
      ->capture_default_str();
  serve_cmd
      ->add_option("--alert-late", serve.alert_late,
                   "Windows ending this far back are evaluated again when flows arrive late")
      ->capture_default_str();

  flowdex::WorkerCommandOptions worker;
  worker.data_dir = ingest.data_dir;
  worker.queue_url = EnvOr("FLOWDEX_QUEUE_URL", "");
  worker.key_pattern = EnvOr("FLOWDEX_KEY_PATTERN", "");
  CLI::App* worker_cmd = app.add_subcommand(
      "worker", "Consume S3 notifications from SQS: fetch each flow-log object and store its records");
  worker_cmd->add_option("--queue-url", worker.queue_url, "SQS queue URL (env FLOWDEX_QUEUE_URL)");
  worker_cmd->add_option("--data", worker.data_dir, "Data directory of the embedded sink (env FLOWDEX_DATA)")
      ->capture_default_str();
  AddSinkOptions(worker_cmd, &worker.sink);
  AddEnrichmentOptions(worker_cmd, &worker.sink.enrichment, true);
  worker_cmd->add_option("--index", worker.sink.index, "Index (data stream) the records go to (env FLOWDEX_INDEX)")
      ->capture_default_str();
  AddAwsOptions(worker_cmd, &worker.aws);
  worker_cmd
      ->add_option("--key-pattern", worker.key_pattern,
                   "Only objects whose key matches this RE2 pattern (env FLOWDEX_KEY_PATTERN); others are skipped")
      ->capture_default_str();
  worker_cmd->add_option("--format", worker.format, "Layout of objects without a header line");
  worker_cmd->add_option("--workers", worker.workers, "Messages (objects) processed at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  worker_cmd
      ->add_option("--visibility-timeout", worker.visibility_seconds,
                   "Seconds a received message stays hidden; extended while it is processed")
      ->capture_default_str()
      ->check(CLI::Range(2, 43200));
  worker_cmd->add_option("--wait", worker.wait_seconds, "Long-poll seconds")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  worker_cmd
      ->add_option("--retry-after", worker.retry_after_seconds, "Seconds before a failed message is visible again")
      ->capture_default_str()
      ->check(CLI::Range(0, 43200));
  worker_cmd->add_option("--delete-after-receives", worker.delete_after_receives,
                         "Delete a message that failed this many receives (only for queues without a DLQ)");
  worker_cmd->add_flag("--exit-when-idle", worker.exit_when_idle, "Stop once the queue is empty");
  worker_cmd->add_option("--metrics-listen", worker.metrics_listen,
                         "Serve the pipeline's Prometheus counters at http://HOST:PORT/metrics");

  flowdex::LambdaCommandOptions lambda;
  lambda.key_pattern = EnvOr("FLOWDEX_KEY_PATTERN", "");
  lambda.format = EnvOr("FLOWDEX_FORMAT", "");
  CLI::App* lambda_cmd = app.add_subcommand(
      "lambda", "Run as the AWS Lambda custom runtime (bootstrap) for an SQS trigger; the sink is FLOWDEX_SINK");
  AddSinkOptions(lambda_cmd, &lambda.sink);
  AddEnrichmentOptions(lambda_cmd, &lambda.sink.enrichment, true);
  lambda_cmd->add_option("--index", lambda.sink.index, "Index (data stream) the records go to (env FLOWDEX_INDEX)")
      ->capture_default_str();
  lambda.sink.dead_letter = "-";  // /tmp does not last: dead letters go to the function's log
  AddAwsOptions(lambda_cmd, &lambda.aws);
  lambda_cmd->add_option("--key-pattern", lambda.key_pattern,
                         "Only objects whose key matches (env FLOWDEX_KEY_PATTERN)");
  lambda_cmd
      ->add_option("--deadline-margin-ms", lambda.deadline_margin_ms,
                   "Start no message with less time than this before the deadline")
      ->capture_default_str();
  lambda_cmd->add_option("--max-invocations", lambda.max_invocations, "Return after this many invocations (tests)");

  flowdex::SearchCommandOptions search;
  search.data_dir = ingest.data_dir;
  if (const char* v = std::getenv("FLOWDEX_URL"); v && *v) search.url = v;
  CLI::App* search_cmd = app.add_subcommand("search", "Search flows with KQL and print them as a table");
  search_cmd->add_option("kql", search.kql, "KQL query (empty: everything)");
  search_cmd->add_option("--url", search.url, "An Elasticsearch-compatible URL (env FLOWDEX_URL); default: --data");
  search_cmd->add_option("--data", search.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  search_cmd->add_option("--inventory", search.inventory,
                         "Inventory history naming flows stored without names (default: <data>/inventory.json)");
  search_cmd->add_option("--index", search.index, "Index pattern")->capture_default_str();
  search_cmd->add_option("--since", search.since, "Only the last period: 15m, 1h, 7d");
  search_cmd->add_option("--from", search.from, "From this time (ISO-8601 or date math)");
  search_cmd->add_option("--to", search.to, "Until this time");
  search_cmd->add_option("--size", search.size, "Hits (or --stats rows) to show")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  search_cmd->add_option("--sort", search.sort, "field:asc|desc, comma-separated")->capture_default_str();
  search_cmd->add_option("--stats", search.stats, "Print the top values of this field (flows, bytes, packets)");
  search_cmd->add_option("--format", search.format, "table, json, ndjson or csv")->capture_default_str();
  search_cmd->add_option("--user", search.user, "user:password for --url");
  search_cmd->add_option("--api-key", search.api_key, "Encoded API key for --url");
  search_cmd->add_option("--ca-cert", search.ca_cert, "CA certificate file for https URLs");
  search_cmd->add_flag("--insecure", search.insecure, "Do not verify the server's certificate");
  search_cmd->get_option("--since")
      ->excludes(search_cmd->get_option("--from"))
      ->excludes(search_cmd->get_option("--to"));

  flowdex::InventoryCommandOptions inventory;
  inventory.data_dir = EnvOr("FLOWDEX_DATA", "flowdex-data");
  inventory.file = EnvOr("FLOWDEX_INVENTORY", "");
  CLI::App* inventory_cmd = app.add_subcommand(
      "inventory", "The AWS inventory that names addresses: who owned each address when (docs/enrichment.md)");
  inventory_cmd->require_subcommand(1);
  CLI::App* inventory_sync_cmd = inventory_cmd->add_subcommand(
      "sync", "Read EC2's interfaces, instances, security groups, subnets and VPCs into the inventory history");
  CLI::App* inventory_show_cmd =
      inventory_cmd->add_subcommand("show", "Print the inventory history: each address's owners and their time ranges");
  for (CLI::App* sub : {inventory_sync_cmd, inventory_show_cmd}) {
    sub->add_option("--data", inventory.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
    sub->add_option("--inventory", inventory.file,
                    "The history file (default: <data>/inventory.json; env FLOWDEX_INVENTORY)");
  }
  AddAwsOptions(inventory_sync_cmd, &inventory.aws);
  inventory_sync_cmd->add_option("--regions", inventory.regions, "Regions to read, comma-separated (default: --region)")
      ->delimiter(',');
  inventory_sync_cmd
      ->add_option("--assume-role", inventory.roles,
                   "Assume this role (STS AssumeRole) to read its account; repeat or comma-separate, "
                   "one per account of an organisation (default: the credentials' own account)")
      ->delimiter(',');
  inventory_sync_cmd->add_option("--page-size", inventory.page_size, "EC2 MaxResults per Describe call (5-1000)")
      ->check(CLI::Range(5, 1000))
      ->capture_default_str();
  inventory_show_cmd->add_option("address", inventory.address, "Only this address");

  flowdex::RulesCommandOptions rules;
  rules.url = EnvOr("FLOWDEX_URL", rules.url);
  CLI::App* rules_cmd =
      app.add_subcommand("rules", "Detection rules of a running flowdex serve: list, add, test, enable, delete");
  rules_cmd->require_subcommand(1);
  std::vector<CLI::App*> rules_subs;
  for (const auto& [name, help] : std::vector<std::pair<const char*, const char*>>{
           {"list", "Every rule, whether it is enabled, and its last run"},
           {"show", "One rule as JSON"},
           {"add", "Add or replace a rule from a JSON file (its id inside, or --id)"},
           {"test", "What a rule would have fired over --from..--to, nothing recorded"},
           {"delete", "Delete a rule (prebuilt ones can only be disabled)"},
           {"enable", "Enable a rule"},
           {"disable", "Disable a rule"},
           {"run", "One pass of the schedule as of --to (replays past windows into alerts)"}}) {
    CLI::App* sub = rules_cmd->add_subcommand(name, help);
    sub->add_option("--url", rules.url, "The server (env FLOWDEX_URL)")->capture_default_str();
    sub->add_option("--user", rules.user, "user:password");
    sub->add_option("--api-key", rules.api_key, "Encoded API key");
    sub->add_option("--ca-cert", rules.ca_cert, "CA certificate file for https URLs");
    sub->add_flag("--insecure", rules.insecure, "Do not verify the server's certificate");
    sub->add_flag("--json", rules.json, "Print the API's JSON");
    const std::string n = name;
    if (n == "add") {
      sub->add_option("file", rules.file, "The rule's JSON (- for stdin)")->required();
      sub->add_option("--id", rules.id, "The rule's id (else the file's)");
    } else if (n == "test") {
      sub->add_option("id", rules.id, "The rule")->required();
      sub->add_option("--from", rules.from, "Start of the range (now-24h, ISO date)")->capture_default_str();
      sub->add_option("--to", rules.to, "End of the range")->capture_default_str();
    } else if (n == "run") {
      sub->add_option("--to", rules.to, "The time of the pass")->capture_default_str();
    } else if (n != "list") {
      sub->add_option("id", rules.id, "The rule")->required();
    }
    rules_subs.push_back(sub);
  }

  // CLI11 skips a missing file named by the environment; a unit's
  // FLOWDEX_CONFIG that names nothing must not start a default server.
  if (const char* config = std::getenv("FLOWDEX_CONFIG"); config && *config && access(config, R_OK) != 0) {
    fmt::print(stderr, "flowdex: FLOWDEX_CONFIG={} cannot be read\n", config);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*parse_cmd) return flowdex::RunParseCommand(parse);
  if (*gen_cmd) return flowdex::RunGenCommand(gen);
  if (*ingest_cmd) return flowdex::RunIngestCommand(ingest);
  if (*check_cmd) return flowdex::RunCheckCommand(check);
  if (*upgrade_cmd) return flowdex::RunUpgradeCommand(check);
  if (*schema_cmd) return flowdex::RunSchemaCommand(schema);
  if (*query_cmd) return flowdex::RunQueryCommand(query);
  if (*serve_cmd) return flowdex::RunServeCommand(serve);
  if (*search_cmd) return flowdex::RunSearchCommand(search);
  if (*inventory_cmd) {
    inventory.action = *inventory_sync_cmd ? "sync" : "show";
    return flowdex::RunInventoryCommand(inventory);
  }
  if (*rules_cmd) {
    for (CLI::App* sub : rules_subs) {
      if (*sub) rules.action = sub->get_name();
    }
    return flowdex::RunRulesCommand(rules);
  }
  if (*worker_cmd) {
    if (worker.queue_url.empty()) {
      fmt::print(stderr, "flowdex worker: --queue-url (or FLOWDEX_QUEUE_URL) is required\n");
      return 2;
    }
    return flowdex::RunWorkerCommand(worker);
  }
  if (*lambda_cmd) return flowdex::RunLambdaCommand(lambda);
  return 2;
}
