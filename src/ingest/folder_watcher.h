// FolderWatcher: ingests the flow-log files that appear in watched folders
// (and their subfolders), each exactly once, as `flowdex serve --watch DIR`
// does. It is the embedded stand-in for the S3-and-SQS path.
//
// A file is taken when its writer closes it (inotify IN_CLOSE_WRITE) or when
// it is renamed into the folder (IN_MOVED_TO), so a file still being written
// is never read half-way. Files already there at start, or in folders created
// later, are taken once their size and mtime have not changed for
// `settle_ms`. Only flow-log names count (*.log, *.log.gz: path_walker.h);
// temporary names a writer renames later are ignored. Exactly once holds
// across restarts and crashes: a file's records and its source record are
// committed together, and a file whose source record exists is skipped.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ingest/flow_ingester.h"
#include "store/store.h"
#include "util/cancellation.h"

namespace flowdex {

struct FolderWatcherOptions {
  std::vector<std::string> dirs;
  IngestOptions ingest;
  int settle_ms = 2000;
};

// What happened to one file (for logs and metrics).
struct WatchedFileReport {
  std::string path;
  bool ingested = false;  // false: skipped (already there) or failed
  bool failed = false;
  uint64_t records = 0;
  uint64_t bad_lines = 0;
  double seconds = 0;
  std::string error;
};

class FolderWatcher {
 public:
  using Reporter = std::function<void(const WatchedFileReport&)>;

  FolderWatcher(Store* store, FolderWatcherOptions options, Reporter reporter);
  ~FolderWatcher();

  // Starts watching (the folders must exist) and ingesting in a background thread.
  Status Start();
  // Stops after the file being ingested, if any, is committed or abandoned.
  void Stop();

 private:
  struct State;
  void Loop();
  void Ingest(const std::string& path);

  Store* store_;
  FolderWatcherOptions options_;
  Reporter reporter_;
  std::unique_ptr<State> state_;
  CancellationSource stop_;
  std::thread thread_;
};

}  // namespace flowdex
