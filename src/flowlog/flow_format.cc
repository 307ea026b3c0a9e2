#include "flowlog/flow_format.h"

#include <algorithm>
#include <cstring>

namespace flowdex {

namespace {

using F = FlowField;

std::vector<FlowField> Range(F first, F last) {
  std::vector<FlowField> out;
  for (int i = static_cast<int>(first); i <= static_cast<int>(last); ++i) out.push_back(static_cast<FlowField>(i));
  return out;
}

std::vector<FlowField> AllFields(int version) {
  F last = F::kLogStatus;
  if (version >= 3) last = F::kPktDstAddr;
  if (version >= 4) last = F::kSublocationId;
  if (version >= 5) last = F::kTrafficPath;
  if (version >= 7) last = F::kEcsTaskId;
  if (version >= 8) last = F::kRejectReason;
  return Range(F::kVersion, last);
}

// Splits on spaces, tabs and commas.
template <typename Fn>
void ForEachName(std::string_view text, Fn&& fn) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == ',')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != ',') ++i;
    if (i > start) fn(text.substr(start, i - start));
  }
}

}  // namespace

FlowFormat::FlowFormat(std::vector<FlowField> fields, std::string description)
    : fields_(std::move(fields)), description_(std::move(description)) {
  std::memset(position_, -1, sizeof(position_));
  for (size_t i = 0; i < fields_.size(); ++i) {
    position_[static_cast<int>(fields_[i])] = static_cast<int8_t>(i);
    infos_.push_back(GetFlowFieldInfo(fields_[i]));
  }
}

Status FlowFormat::Parse(std::string_view text, FlowFormat* out) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  if (trimmed == "v2") return *out = DefaultV2(), Status::OK();
  if (trimmed == "v3" || trimmed == "v4" || trimmed == "v5" || trimmed == "v7" || trimmed == "v8") {
    *out = AllFieldsUpTo(trimmed[1] - '0');
    return Status::OK();
  }
  if (trimmed == "tgw") return *out = TransitGateway(), Status::OK();

  std::vector<FlowField> fields;
  bool seen[kFlowFieldCount] = {};
  Status status;
  ForEachName(text, [&](std::string_view name) {
    if (!status.ok()) return;
    auto f = FindFlowField(name);
    if (!f) {
      status = Status::InvalidArgument("unknown flow-log field '" + std::string(name) + "'");
      return;
    }
    if (seen[static_cast<int>(*f)]) {
      status = Status::InvalidArgument("field '" + std::string(FlowFieldToken(*f)) + "' appears twice in the format");
      return;
    }
    seen[static_cast<int>(*f)] = true;
    fields.push_back(*f);
  });
  if (!status.ok()) return status;
  if (fields.empty()) return Status::InvalidArgument("the format names no fields");
  *out = FlowFormat(std::move(fields), "--format");
  return Status::OK();
}

const FlowFormat& FlowFormat::DefaultV2() {
  static const FlowFormat f(AllFields(2), "default v2 format");
  return f;
}

const FlowFormat& FlowFormat::AllFieldsUpTo(int version) {
  static const FlowFormat v3(AllFields(3), "all v2-v3 fields");
  static const FlowFormat v4(AllFields(4), "all v2-v4 fields");
  static const FlowFormat v5(AllFields(5), "all v2-v5 fields");
  static const FlowFormat v7(AllFields(7), "all v2-v7 fields");
  static const FlowFormat v8(AllFields(8), "all v2-v8 fields");
  switch (version) {
    case 3: return v3;
    case 4: return v4;
    case 5: return v5;
    case 6:
    case 7: return v7;
    case 8: return v8;
    default: return version > 8 ? v8 : DefaultV2();
  }
}

// clang-format off
const FlowFormat& FlowFormat::TransitGateway() {
  static const FlowFormat f(
      {F::kVersion, F::kResourceType, F::kAccountId, F::kTgwId, F::kTgwAttachmentId, F::kTgwSrcVpcAccountId,
       F::kTgwDstVpcAccountId, F::kTgwSrcVpcId, F::kTgwDstVpcId, F::kTgwSrcSubnetId, F::kTgwDstSubnetId,
       F::kTgwSrcEni, F::kTgwDstEni, F::kTgwSrcAzId, F::kTgwDstAzId, F::kTgwPairAttachmentId, F::kSrcAddr,
       F::kDstAddr, F::kSrcPort, F::kDstPort, F::kProtocol, F::kPackets, F::kBytes, F::kStart, F::kEnd,
       F::kLogStatus, F::kType, F::kPacketsLostNoRoute, F::kPacketsLostBlackhole, F::kPacketsLostMtuExceeded,
       F::kPacketsLostTtlExpired, F::kTcpFlags, F::kRegion, F::kFlowDirection, F::kPktSrcAwsService,
       F::kPktDstAwsService},
      "Transit Gateway default format");
  return f;
}
// clang-format on

