// Expands command-line paths into the flow-log files to read.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace flowdex {

// True for names flowdex treats as flow-log files inside folders:
// "*.log", "*.log.gz" and "*.parquet" (the names AWS uses for S3 delivery;
// what a file holds is then told by its content, not by this name).
bool IsFlowLogFileName(const std::string& name);

// Appends to *files each path in `paths`: a file as given (whatever its name),
// "-" as given (standard input), and a folder as every flow-log file below it,
// recursively, in lexicographic order so results are reproducible.
// A path that does not exist or cannot be listed makes the result an error
// (the first such); every other path is still expanded.
Status ExpandInputPaths(const std::vector<std::string>& paths, std::vector<std::string>* files);

// The same, taking from folders the files whose names end with one of `suffixes`.
Status ExpandInputPaths(const std::vector<std::string>& paths, const std::vector<std::string>& suffixes,
                        std::vector<std::string>* files);

// Names of document files in folders: .ndjson, .jsonl and .json, plain or gzip.
const std::vector<std::string>& DocumentFileSuffixes();

}  // namespace flowdex
