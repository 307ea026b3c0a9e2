#include "query/field_catalog.h"

#include <algorithm>
#include <map>

#include "ingest/flow_columns.h"

namespace flowdex {

namespace {

struct Alias {
  std::string_view field, column;
};
// ECS fields whose value is a stored column's (Elastic copies or renames them).
constexpr Alias kFlowAliases[] = {
    {"network.bytes", "source.bytes"},
    {"network.packets", "source.packets"},
    {"source.address", "source.ip"},
    {"destination.address", "destination.ip"},
    {"event.end", "@timestamp"},
    {"aws.vpcflow.account_id", "cloud.account.id"},
    {"aws.vpcflow.action", "event.action"},
    {"aws.vpcflow.instance_id", "cloud.instance.id"},
};

struct Constant {
  std::string_view field, value;
};
constexpr Constant kFlowConstants[] = {
    {"cloud.provider", "aws"},
    {"event.kind", "event"},
    {"event.category", "network"},
    {"ecs.version", "8.11.0"},
};

}  // namespace

ResolvedField FieldCatalog::Resolve(std::string_view field) const {
  ResolvedField r;
  r.known = true;
  if (!flow_index_) {
    r.columns.emplace_back(field);
    return r;
  }
  for (const Alias& a : kFlowAliases) {
    if (a.field == field) {
      r.columns.emplace_back(a.column);
      return r;
    }
  }
  for (const Constant& c : kFlowConstants) {
    if (c.field == field) {
      r.derivation = ResolvedField::Derivation::kConstant;
      r.constant = std::string(c.value);
      return r;
    }
  }
  using D = ResolvedField::Derivation;
  if (field == "related.ip") {
    r.columns = {"source.ip", "destination.ip"};
  } else if (field == "event.outcome") {
    r.derivation = D::kOutcome;
    r.columns = {"event.action"};
  } else if (field == "event.type") {
    r.derivation = D::kEventType;
    r.columns = {"event.action"};
  } else if (field == "network.transport") {
    r.derivation = D::kTransport;
    r.columns = {"network.iana_number"};
  } else if (field == "network.type") {
    r.derivation = D::kNetworkType;
    r.columns = {"source.ip"};
  } else if (field == "aws.vpcflow.tcp_flags_array") {
    r.derivation = D::kTcpFlagsNames;
    r.columns = {"aws.vpcflow.tcp_flags"};
  } else {
    // A stored column: every flow-log field's ECS name, and @timestamp.
    bool stored = field == kTimestampColumn;
    for (int i = 0; i < kFlowFieldCount && !stored; ++i) {
      stored = FlowColumnFor(static_cast<FlowField>(i)).name == field;
    }
    if (!stored) {
      r.known = false;
      return r;
    }
    r.columns.emplace_back(field);
  }
  return r;
}

std::vector<std::pair<std::string, std::string>> FlowIndexFields() {
  auto es_type = [](ColumnType t) -> std::string {
    switch (t) {
      case ColumnType::kIp: return "ip";
      case ColumnType::kTimestamp: return "date";
      case ColumnType::kKeyword: return "keyword";
      case ColumnType::kText: return "text";
      case ColumnType::kBool: return "boolean";
      case ColumnType::kDouble: return "double";
      default: return "long";
    }
  };
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back(kTimestampColumn, "date");
  std::map<std::string, std::string> stored;
  for (int i = 0; i < kFlowFieldCount; ++i) {
    const FlowColumn& c = FlowColumnFor(static_cast<FlowField>(i));
    if (c.name.empty()) continue;
    out.emplace_back(c.name, es_type(c.type));
    stored.emplace(c.name, out.back().second);
  }
  for (const Alias& a : kFlowAliases) {
    auto it = stored.find(std::string(a.column));
    out.emplace_back(a.field, it == stored.end() ? "date" : it->second);  // event.end is @timestamp's alias
  }
  for (const Constant& c : kFlowConstants) out.emplace_back(c.field, "keyword");
  for (const char* derived : {"event.outcome", "event.type", "network.transport", "network.type",
                              "aws.vpcflow.tcp_flags_array"}) {
    out.emplace_back(derived, "keyword");
  }
  out.emplace_back("related.ip", "ip");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace flowdex
