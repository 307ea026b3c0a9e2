#include "detect/prebuilt_rules.h"

#include <cstdlib>

namespace flowdex {

namespace {

// Private, shared (CGNAT), loopback and link-local ranges: "from the
// internet" is anything outside them. IPv6 ranges are quoted for KQL.
constexpr const char* kPrivate =
    "(10.0.0.0/8 OR 172.16.0.0/12 OR 192.168.0.0/16 OR 100.64.0.0/10 OR 127.0.0.0/8 OR 169.254.0.0/16 OR "
    R"(\"fc00::/7\" OR \"fe80::/10\" OR \"::1/128\"))";  // (escaped: the text goes inside a JSON string)

// The definitions are JSON, the form users write rules in, so a prebuilt
// rule reads like the documentation of one.
struct Definition {
  const char* id;
  std::string json;
};

std::vector<Definition> Definitions() {
  const std::string priv = kPrivate;
  return {
      {"ssh-rdp-from-internet",
       R"({"name": "SSH or RDP accepted from the internet",
           "description": "An address outside the private ranges opened SSH (22) or RDP (3389) to a private address and the flow was accepted: a security group or network ACL lets the internet reach a management port. One alert per exposed address and port a day; Discover lists the sources.",
           "kind": "threshold", "severity": "high",
           "kql": "event.action:ACCEPT AND network.transport:tcp AND destination.port:(22 OR 3389) AND destination.ip:)" +
           priv + " AND NOT source.ip:" + priv + R"(",
           "interval": "5m", "window": "10m", "group_by": ["destination.ip", "destination.port"],
           "threshold": {"value": 1}, "throttle": "24h"})"},
      {"port-scan",
       R"({"name": "Port scan",
           "description": "One source was refused on at least 250 distinct destination ports of one address within 10 minutes; rejected flows only, since the replies of a busy conversation go to as many ephemeral ports.",
           "kind": "cardinality", "severity": "medium", "kql": "event.action:REJECT",
           "interval": "5m", "window": "10m", "group_by": ["source.ip", "destination.ip"],
           "cardinality": {"field": "destination.port", "value": 250}, "throttle": "1h"})"},
      {"address-sweep",
       R"({"name": "Address sweep",
           "description": "One source tried one port on at least 100 distinct private addresses within 10 minutes (outbound traffic to many internet hosts, as a NAT gateway has, is not a sweep).",
           "kind": "cardinality", "severity": "medium", "kql": "destination.ip:)" +
           priv + R"(",
           "interval": "5m", "window": "10m", "group_by": ["source.ip", "destination.port"],
           "cardinality": {"field": "destination.ip", "value": 100}, "throttle": "1h"})"},
      {"excessive-rejects-from-source",
       R"({"name": "Excessive REJECTs from one source",
           "description": "At least 1,000 rejected flows from one source within 10 minutes.",
           "kind": "threshold", "severity": "medium", "kql": "event.action:REJECT",
           "interval": "5m", "window": "10m", "group_by": ["source.ip"],
           "threshold": {"value": 1000}, "throttle": "1h"})"},
      {"reject-spike-per-interface",
       R"({"name": "Spike in REJECTs on an interface",
           "description": "An interface's rejected flows in the last 30 minutes are far above the same half hour of the last 7 days (median + 6 MADs, and at least 200).",
           "kind": "spike", "severity": "medium", "kql": "event.action:REJECT",
           "interval": "10m", "window": "30m", "group_by": ["aws.vpcflow.interface_id"],
           "spike": {"baseline_days": 7, "k": 6, "min_count": 200}, "throttle": "3h"})"},
      {"large-egress-per-interface",
       R"({"name": "Large egress from an interface",
           "description": "At least 50 GB accepted from one interface to addresses outside the private ranges within 10 minutes.",
           "kind": "threshold", "severity": "high",
           "kql": "event.action:ACCEPT AND source.ip:)" +
           priv + " AND NOT destination.ip:" + priv + R"(",
           "interval": "5m", "window": "10m", "group_by": ["aws.vpcflow.interface_id"],
           "threshold": {"metric": "sum", "field": "network.bytes", "value": 50000000000}, "throttle": "6h"})"},
      {"rare-destination-country",
       R"({"name": "Traffic to a rare destination country",
           "description": "Accepted traffic to a country no flow went to in the previous 7 days (needs GeoIP enrichment).",
           "kind": "new_terms", "severity": "low", "kql": "event.action:ACCEPT AND destination.geo.country_iso_code:*",
           "interval": "10m", "window": "10m",
           "new_terms": {"fields": ["destination.geo.country_iso_code"], "history": "7d"}, "throttle": "24h"})"},
      {"new-destination-asn-for-subnet",
       R"({"name": "New destination ASN for a subnet",
           "description": "A subnet sent accepted traffic to an autonomous system it never reached in the previous 7 days (needs ASN enrichment and subnet-id in the flow-log format).",
           "kind": "new_terms", "severity": "low", "kql": "event.action:ACCEPT AND destination.as.number:*",
           "interval": "10m", "window": "10m", "group_by": ["aws.vpcflow.subnet_id"],
           "new_terms": {"fields": ["destination.as.number"], "history": "7d"}, "throttle": "24h"})"},
  };
}

}  // namespace

std::vector<Rule> PrebuiltRules() {
  std::vector<Rule> rules;
  for (const Definition& d : Definitions()) {
    Rule r;
    Status s = ParseRule(d.json, d.id, &r);
    if (!s.ok()) std::abort();  // a broken definition is a build defect; the unit test catches it first
    r.enabled = false;
    r.prebuilt = true;
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace flowdex
