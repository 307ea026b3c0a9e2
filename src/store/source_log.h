// SourceLog: every flow-log file or object committed to the store, so that
// ingesting one again adds nothing. An append-only file beside the
// manifest; the manifest names the file and how many of its bytes are
// committed, so one commit costs the same with a million sources as with
// ten (the manifest, rewritten on every commit, no longer lists them).
//
// The file is a sequence of records (docs/format.md): varint payload size,
// payload (key, size, records, bad_lines, index), CRC-32C of the payload.
// Bytes past the committed length are left by a commit that never
// completed; they are ignored and overwritten.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/manifest.h"
#include "util/status.h"

namespace flowdex {

class SourceLog {
 public:
  // Opens the log at `path` (created when missing) and indexes its first
  // `length` bytes. Corruption when they do not hold whole, intact records.
  static Status Open(const std::string& path, uint64_t length, std::unique_ptr<SourceLog>* out);
  ~SourceLog();
  SourceLog(const SourceLog&) = delete;
  SourceLog& operator=(const SourceLog&) = delete;

  // Writes `records` after the committed bytes and syncs them; *end is the
  // length to commit (by naming it in a manifest) for them to count.
  Status Append(const std::vector<SourceRecord>& records, uint64_t* end);
  // Counts the records written by the last Append (call once the manifest
  // names `end`).
  void Committed(uint64_t end);

  // True, filling *record, when a committed record has this key.
  bool Find(const std::string& key, SourceRecord* record) const;
  // Calls fn for every committed record, in commit order.
  Status ForEach(const std::function<void(const SourceRecord&)>& fn) const;

  const std::string& path() const { return path_; }
  uint64_t length() const { return length_; }
  uint64_t count() const { return count_; }

  // Writes a new log at `path` holding `records` (a rewrite, when an index's
  // sources go) and syncs it; *length is its size.
  static Status Write(const std::string& path, const std::vector<SourceRecord>& records, uint64_t* length);

 private:
  SourceLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  // Indexes the records in `bytes`, which start at `offset` in the file.
  Status Index(std::string_view bytes, uint64_t offset);
  Status ReadRecordAt(uint64_t offset, SourceRecord* record) const;

  int fd_;
  std::string path_;
  uint64_t length_ = 0;  // committed bytes
  uint64_t count_ = 0;   // committed records
  // Key hash -> offset of its record (a few keys with equal hashes chain
  // through `collisions_`); the records themselves stay on disk.
  absl::flat_hash_map<uint64_t, uint64_t> offsets_;
  std::vector<std::pair<uint64_t, uint64_t>> collisions_;
  // Written by Append, indexed by Committed.
  std::vector<std::pair<uint64_t, uint64_t>> pending_;  // (hash, offset)
  uint64_t pending_end_ = 0;
};

// Encodes one record as it appears in the log.
void AppendSourceRecord(const SourceRecord& record, std::string* out);

}  // namespace flowdex
