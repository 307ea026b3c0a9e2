// The flowdex subcommands. main.cc parses flags (CLI11) into these option
// structs; each Run* function does the work and returns the exit status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/flow_index.h"

namespace flowdex {

// What records are enriched from (--geoip-dir, --aws-ip-ranges, the
// inventory), shared by every command that reads flow logs.
struct EnrichmentCommandOptions {
  std::string geoip_dir;                       // --geoip-dir: MaxMind-format databases that enrich every record
  std::string aws_ip_ranges;                   // --aws-ip-ranges: AWS's ip-ranges.json (file or URL)
  std::string inventory;                       // --inventory: the inventory history file ("" : <data>/inventory.json)
  std::string inventory_refresh;               // --inventory-refresh: sync EC2 this often ("" : never)
  std::vector<std::string> inventory_regions;  // --inventory-regions (empty: --region)
  std::vector<std::string> inventory_roles;    // --inventory-roles: a role ARN per account (empty: the credentials')
  // The command runs long (serve, worker, lambda): a data folder's inventory
  // that a later sync writes is picked up. One-shot commands skip a missing one.
  bool long_running = false;
};

struct ParseCommandOptions {
  std::vector<std::string> inputs;   // files, folders, or "-"
  std::string format;                // --format: layout of files without a header
  bool original = false;             // --original: add event.original
  bool count_only = false;           // --count: parse, print no documents
  uint64_t max_errors = UINT64_MAX;  // --max-errors: bad lines printed to stderr
  EnrichmentCommandOptions enrichment;
};

// Prints one ECS document per record (NDJSON) on stdout, bad lines as
// "file:line: reason" and a summary on stderr. Returns 0 when every input was
// read to its end, 1 when one could not be (missing, unreadable, damaged).
int RunParseCommand(const ParseCommandOptions& options);

struct GenCommandOptions {
  uint64_t records = 100000;
  uint32_t files = 1;
  std::string out_dir;
  uint64_t seed = 1;
  std::string start;                // ISO-8601, Unix seconds or now-24h; "" for the default
  std::string fields = "v2";        // v2 | v5 | v8 | a list of field names
  int level = 6;                    // gzip compression level
  std::string inventory;            // --inventory: also write the simulated network's inventory history here
  std::vector<std::string> inject;  // --inject KIND@TIME[:key=value,...]: planted incidents
  std::string labels;               // --labels: what was planted, one JSON object per line
};

// Writes synthetic flow logs below out_dir; prints a summary on stderr.
int RunGenCommand(const GenCommandOptions& options);

// AWS settings shared by the commands that read S3 and SQS.
struct AwsCommandOptions {
  std::string endpoint_url;           // --endpoint-url (else AWS_ENDPOINT_URL_S3/_SQS, AWS_ENDPOINT_URL)
  std::string region;                 // --region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's)
  std::string profile;                // --profile (else AWS_PROFILE)
  std::string sqs_protocol = "json";  // json | query
};

// Where objects' records go: the embedded store, or an Elasticsearch /
// OpenSearch cluster through _bulk.
struct SinkCommandOptions {
  std::string sink = "embedded";  // embedded | http(s)://host:9200 (env FLOWDEX_SINK)
  std::string index = std::string(kFlowIndex);
  std::string basic_auth;  // user:password (env FLOWDEX_SINK_BASIC_AUTH)
  std::string api_key;     // encoded API key (env FLOWDEX_SINK_API_KEY)
  std::string secret;      // Secrets Manager secret holding either of them (env FLOWDEX_SINK_SECRET)
  std::string ca_cert;
  bool insecure = false;
  std::string dead_letter = "flowdex-dead-letter.ndjson";  // "-": standard error
  uint64_t bulk_documents = 5000;
  uint64_t bulk_mb = 5;
  std::string sigv4_service;  // "es" / "aoss": sign requests for Amazon OpenSearch Service
  EnrichmentCommandOptions enrichment;
};

struct IngestCommandOptions {
  std::vector<std::string> inputs;  // files and folders
  std::string data_dir;             // --data, FLOWDEX_DATA, ./flowdex-data
  std::string index;                // default: logs-aws.vpcflow-default for flow logs
  std::string format;
  int workers = 0;
  uint64_t batch_rows = 2'000'000;  // commit when a worker holds this many rows
  std::string retention;            // "30d": drop partitions (and skip records) older than this
  std::string max_disk;             // "50GB": drop the oldest partitions beyond this
  uint64_t memory_mb = 512;         // memory budget
  bool documents = false;           // files hold JSON documents (NDJSON), not flow logs
  // s3://bucket/prefix inputs (backfill):
  AwsCommandOptions aws;
  SinkCommandOptions sink;
  std::string checkpoint;  // "" : <data>/backfill/<bucket>-<hash>.checkpoint (embedded sink)
  std::string key_pattern;
  // cwl://LOG_GROUP inputs (CloudWatch Logs backfill):
  int cwl_page_size = 0;  // events a FilterLogEvents page (0: the service's default)
};

// Loads flow-log files into the data directory with a progress display and a
// summary; s3://bucket/prefix and cwl://LOG_GROUP inputs are read and loaded
// (into the data directory or --sink) resumably. Returns 0 when every input was ingested (or was already there), 1
// when one failed, 130 when interrupted (what was committed stays).
int RunIngestCommand(const IngestCommandOptions& options);

struct SchemaCommandOptions {
  bool markdown = false;  // --markdown: docs/flow_schema.md
};

// Prints every field of the flow index (name, type, where it comes from):
// a table, or with --markdown the generated docs/flow_schema.md. Returns 0.
int RunSchemaCommand(const SchemaCommandOptions& options);

struct CheckCommandOptions {
  std::string data_dir;
  bool columns = false;  // --columns: print where each column's bytes go
  bool sources = false;  // --sources: list every ingested file (records, bad lines, enrichment databases)
};

// Reads and verifies every block of every segment, and that each ingested
// source is stored exactly once. Returns 0 when sound, 1 otherwise.
int RunCheckCommand(const CheckCommandOptions& options);
// Converts a data directory written by an older flowdex to the current
// format (opening it does the same) and verifies it.
int RunUpgradeCommand(const CheckCommandOptions& options);

struct QueryCommandOptions {
  std::string data_dir;
  std::string index = "*";  // comma list of names and patterns
  std::string body;         // an _search body, or @file
  int repeat = 0;           // extra warm runs, timed (stderr)
  bool no_cache = false;    // no block or filter cache (every run as if cold, but for the OS page cache)
  bool no_rollups = false;  // raw rows only (SearchRequest::use_rollups)
  std::string inventory;    // names flows stored without owners ("" : <data>/inventory.json)
};

// Runs an _search body against the store and prints Elasticsearch's response
// (or its error, exit 1).
int RunQueryCommand(const QueryCommandOptions& options);

}  // namespace flowdex

