// FlowLogReader: reads a flow-log stream (plain or gzip, any size, with
// bounded memory), picks each line's layout, and hands every record and every
// bad line to a FlowRecordSink.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/flow_format.h"
#include "flowlog/flow_record.h"
#include "flowlog/line_parser.h"
#include "io/byte_source.h"
#include "util/cancellation.h"
#include "util/status.h"

namespace flowdex {

// Where a line came from. Views are valid only during the sink call.
struct LineContext {
  std::string_view source;   // file name as given, or "<stdin>"
  uint64_t line_number = 0;  // 1-based, header lines included
  uint64_t offset = 0;       // byte offset of the line in the decompressed stream
  std::string_view line;     // the line without its '\n' and trailing '\r'
};

class FlowRecordSink {
 public:
  virtual ~FlowRecordSink() = default;
  // A record parsed from ctx.line. `record` is reused after the call returns.
  virtual void OnRecord(const FlowRecord& record, const LineContext& ctx) = 0;
  // A line that could not be parsed; `reason` says why in one line.
  virtual void OnBadLine(const LineContext& ctx, const Status& reason) = 0;
};

// Adds what is known about a record's addresses (GeoIP, ASN) before the
// sink sees it. One per reader: it is called from the reader's thread only.
class FlowRecordEnricher {
 public:
  virtual ~FlowRecordEnricher() = default;
  // Called as each stream starts (a place to pick up replaced databases).
  virtual void BeginStream() {}
  // Sets the record's facts (FlowRecord::set_facts); what it points to
  // stays valid until the next call.
  virtual void Enrich(FlowRecord* record) = 0;
};

struct FlowReadOptions {
  // The layout of files without a header line (nullptr: default v2 format,
  // then Elastic's token-count rule).
  const FlowFormat* user_format = nullptr;
  // Longer lines are reported as bad and skipped; memory stays bounded.
  size_t max_line_bytes = 64 * 1024;
  // When set and true, reading stops at the next buffer with a Cancelled
  // status (lines already delivered stay delivered).
  CancellationToken cancel;
  // Called after each buffer of text (about 1 MiB) with the bytes consumed
  // from the medium so far in this stream, for progress reports.
  std::function<void(uint64_t)> on_progress;
  // When set, every record is enriched before the sink sees it.
  FlowRecordEnricher* enricher = nullptr;
  // Whether the sink reads LineContext::line of records (event.original).
  // Text lines are there anyway; Parquet rows are rendered as a line only
  // when this is set (and for bad rows, always).
  bool line_text = true;
  // A Parquet file from a source that can only be streamed (standard input)
  // is held in memory to be read; larger ones are refused.
  size_t max_parquet_bytes = size_t{1} << 30;
};

struct FlowReadStats {
  uint64_t records = 0;
  uint64_t bad_lines = 0;
  uint64_t header_lines = 0;
  uint64_t blank_lines = 0;
  uint64_t bytes_read = 0;     // from the medium (compressed size for gzip)
  uint64_t bytes_decoded = 0;  // of text
  bool gzip = false;

  void Add(const FlowReadStats& o);
};

class FlowLogReader {
 public:
  explicit FlowLogReader(FlowReadOptions options = {});
  ~FlowLogReader();
  FlowLogReader(const FlowLogReader&) = delete;
  FlowLogReader& operator=(const FlowLogReader&) = delete;

  // Reads `source` to its end. gzip and Parquet are recognised by their magic
  // numbers, not by the name; Parquet is read at offsets when the source
  // allows it (random_access()), else from memory after reading it whole
  // (at most max_parquet_bytes). Stats are added to *stats. Returns OK when the whole stream was
  // read, bad lines notwithstanding; otherwise the I/O or corruption error
  // that stopped it, after every complete line before it was delivered (a
  // line cut off by the damage is reported as bad).
  Status Read(ByteSource* source, std::string_view name, FlowRecordSink* sink, FlowReadStats* stats);

  // Opens `path` ("-" for standard input) and reads it.
  Status ReadFile(const std::string& path, FlowRecordSink* sink, FlowReadStats* stats);

 private:
  void ProcessLine(std::string_view line);
  Status ReadParquet(ByteSource* source, std::string_view name, const uint8_t* head, size_t head_len,
                     FlowRecordSink* sink, FlowReadStats* stats);
  void ReportBad(const Status& reason);

  FlowReadOptions options_;
  std::vector<char> buffer_;
  FlowRecord record_;
  std::string_view tokens_[kMaxLineTokens];
  FlowFormat header_format_;
  std::string json_message_;  // the "message" of a JSON-wrapped line

  // Per-stream state.
  FlowRecordSink* sink_ = nullptr;
  FlowReadStats* stats_ = nullptr;
  LineContext ctx_;
  bool has_header_ = false;
};

}  // namespace flowdex