const FlowFormat* FlowFormat::FormatForTokenCount(size_t count) {
  // The layouts of Elastic's aws.vpcflow ingest pipeline, keyed by count.
  static const FlowFormat nat(
      {F::kInstanceId, F::kInterfaceId, F::kSrcAddr, F::kDstAddr, F::kPktSrcAddr, F::kPktDstAddr},
      "6-token NAT gateway layout (guessed from the token count)");
  static const FlowFormat tgw_vpc({F::kVersion, F::kInterfaceId, F::kAccountId, F::kVpcId, F::kSubnetId, F::kInstanceId,
                                   F::kSrcAddr, F::kDstAddr, F::kSrcPort, F::kDstPort, F::kProtocol, F::kTcpFlags,
                                   F::kType, F::kPktSrcAddr, F::kPktDstAddr, F::kAction, F::kLogStatus},
                                  "17-token transit gateway example layout (guessed from the token count)");
  static const FlowFormat tcp_flags(
      {F::kVersion, F::kVpcId,   F::kSubnetId, F::kInstanceId, F::kInterfaceId, F::kAccountId,  F::kType,
       F::kSrcAddr, F::kDstAddr, F::kSrcPort,  F::kDstPort,    F::kPktSrcAddr,  F::kPktDstAddr, F::kProtocol,
       F::kBytes,   F::kPackets, F::kStart,    F::kEnd,        F::kAction,      F::kTcpFlags,   F::kLogStatus},
      "21-token TCP-flags example layout (guessed from the token count)");
  static const FlowFormat v5(AllFields(5), "all v2-v5 fields (guessed from the token count)");
  static const FlowFormat v7(AllFields(7), "all v2-v7 fields (guessed from the token count)");
  static const FlowFormat v8(AllFields(8), "all v2-v8 fields (guessed from the token count)");
  static const FlowFormat tgw(TransitGateway().fields(), "Transit Gateway layout (guessed from the token count)");
  switch (count) {
    case 6: return &nat;
    case 14: return &DefaultV2();
    case 17: return &tgw_vpc;
    case 21: return &tcp_flags;
    case 29: return &v5;
    case 36: return &tgw;
    case 39: return &v7;
    case 40: return &v8;
    default: return nullptr;
  }
}

bool FlowFormat::ParseHeaderLine(std::string_view line, FlowFormat* out, Status* error) {
  // Data lines start with a digit, '-', or an id such as "i-..." or "eni-...";
  // only lines made wholly of field names are headers.
  if (line.empty() || line[0] < 'a' || line[0] > 'z') return false;
  std::vector<FlowField> fields;
  bool seen[kFlowFieldCount] = {};
  bool is_header = true;
  F duplicate = F::kVersion;
  bool has_duplicate = false;
  ForEachName(line, [&](std::string_view name) {
    if (!is_header) return;
    while (!name.empty() && name.back() == '\r') name.remove_suffix(1);
    if (name.empty()) return;
    auto f = FindFlowField(name);
    if (!f) {
      is_header = false;
      return;
    }
    if (seen[static_cast<int>(*f)]) {
      has_duplicate = true;
      duplicate = *f;
    }
    seen[static_cast<int>(*f)] = true;
    fields.push_back(*f);
  });
  if (!is_header || fields.empty()) return false;
  if (has_duplicate) {
    *error = Status::InvalidArgument("header line names field '" + std::string(FlowFieldToken(duplicate)) + "' twice");
    return true;
  }
  *error = Status::OK();
  *out = FlowFormat(std::move(fields), "header line");
  return true;
}

std::string FlowFormat::ToString() const {
  std::string s;
  for (FlowField f : fields_) {
    if (!s.empty()) s += ' ';
    s += FlowFieldToken(f);
  }
  return s;
}

}  // namespace flowdex
