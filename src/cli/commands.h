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

}  // namespace flowdex
