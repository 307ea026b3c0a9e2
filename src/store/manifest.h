// Manifest: the list of live segments (raw and rollup) and where the
// record of ingested sources ends (store/source_log.h), i.e. the committed
// state of a data directory. Each commit writes a new
// MANIFEST-<generation> file and then points CURRENT at it with an atomic
// rename; whatever is not named by the current manifest does not exist.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/status.h"

namespace flowdex {

struct SegmentRef {
  uint64_t id = 0;
  std::string index;      // Elasticsearch-style index name
  std::string partition;  // "YYYY-MM-DD" of its @timestamp values
  uint64_t rows = 0;
  uint64_t bytes = 0;    // file size
  int64_t min_time = 0;  // ms
  int64_t max_time = 0;
  // Rows deleted since the segment was written (by _bulk delete, update or
  // overwrite), ascending. Searches skip them; merges drop them.
  std::vector<uint32_t> deleted;
  // Raw segments: the version of the rollups that hold their rows (0: in
  // none yet). Rollup segments: the version they were built by.
  uint32_t rollup_version = 0;
  // Rollup segments: the rollup's name (rollup/rollup_spec.h); "" for raw.
  std::string rollup;
  uint64_t live_rows() const { return rows - deleted.size(); }
  // The file, relative to the data directory.
  std::string RelativePath() const;
};

// A flow-log file or object that was ingested, so that ingesting it again
// adds nothing.
struct SourceRecord {
  std::string key;    // canonical path, or s3://bucket/key
  uint64_t size = 0;  // bytes of the source
  uint64_t records = 0;
  uint64_t bad_lines = 0;
  std::string index;
  // The enrichment databases the records got ("GeoLite2-City 2025-12-01,
  // GeoLite2-ASN 2025-12-01"; "" when none), so a user can tell which data
  // was enriched with which database.
  std::string enrichment;
};

// The format Manifest::Serialize writes (docs/format.md): 2 since the
// sources moved into their own log, 3 since segments may hold address
// blocks of kind 8, 4 since they may hold blocks of kinds 9-11 (signed
// deltas, address dictionaries; older readers cannot read them), 5 since a
// source record may end with the enrichment databases. Formats 1 to 4 are
// still read.
inline constexpr int kManifestFormat = 5;

struct Manifest {
  // The format this manifest was read in (kManifestFormat when written by us).
  int format = kManifestFormat;
  uint64_t generation = 0;
  uint64_t next_segment_id = 1;
  std::vector<SegmentRef> segments;  // raw
  std::vector<SegmentRef> rollups;   // rollup segments
  // The source log (a file beside the manifest) and its committed bytes.
  std::string sources_file;
  uint64_t sources_length = 0;
  // Sources listed by a format 1 manifest (before the source log), moved
  // into a log when the store is opened.
  std::vector<SourceRecord> legacy_sources;
  // Each index's mapping, as the JSON "mappings" object (store/mapping.h).
  std::map<std::string, std::string> mappings;
  // Aliases: alias name -> the indices it stands for.
  std::map<std::string, std::vector<std::string>> aliases;
  // What clients stored through the API besides documents, by path
  // ("/_index_template/<name>", "/_ilm/policy/<name>", ...) -> its JSON body.
  std::map<std::string, std::string> api_objects;

  // JSON text followed by a checksum line ("#crc32c:xxxxxxxx").
  std::string Serialize() const;
  // Parses and verifies what Serialize wrote, and manifests of format 1;
  // `name` is used in errors.
  static Status Parse(std::string_view text, const std::string& name, Manifest* out);
};

}  // namespace flowdex
