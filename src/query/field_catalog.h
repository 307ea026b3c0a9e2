// FieldCatalog: what a field name in a query means for one index. Document
// indices map names to their own columns; the flow index also answers for the
// ECS fields that flowdex does not store but Elastic's documents have
// (docs/format.md, "Flow records as columns"): aliases of stored columns,
// fields derived from them, and constants.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowdex {

struct ResolvedField {
  enum class Derivation : uint8_t {
    kNone,          // the stored column(s) themselves
    kOutcome,       // event.outcome: success/failure from event.action
    kEventType,     // event.type: connection, and allowed/denied from event.action
    kTransport,     // network.transport: names of network.iana_number
    kNetworkType,   // network.type: ipv4/ipv6 from the family of source.ip
    kTcpFlagsNames, // aws.vpcflow.tcp_flags_array: flag names from the tcp_flags bits
    kConstant,      // the same value on every row (cloud.provider, event.kind, ...)
  };
  // Physical columns holding the values; a row matches if any does
  // (related.ip is source.ip or destination.ip).
  std::vector<std::string> columns;
  Derivation derivation = Derivation::kNone;
  std::string constant;  // kConstant
  bool known = false;    // false: unmapped, matches nothing
};

class FieldCatalog {
 public:
  // A catalog for an index whose stored columns are named as the fields are
  // (JSON documents); `flow_index` adds the flow-log aliases and derivations.
  explicit FieldCatalog(bool flow_index) : flow_index_(flow_index) {}

  ResolvedField Resolve(std::string_view field) const;
  bool flow_index() const { return flow_index_; }

 private:
  bool flow_index_;
};

// Every field a flow index answers for, with its Elasticsearch type name
// (ip, date, long, keyword, boolean): stored columns, aliases, derived fields
// and constants. _mapping and _field_caps show these.
std::vector<std::pair<std::string, std::string>> FlowIndexFields();

}  // namespace flowdex
