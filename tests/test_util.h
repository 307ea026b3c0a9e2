// Helpers shared by the unit tests.
#pragma once

#include <string>
#include <vector>

#include "flowlog/flow_log_reader.h"
#include "io/byte_source.h"

namespace flowdex::testing {

// A ByteSource over a string that hands out at most `chunk` bytes per Read,
// so tests cross every buffer boundary.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string data, size_t chunk = 1 << 20) : data_(std::move(data)), chunk_(chunk) {}
  Status Read(uint8_t* buf, size_t capacity, size_t* n) override;
  uint64_t bytes_consumed() const override { return pos_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// gzip of `text` as one member (libdeflate, an independent encoder).
std::string Gzip(const std::string& text, int level = 6);

// Reads a whole ByteSource; *status gets the final status.
std::string ReadAll(ByteSource* source, Status* status, size_t buffer = 4096);

// Records what a FlowLogReader delivers.
struct CollectedLine {
  uint64_t line_number;
  uint64_t offset;
  std::string line;
  std::string reason;  // empty for records
};
class CollectingSink final : public FlowRecordSink {
 public:
  void OnRecord(const FlowRecord& record, const LineContext& ctx) override;
  void OnBadLine(const LineContext& ctx, const Status& reason) override;
  std::vector<CollectedLine> records;
  std::vector<CollectedLine> bad;
  // Selected values of each record, copied (records are reused by the reader).
  std::vector<std::string> src_addrs;
  std::vector<uint64_t> bytes;
};

}  // namespace flowdex::testing
