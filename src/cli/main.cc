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
  return 2;
}