namespace flowdex {

struct ServeCommandOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:9200";  // host:port (port 0: any free one, printed)
  std::vector<std::string> watch;         // folders to ingest flow logs from
  std::string es_version = "8.17.0";      // version.number of GET /
  int threads = 32;
  int max_queued = 256;  // connections waiting for a thread; more are answered 429
  uint64_t max_body_mb = 100;
  uint64_t indexing_pressure_mb = 512;  // _bulk documents being indexed at once; more are answered 429
  std::string basic_auth;               // user:password (env FLOWDEX_BASIC_AUTH)
  std::vector<std::string> api_keys;    // id:key (env FLOWDEX_API_KEYS, comma-separated)
  std::string tls_cert, tls_key;
  int max_concurrent_searches = 64;
  std::string search_timeout = "60s";
  std::string read_timeout = "30s";    // a client that sends nothing for this long is cut off
  std::string retention;               // "30d": drop older partitions in the background
  std::string max_disk;                // "50GB": drop the oldest partitions beyond this
  std::string block_cache = "256mb";   // decoded column blocks kept in memory
  std::string filter_cache = "128mb";  // query filters' matching rows kept in memory
  std::string ready_file;              // written with the URL once serving (for scripts)
  std::string backend;                 // serve the UI over this Elasticsearch/OpenSearch URL instead of a store
  std::string backend_basic_auth, backend_api_key, backend_ca_cert;
  bool backend_insecure = false;
  std::vector<std::string> sqs;  // SQS queue URLs of S3 notifications to ingest from
  AwsCommandOptions aws;
  std::string key_pattern;
  int sqs_workers = 2;
  EnrichmentCommandOptions enrichment;  // enriches what --watch and --sqs ingest
  // Amazon Data Firehose's HTTP endpoint delivery (off unless a key is set).
  std::string firehose_access_key;         // env FLOWDEX_FIREHOSE_ACCESS_KEY
  std::string firehose_access_key_secret;  // a Secrets Manager secret holding it
  std::string firehose_path = "/_firehose";
  std::vector<std::string> firehose_formats;  // "FORMAT" (the default) or "LOG_GROUP=FORMAT"
  // Detections (docs/detections.md).
  std::vector<std::string> enable_rules;  // prebuilt rule ids to enable, or "all"
  std::string rules_tick = "10s";         // how often the schedule is looked at
  std::string alert_late = "30m";         // windows re-evaluated when late data arrives
};

