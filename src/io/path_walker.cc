#include "io/path_walker.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace flowdex {

namespace fs = std::filesystem;

bool IsFlowLogFileName(const std::string& name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".log") || ends_with(".log.gz") || ends_with(".parquet");
}

Status ExpandInputPaths(const std::vector<std::string>& paths, std::vector<std::string>* files) {
  static const std::vector<std::string> kFlowSuffixes = {".log", ".log.gz", ".parquet"};
  return ExpandInputPaths(paths, kFlowSuffixes, files);
}

const std::vector<std::string>& DocumentFileSuffixes() {
  static const std::vector<std::string> kSuffixes = {".ndjson",   ".ndjson.gz", ".jsonl",
                                                     ".jsonl.gz", ".json",      ".json.gz"};
  return kSuffixes;
}

Status ExpandInputPaths(const std::vector<std::string>& paths, const std::vector<std::string>& suffixes,
                        std::vector<std::string>* files) {
  auto wanted = [&](const std::string& name) {
    for (const std::string& suffix : suffixes) {
      if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return true;
      }
    }
    return false;
  };
  Status first_error;
  for (const std::string& path : paths) {
    if (path == "-") {
      files->push_back(path);
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec) {
      if (first_error.ok()) first_error = Status::NotFound(path + ": " + ec.message());
      continue;
    }
    if (!fs::is_directory(st)) {
      files->push_back(path);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && wanted(it->path().filename().string())) {
        found.push_back(it->path().string());
      }
    }
    if (ec && first_error.ok()) first_error = Status::IoError(path + ": " + ec.message());
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
  }
  return first_error;
}

}  // namespace flowdex
