// FlowFormat: the ordered list of fields that a flow-log line holds.
//
// Where a layout comes from, in order of trust (docs/flowlog.md):
//   1. the header line that S3 delivery writes first in every object;
//   2. a format the user gives (--format "version account-id ...");
//   3. the default version-2 format;
//   4. as a last resort, Elastic's rule that guesses the layout from the
//      number of tokens on the line (FormatForTokenCount).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flowlog/flow_field.h"
#include "util/status.h"

namespace flowdex {

class FlowFormat {
 public:
  FlowFormat() : FlowFormat({}, "") {}
  FlowFormat(std::vector<FlowField> fields, std::string description);

  // Parses a list of field names separated by spaces or commas. Names may be
  // tokens (pkt-srcaddr), snake_case (pkt_srcaddr) or ${token}; the shorthands
  // "v2", "v3", "v4", "v5", "v7", "v8" and "tgw" name the standard layouts.
  // Unknown or repeated names are errors.
  static Status Parse(std::string_view text, FlowFormat* out);

  // The default format: the 14 version-2 fields.
  static const FlowFormat& DefaultV2();
  // Every field of versions 2..N in AWS's table order (N in 2..5, 7, 8).
  static const FlowFormat& AllFieldsUpTo(int version);
  // The 36-field Transit Gateway default layout.
  static const FlowFormat& TransitGateway();

  // Elastic's token-count rule: the layout its ingest pipeline assumes for a
  // line of `count` tokens (6, 14, 17, 21, 29, 36, 39 or 40), or nullptr.
  static const FlowFormat* FormatForTokenCount(size_t count);

  // If every token of `line` is a field name, the format it declares (an S3
  // header line). Returns false for data lines. A header naming a field twice
  // is reported through *error (and returns true: it is a header, a bad one).
  static bool ParseHeaderLine(std::string_view line, FlowFormat* out, Status* error);

  const std::vector<FlowField>& fields() const { return fields_; }
  // The table entries of fields(), position by position (for the parser's loop).
  const FlowFieldInfo* infos() const { return infos_.data(); }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  bool Has(FlowField f) const { return position_[static_cast<int>(f)] >= 0; }
  // How the format was chosen, for messages: "header line", "--format", ...
  const std::string& description() const { return description_; }
  // The fields as a header line would list them.
  std::string ToString() const;

 private:
  std::vector<FlowField> fields_;
  std::vector<FlowFieldInfo> infos_;
  std::string description_;
  int8_t position_[kFlowFieldCount];
};

}  // namespace flowdex
