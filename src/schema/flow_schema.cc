#include "schema/flow_schema.h"

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

#include "flowlog/ecs_fields.h"

namespace flowdex {

namespace {

using When = EnumeratedValue::When;

// The columns of the flow-log fields: typed as narrowly as their values
// allow (ports in 16 bits, the protocol in 8), keyword for text, ip for
// addresses, timestamps in ms.
ColumnType ColumnTypeOf(const FlowFieldInfo& info) {
  switch (info.type) {
    case FlowFieldType::kIp: return ColumnType::kIp;
    case FlowFieldType::kInteger:
      if (info.field == FlowField::kStart || info.field == FlowField::kEnd) return ColumnType::kTimestamp;
      return info.max_value <= 0xff     ? ColumnType::kUInt8
             : info.max_value <= 0xffff ? ColumnType::kUInt16
                                        : ColumnType::kUInt64;
    default: return ColumnType::kKeyword;
  }
}

const std::array<FlowColumn, kFlowFieldCount>& FlowColumns() {
  static const std::array<FlowColumn, kFlowFieldCount> columns = [] {
    std::array<FlowColumn, kFlowFieldCount> c{};
    for (int i = 0; i < kFlowFieldCount; ++i) {
      const FlowFieldInfo& info = GetFlowFieldInfo(static_cast<FlowField>(i));
      c[i] = FlowColumn{info.ecs_name, ColumnTypeOf(info)};
    }
    return c;
  }();
  return columns;
}

FieldType EsTypeOf(EcsType t) {
  switch (t) {
    case EcsType::kKeyword: return FieldType::kKeyword;
    case EcsType::kLong: return FieldType::kLong;
    case EcsType::kIp: return FieldType::kIp;
    case EcsType::kDate: return FieldType::kDate;
  }
  return FieldType::kKeyword;
}

// Enumerated fields: each value and the stored values that give it.
using V = EnumeratedValue;
const EnumeratedField& Outcome() {
  static const EnumeratedField f{{V::KeywordEquals(EventOutcome(FlowAction::kAccept), "ACCEPT"),
                                  V::KeywordEquals(EventOutcome(FlowAction::kReject), "REJECT")}};
  return f;
}
const EnumeratedField& EventType() {
  static const EnumeratedField f{{V::Always(kEventTypeConnection),
                                  V::KeywordEquals(EventTypeOfAction(FlowAction::kAccept), "ACCEPT"),
                                  V::KeywordEquals(EventTypeOfAction(FlowAction::kReject), "REJECT")}};
  return f;
}
const EnumeratedField& Transport() {
  static const EnumeratedField f = [] {
    EnumeratedField e;
    for (int p = 0; p < 256; ++p) {
      const std::string_view name = TransportName(static_cast<uint8_t>(p));
      if (!name.empty()) e.values.push_back(V::IntegerEquals(name, static_cast<uint64_t>(p)));
    }
    return e;
  }();
  return f;
}
const EnumeratedField& NetworkTypeField() {
  IpAddress v6;
  v6.family = IpAddress::Family::kV6;
  static const EnumeratedField f{{V::IpFamily(NetworkType(IpAddress::FromV4(0)), 4), V::IpFamily(NetworkType(v6), 6)}};
  return f;
}
const EnumeratedField& TcpFlagsArray() {
  static const EnumeratedField f = [] {
    EnumeratedField e;
    for (int bit = 0; bit < kTcpFlagCount; ++bit) e.values.push_back(V::BitSet(kTcpFlagNames[bit], uint64_t{1} << bit));
    return e;
  }();
  return f;
}
// The same value on every row (cloud.provider, ...).
const EnumeratedField* Constant(std::string_view value) {
  static std::map<std::string_view, EnumeratedField> constants;  // filled once, while the table is built
  EnumeratedField& f = constants[value];
  f.values = {V::Always(value)};
  return &f;
}

// The fields Elastic's documents hold that flowdex does not store as such:
// one entry each.
// clang-format off
std::vector<FlowSchemaField> DerivedFields() {
  using S = FieldSource;
  using FT = FieldType;
  using CT = ColumnType;
  return {
      {"@timestamp", FT::kDate, S::kColumn, {kTimestampColumn}, CT::kTimestamp, nullptr, {}, true, "end (else start)",
       "When the flow ended: end, else start, else the time of ingest."},
      {"event.end", FT::kDate, S::kColumn, {kTimestampColumn}, CT::kTimestamp, nullptr, kNoEndColumn, false, "end",
       "When the last packet of the interval was received (only on records with an end)."},
      {"network.bytes", FT::kLong, S::kColumn, {"source.bytes"}, CT::kUInt64, nullptr, {}, false, "bytes",
       "Bytes of the flow; equal to source.bytes (a record counts one direction)."},
      {"network.packets", FT::kLong, S::kColumn, {"source.packets"}, CT::kUInt64, nullptr, {}, false, "packets",
       "Packets of the flow; equal to source.packets."},
      {"source.address", FT::kKeyword, S::kAddressText, {"source.ip"}, CT::kIp, nullptr, {}, false, "srcaddr",
       "The source address as text (a keyword, as ECS types *.address)."},
      {"destination.address", FT::kKeyword, S::kAddressText, {"destination.ip"}, CT::kIp, nullptr, {}, false,
       "dstaddr", "The destination address as text (a keyword)."},
      {"related.ip", FT::kIp, S::kColumn, {"source.ip", "destination.ip"}, CT::kIp, nullptr, {}, false,
       "srcaddr, dstaddr", "Both addresses of the flow: a row matches when either does."},
      {"aws.vpcflow.account_id", FT::kKeyword, S::kColumn, {"cloud.account.id"}, CT::kKeyword, nullptr, {}, false,
       "account-id", "The account, as Elastic also keeps it under aws.vpcflow (= cloud.account.id)."},
      {"aws.vpcflow.action", FT::kKeyword, S::kColumn, {"event.action"}, CT::kKeyword, nullptr, {}, false, "action",
       "ACCEPT or REJECT, as Elastic also keeps it under aws.vpcflow (= event.action)."},
      {"aws.vpcflow.instance_id", FT::kKeyword, S::kColumn, {"cloud.instance.id"}, CT::kKeyword, nullptr, {}, false,
       "instance-id", "The instance, as Elastic also keeps it under aws.vpcflow (= cloud.instance.id)."},
      {"event.outcome", FT::kKeyword, S::kEnumerated, {"event.action"}, CT::kKeyword, &Outcome(), {}, false,
       "action", "success for ACCEPT, failure for REJECT."},
      {"event.type", FT::kKeyword, S::kEnumerated, {"event.action"}, CT::kKeyword, &EventType(), {}, false,
       "action", "connection, and allowed (ACCEPT) or denied (REJECT)."},
      {"network.transport", FT::kKeyword, S::kEnumerated, {"network.iana_number"}, CT::kUInt8, &Transport(), {},
       false, "protocol", "The protocol's name (tcp, udp, icmp, ...) for the IANA numbers Elastic names."},
      {"network.type", FT::kKeyword, S::kEnumerated, {"source.ip"}, CT::kIp, &NetworkTypeField(), {}, false,
       "srcaddr", "ipv4 or ipv6, by the family of source.ip."},
      {"aws.vpcflow.tcp_flags_array", FT::kKeyword, S::kEnumerated, {"aws.vpcflow.tcp_flags"}, CT::kUInt16,
       &TcpFlagsArray(), {}, false, "tcp-flags", "The names of the TCP flags set (fin, syn, rst, psh, ack, urg)."},
      {"network.community_id", FT::kKeyword, S::kCommunityId,
       {"source.ip", "destination.ip", "source.port", "destination.port", "network.iana_number"}, CT::kIp, nullptr,
       {}, false, "srcaddr, dstaddr, srcport, dstport, protocol", "The Community ID (v1) of the flow's 5-tuple."},
      {"cloud.provider", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant(kCloudProvider), {}, false,
       "constant", "aws"},
      {"event.kind", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant(kEventKind), {}, false, "constant",
       "event"},
      {"event.category", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant(kEventCategory), {}, false,
       "constant", "network"},
      {"ecs.version", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant(kEcsVersion), {}, false, "constant",
       "The ECS version of the documents."},
      // The data stream's constant_keyword fields, which Elastic's agent and
      // index template give every document of logs-aws.vpcflow-default and
      // Kibana's VPC flow dashboards filter on (data_stream.dataset :
      // "aws.vpcflow"): searchable and aggregatable, not in _source (the
      // integration's pipeline output, which _source equals, has none).
      {"data_stream.type", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant("logs"), {}, false, "constant",
       "logs (the data stream's type)."},
      {"data_stream.dataset", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant("aws.vpcflow"), {}, false,
       "constant", "aws.vpcflow (the data stream's dataset)."},
      {"data_stream.namespace", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant("default"), {}, false,
       "constant", "default (the data stream's namespace)."},
      {"event.dataset", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant("aws.vpcflow"), {}, false,
       "constant", "aws.vpcflow, as Elastic's agent and Filebeat set it."},
      {"event.module", FT::kKeyword, S::kEnumerated, {}, CT::kKeyword, Constant("aws"), {}, false, "constant",
       "aws, as Filebeat sets it."},
  };
}
// clang-format on

std::vector<FlowSchemaField> BuildTable() {
  std::vector<FlowSchemaField> fields = DerivedFields();
  for (int i = 0; i < kFlowFieldCount; ++i) {
    const FlowFieldInfo& info = GetFlowFieldInfo(static_cast<FlowField>(i));
    const FlowColumn& column = FlowColumns()[i];
    if (column.name.empty()) continue;  // end: @timestamp and event.end above
    FlowSchemaField f;
    f.name = info.ecs_name;
    f.type = EsTypeOf(info.ecs_type);
    f.columns = {column.name};
    f.column_type = column.type;
    // Keywords kept in integer columns (Elastic maps the protocol, the
    // version and tcp_flags as strings) are searched as their decimal text.
    f.source = f.type == FieldType::kKeyword && column.type != ColumnType::kKeyword ? FieldSource::kDecimalText
                                                                                    : FieldSource::kColumn;
    f.stored = true;
    f.origin = info.token;
    f.description = info.description;
    fields.push_back(std::move(f));
  }
  // What enrichment adds about each address (GeoIP, ASN, AWS ranges, the
  // inventory's owner): facts of the side's facts column.
  for (FlowSide side : {FlowSide::kSource, FlowSide::kDestination}) {
    for (int i = 0; i < kFactFieldCount; ++i) {
      const FactFieldInfo& info = GetFactFieldInfo(static_cast<FactField>(i));
      FlowSchemaField f;
      f.name = FactFieldName(side, info.field);
      f.type = info.field == FactField::kAsNumber   ? FieldType::kLong
               : info.field == FactField::kLocation ? FieldType::kGeoPoint
                                                    : FieldType::kKeyword;
      f.source = FieldSource::kFact;
      f.columns = {side == FlowSide::kSource ? kSourceFactsColumn : kDestinationFactsColumn};
      f.column_type = ColumnType::kKeyword;
      f.fact = i;
      const bool aws = info.field == FactField::kAwsService || info.field == FactField::kAwsRegion;
      const bool src = side == FlowSide::kSource;
      f.origin = IsOwnerFact(info.field) ? (src ? "srcaddr (AWS inventory)" : "dstaddr (AWS inventory)")
                 : aws                   ? (src ? "srcaddr (AWS ip-ranges)" : "dstaddr (AWS ip-ranges)")
                                         : (src ? "srcaddr (GeoIP)" : "dstaddr (GeoIP)");
      f.description = info.description;
      fields.push_back(std::move(f));
    }
  }
  std::sort(fields.begin(), fields.end(),
            [](const FlowSchemaField& a, const FlowSchemaField& b) { return a.name < b.name; });
  return fields;
}

}  // namespace

const std::vector<FlowSchemaField>& FlowSchemaFields() {
  static const std::vector<FlowSchemaField> fields = BuildTable();
  return fields;
}

const FlowSchemaField* FindFlowSchemaField(std::string_view name) {
  const auto& fields = FlowSchemaFields();
  auto it = std::lower_bound(fields.begin(), fields.end(), name,
                             [](const FlowSchemaField& f, std::string_view n) { return f.name < n; });
  return it != fields.end() && it->name == name ? &*it : nullptr;
}

FieldBinding FlowFieldBinding(std::string_view name) {
  FieldBinding b;
  b.name = std::string(name);
  const FlowSchemaField* f = FindFlowSchemaField(name);
  if (f == nullptr) return b;
  b.known = true;
  b.type = f->type;
  b.source = f->source;
  for (std::string_view c : f->columns) b.columns.emplace_back(c);
  b.column_type = f->column_type;
  b.enumerated = f->enumerated;
  b.hidden_by = std::string(f->hidden_by);
  b.fact = f->fact;
  return b;
}

const FlowColumn& FlowColumnFor(FlowField f) { return FlowColumns()[static_cast<int>(f)]; }

std::string FlowSchemaMarkdown() {
  std::string out =
      "# The flow schema\n\n"
      "<!-- Generated by `flowdex schema --markdown` from src/schema/flow_schema.cc; a test fails when it is stale. "
      "-->\n\n"
      "Every field of the flow index (`logs-aws.vpcflow-default`, also searched as `logs`) that a query, an\n"
      "aggregation or a sort can name, with its Elasticsearch type (as Elastic's `aws.vpcflow` integration maps\n"
      "it) and where its values come from. *Stored* fields have a column of their own (typed compactly: the\n"
      "protocol is one byte, ports two); the others are derived from stored columns when a query runs, and\n"
      "behave exactly like stored fields of their type: `source.address:10.1.*` is a prefix on the address's\n"
      "text, `network.transport:*c*` a wildcard over protocol names.\n\n"
      "| field | type | stored as | from | description |\n|---|---|---|---|---|\n";
  auto how = [](const FlowSchemaField& f) -> std::string {
    std::string cols;
    for (std::string_view c : f.columns) cols += (cols.empty() ? "" : ", ") + fmt::format("`{}`", c);
    switch (f.source) {
      case FieldSource::kColumn:
        if (f.stored) return fmt::format("column ({})", ColumnTypeName(f.column_type));
        if (!f.hidden_by.empty()) return fmt::format("{} where `{}` is unset", cols, f.hidden_by);
        return f.columns.size() > 1 ? fmt::format("any of {}", cols) : fmt::format("= {}", cols);
      case FieldSource::kDecimalText:
        return fmt::format("column ({}), searched as text", ColumnTypeName(f.column_type));
      case FieldSource::kAddressText: return fmt::format("text of {}", cols);
      case FieldSource::kEnumerated:
        return f.columns.empty() ? std::string("constant") : fmt::format("derived from {}", cols);
      case FieldSource::kCommunityId: return fmt::format("computed from {}", cols);
      case FieldSource::kFact: return fmt::format("a fact in {}", cols);
    }
    return "";
  };
  for (const FlowSchemaField& f : FlowSchemaFields()) {
    out +=
        fmt::format("| `{}` | {} | {} | {} | {} |\n", f.name, FieldTypeName(f.type), how(f), f.origin, f.description);
  }
  return out;
}

}  // namespace flowdex
