// flowdex: one binary, several commands (see README.md).
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"flowdex: search and analyse AWS VPC Flow Logs", "flowdex"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "flowdex 0.1.0");

  flowdex::ParseCommandOptions parse;
  CLI::App* parse_cmd = app.add_subcommand(
      "parse", "Print each flow-log record as its ECS JSON document (NDJSON); bad lines and a summary go to stderr");
  parse_cmd->add_option("inputs", parse.inputs, "Files or folders (.log, .log.gz, recursively); - for stdin");
  parse_cmd->add_option("--format", parse.format,
                        "Layout of files without a header line: field names (\"version account-id ...\") or "
                        "v2|v3|v4|v5|v7|v8|tgw");
  parse_cmd->add_flag("--original", parse.original, "Add event.original (the line as read)");
  parse_cmd->add_flag("--count", parse.count_only, "Parse without printing documents (for timing the parser)");
  parse_cmd->add_option("--max-errors", parse.max_errors, "Print at most this many bad lines (all are counted)");

  flowdex::GenCommandOptions gen;
  CLI::App* gen_cmd = app.add_subcommand("gen", "Write deterministic, realistic synthetic flow logs as AWS delivers them");
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

  flowdex::IngestCommandOptions ingest;
  const char* env_data = std::getenv("FLOWDEX_DATA");
  ingest.data_dir = env_data && *env_data ? env_data : "flowdex-data";
  CLI::App* ingest_cmd = app.add_subcommand(
      "ingest", "Load flow-log files and folders (.log, .log.gz) into the data directory, each file once");
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

  ingest_cmd->add_flag("--documents", ingest.documents,
                       "The files hold JSON documents, one per line (NDJSON, plain or gzip), for --index");
  ingest_cmd->add_option("--memory-budget", ingest.memory_mb, "Memory budget in MB")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{32}, uint64_t{1} << 20));

  flowdex::CheckCommandOptions check;
  check.data_dir = ingest.data_dir;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Verify a data directory: every block's checksum, and every ingested source stored exactly once");
  check_cmd->add_option("--data", check.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  check_cmd->add_flag("--columns", check.columns, "Also print the bytes each column takes");

  flowdex::QueryCommandOptions query;
  query.data_dir = ingest.data_dir;
  CLI::App* query_cmd = app.add_subcommand(
      "query", "Run an Elasticsearch _search body (Query DSL) against the store and print the response");
  query_cmd->add_option("body", query.body, "The request body (JSON), or @file; empty: match_all");
  query_cmd->add_option("--data", query.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  query_cmd->add_option("--index", query.index, "Indices: names and patterns, comma-separated")->capture_default_str();
  query_cmd->add_option("--repeat", query.repeat, "Run the query N more times and print their latencies on stderr")
      ->check(CLI::Range(0, 100000));
  query_cmd->add_flag("--no-cache", query.no_cache,
                      "Keep no decoded blocks or filter results between runs (to time the uncached engine)");

  flowdex::ServeCommandOptions serve;
  serve.data_dir = ingest.data_dir;
  if (const char* v = std::getenv("FLOWDEX_LISTEN"); v && *v) serve.listen = v;
  if (const char* v = std::getenv("FLOWDEX_BASIC_AUTH"); v && *v) serve.basic_auth = v;
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
  serve_cmd->add_option("--threads", serve.threads, "Connections served at once")->capture_default_str()
      ->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--max-queued", serve.max_queued, "Connections waiting for a thread; more are answered 429")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  serve_cmd->add_option("--indexing-pressure-mb", serve.indexing_pressure_mb,
                        "_bulk documents being indexed at once (MB); items beyond are answered 429")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--max-body-mb", serve.max_body_mb, "Largest request body, after decompression (MB)")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--basic-auth", serve.basic_auth, "Require user:password (env FLOWDEX_BASIC_AUTH)");
  serve_cmd->add_option("--api-key", serve.api_keys, "Accept this API key, as id:key (repeatable; env FLOWDEX_API_KEYS)");
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "Serve HTTPS with this certificate (PEM)");
  serve_cmd->add_option("--tls-key", serve.tls_key, "...and this private key (PEM)");
  serve_cmd->add_option("--max-concurrent-searches", serve.max_concurrent_searches,
                        "Searches run at once; more are answered 429")->capture_default_str()
      ->check(CLI::Range(1, 100000));
  serve_cmd->add_option("--search-timeout", serve.search_timeout, "Longest time a search collects hits")
      ->capture_default_str();
  serve_cmd->add_option("--read-timeout", serve.read_timeout, "Cut off a client that sends nothing for this long")
      ->capture_default_str();
  serve_cmd->add_option("--retention", serve.retention, "Drop day partitions older than this (30d)");
  serve_cmd->add_option("--ready-file", serve.ready_file, "Write the server's URL here once it listens");

  flowdex::SearchCommandOptions search;
  search.data_dir = ingest.data_dir;
  if (const char* v = std::getenv("FLOWDEX_URL"); v && *v) search.url = v;
  CLI::App* search_cmd = app.add_subcommand("search", "Search flows with KQL and print them as a table");
  search_cmd->add_option("kql", search.kql, "KQL query (empty: everything)");
  search_cmd->add_option("--url", search.url, "An Elasticsearch-compatible URL (env FLOWDEX_URL); default: --data");
  search_cmd->add_option("--data", search.data_dir, "Data directory (env FLOWDEX_DATA)")->capture_default_str();
  search_cmd->add_option("--index", search.index, "Index pattern")->capture_default_str();
  search_cmd->add_option("--since", search.since, "Only the last period: 15m, 1h, 7d");
  search_cmd->add_option("--from", search.from, "From this time (ISO-8601 or date math)");
  search_cmd->add_option("--to", search.to, "Until this time");
  search_cmd->add_option("--size", search.size, "Hits (or --stats rows) to show")->capture_default_str()
      ->check(CLI::Range(0, 10000));
  search_cmd->add_option("--sort", search.sort, "field:asc|desc, comma-separated")->capture_default_str();
  search_cmd->add_option("--stats", search.stats, "Print the top values of this field (flows, bytes, packets)");
  search_cmd->add_option("--format", search.format, "table, json, ndjson or csv")->capture_default_str();
  search_cmd->add_option("--user", search.user, "user:password for --url");
  search_cmd->add_option("--api-key", search.api_key, "Encoded API key for --url");
  search_cmd->add_option("--ca-cert", search.ca_cert, "CA certificate file for https URLs");
  search_cmd->add_flag("--insecure", search.insecure, "Do not verify the server's certificate");
  search_cmd->get_option("--since")->excludes(search_cmd->get_option("--from"))->excludes(search_cmd->get_option("--to"));

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
  if (*query_cmd) return flowdex::RunQueryCommand(query);
  if (*serve_cmd) return flowdex::RunServeCommand(serve);
  if (*search_cmd) return flowdex::RunSearchCommand(search);
  return 2;
}
