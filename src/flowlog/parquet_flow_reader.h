// ParquetFlowReader: VPC flow logs delivered as Parquet (FileFormat
// "parquet" on an S3 destination), read into the same records, with the same
// documents, as the text delivery of the same flows.
//
// Columns are matched to flow-log fields by name (AWS's snake_case names:
// srcaddr, pkt_src_aws_service, ...); columns of other names are ignored.
// Each row is rendered as the text line AWS would have written (values in
// column order, "-" for a null) and parsed by the text parser, so every
// check and every document is the text path's. docs/flowlog.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flowlog/flow_log_reader.h"
#include "io/byte_source.h"

namespace flowdex {

class ParquetFlowReader {
 public:
  explicit ParquetFlowReader(const FlowReadOptions& options) : options_(options) {}

  // Reads the whole file: its footer, then each row group's flow-log
  // columns. Rows that do not parse are reported to the sink as bad lines
  // (line_number = the 1-based row, offset = the 0-based row). Returns the
  // error that stopped reading: Corruption or Unsupported naming the file
  // and column, InvalidArgument when no column is a flow-log field, or the
  // source's I/O error. Records before the error were delivered.
  Status Read(RandomAccessSource* source, std::string_view name, FlowRecordSink* sink, FlowReadStats* stats);

 private:
  // The current row's tokens as the text line AWS would have written.
  std::string_view RenderLine();

  const FlowReadOptions& options_;
  FlowRecord record_;
  std::string line_;
  std::vector<std::string_view> tokens_;
};

}  // namespace flowdex
