// The flowdex subcommands. main.cc parses flags (CLI11) into these option
// structs; each Run* function does the work and returns the exit status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowdex {

struct ParseCommandOptions {
  std::vector<std::string> inputs;  // files, folders, or "-"
  std::string format;               // --format: layout of files without a header
  bool original = false;            // --original: add event.original
  bool count_only = false;          // --count: parse, print no documents
  uint64_t max_errors = UINT64_MAX; // --max-errors: bad lines printed to stderr
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
};

// Writes synthetic flow logs below out_dir; prints a summary on stderr.
int RunGenCommand(const GenCommandOptions& options);

struct IngestCommandOptions {
  std::vector<std::string> inputs;  // files and folders
  std::string data_dir;             // --data, FLOWDEX_DATA, ./flowdex-data
  std::string index;                // default: logs-aws.vpcflow-default for flow logs
  std::string format;
  int workers = 0;
  uint64_t batch_rows = 2'000'000;  // commit when a worker holds this many rows
  std::string retention;            // "30d": drop partitions (and skip records) older than this
  uint64_t memory_mb = 512;         // memory budget
  bool documents = false;           // files hold JSON documents (NDJSON), not flow logs
};

// Loads flow-log files into the data directory with a progress display and a
// summary. Returns 0 when every input was ingested (or was already there), 1
// when one failed, 130 when interrupted (what was committed stays).
int RunIngestCommand(const IngestCommandOptions& options);

struct CheckCommandOptions {
  std::string data_dir;
  bool columns = false;  // --columns: print where each column's bytes go
};

// Reads and verifies every block of every segment, and that each ingested
// source is stored exactly once. Returns 0 when sound, 1 otherwise.
int RunCheckCommand(const CheckCommandOptions& options);

struct QueryCommandOptions {
  std::string data_dir;
  std::string index = "*";  // comma list of names and patterns
  std::string body;         // an _search body, or @file
  int repeat = 0;           // extra warm runs, timed (stderr)
  bool no_cache = false;    // no block or filter cache (every run as if cold, but for the OS page cache)
};

// Runs an _search body against the store and prints Elasticsearch's response
// (or its error, exit 1).
int RunQueryCommand(const QueryCommandOptions& options);

}  // namespace flowdex

namespace flowdex {

struct ServeCommandOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:9200";   // host:port (port 0: any free one, printed)
  std::vector<std::string> watch;           // folders to ingest flow logs from
  std::string es_version = "8.17.0";        // version.number of GET /
  int threads = 32;
  int max_queued = 256;                     // connections waiting for a thread; more are answered 429
  uint64_t max_body_mb = 100;
  uint64_t indexing_pressure_mb = 512;      // _bulk documents being indexed at once; more are answered 429
  std::string basic_auth;                   // user:password (env FLOWDEX_BASIC_AUTH)
  std::vector<std::string> api_keys;        // id:key (env FLOWDEX_API_KEYS, comma-separated)
  std::string tls_cert, tls_key;
  int max_concurrent_searches = 64;
  std::string search_timeout = "60s";
  std::string read_timeout = "30s";         // a client that sends nothing for this long is cut off
  std::string retention;                    // "30d": drop older partitions in the background
  std::string ready_file;                   // written with the URL once serving (for scripts)
};

// Serves the Elasticsearch-compatible API over the store until SIGTERM or
// SIGINT, then stops accepting, finishes in-flight requests and exits 0.
int RunServeCommand(const ServeCommandOptions& options);

struct SearchCommandOptions {
  std::string kql;                          // "" matches everything
  std::string url;                          // "" : the embedded store
  std::string data_dir;
  std::string index = "logs-*";
  std::string since;                        // "15m": @timestamp >= now-15m
  std::string from, to;                     // absolute bounds (date math allowed)
  int size = 20;
  std::string sort = "@timestamp:desc";
  std::string stats;                        // a field: print its top values instead of hits
  std::string format = "table";             // table | json | ndjson | csv
  std::string user;                         // user:password for --url
  std::string api_key;                      // encoded API key for --url
  std::string ca_cert;                      // CA file for https URLs
  bool insecure = false;                    // do not verify the server's certificate
};

// Runs a KQL search and prints the hits (or --stats' top values).
// Returns 0 on success, 1 when the search failed (its error is printed).
int RunSearchCommand(const SearchCommandOptions& options);

}  // namespace flowdex