// Serves the Elasticsearch-compatible API over the store until SIGTERM or
// SIGINT, then stops accepting, finishes in-flight requests and exits 0.
int RunServeCommand(const ServeCommandOptions& options);

struct WorkerCommandOptions {
  std::string queue_url;
  std::string data_dir;  // for the embedded sink
  AwsCommandOptions aws;
  SinkCommandOptions sink;
  std::string key_pattern;  // RE2 searched in object keys; others are skipped
  std::string format;       // layout of objects without a header line
  int workers = 4;
  int visibility_seconds = 300;
  int wait_seconds = 20;
  int retry_after_seconds = 30;
  int delete_after_receives = 0;
  bool exit_when_idle = false;
  std::string metrics_listen;  // host:port serving GET /metrics ("" : none)
};

// Consumes S3 notifications from SQS into the sink until SIGTERM/SIGINT
// (or, with exit_when_idle, until the queue is empty). Returns 0, 1 when the
// queue or the sink cannot be used at all.
int RunWorkerCommand(const WorkerCommandOptions& options);

struct LambdaCommandOptions {
  AwsCommandOptions aws;
  SinkCommandOptions sink;
  std::string key_pattern;
  std::string format;
  int64_t deadline_margin_ms = 10'000;
  int max_invocations = 0;
};

// The AWS Lambda custom runtime loop (bootstrap). Configuration errors are
// reported to the runtime API as init errors.
int RunLambdaCommand(const LambdaCommandOptions& options);

struct SearchCommandOptions {
  std::string kql;  // "" matches everything
  std::string url;  // "" : the embedded store
  std::string data_dir;
  std::string inventory;  // names flows stored without owners ("" : <data>/inventory.json)
  std::string index = "logs-*";
  std::string since;     // "15m": @timestamp >= now-15m
  std::string from, to;  // absolute bounds (date math allowed)
  int size = 20;
  std::string sort = "@timestamp:desc";
  std::string stats;             // a field: print its top values instead of hits
  std::string format = "table";  // table | json | ndjson | csv
  std::string user;              // user:password for --url
  std::string api_key;           // encoded API key for --url
  std::string ca_cert;           // CA file for https URLs
  bool insecure = false;         // do not verify the server's certificate
};

struct InventoryCommandOptions {
  std::string action;  // sync | show
  std::string data_dir;
  std::string file;  // --inventory ("" : <data>/inventory.json)
  AwsCommandOptions aws;
  std::vector<std::string> regions;  // --regions (empty: --region)
  std::vector<std::string> roles;    // --assume-role: a role ARN per account (empty: the credentials' account)
  std::string address;               // show: only this address
  int page_size = 1000;              // sync: EC2 MaxResults per call
};

// `flowdex inventory sync`: reads EC2's interfaces, instances, groups,
// subnets and VPCs of each region into the history file and prints what
// changed. `show`: prints the history's owner ranges. 0, or 1 on an error.
int RunInventoryCommand(const InventoryCommandOptions& options);

struct RulesCommandOptions {
  std::string action;                         // list | show | add | test | delete | enable | disable | run
  std::string url = "http://127.0.0.1:9200";  // a running flowdex serve
  std::string id;                             // show, test, delete, enable, disable
  std::string file;                           // add: the rule's JSON ("-": stdin)
  std::string from = "now-24h", to = "now";   // test: the range; run: `to` is the pass's time
  std::string user, api_key, ca_cert;
  bool insecure = false;
  bool json = false;  // print the API's JSON instead of a table
};

// `flowdex rules ...`: the detection rules of a running server, through its
// /_flowdex/rules API (docs/detections.md). 0, or 1 when the server refused.
int RunRulesCommand(const RulesCommandOptions& options);

// Runs a KQL search and prints the hits (or --stats' top values).
// Returns 0 on success, 1 when the search failed (its error is printed).
int RunSearchCommand(const SearchCommandOptions& options);

}  // namespace flowdex
