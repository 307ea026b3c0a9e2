// FlowRecord: one parsed flow-log line, typed, without heap allocation.
//
// A record is filled in place by FlowLineParser and reused for the next line.
// Text values are views into the line buffer: they are valid only until the
// reader moves on, so a consumer that keeps a record must copy what it needs.
#pragma once

#include <cstdint>
#include <string_view>

#include "flowlog/address_facts.h"
#include "flowlog/flow_field.h"
#include "flowlog/ip_address.h"

namespace flowdex {

class FlowRecord {
 public:
  // True when the line had a value (not "-") for the field.
  bool has(FlowField f) const {
    const int i = static_cast<int>(f);
    return (present_[i >> 6] >> (i & 63)) & 1;
  }
  // Calls fn(field) for every field with a value, in FlowField order.
  template <typename Fn>
  void ForEachPresent(Fn&& fn) const {
    for (int w = 0; w < kPresenceWords; ++w) {
      for (uint64_t bits = present_[w]; bits != 0; bits &= bits - 1) {
        fn(static_cast<FlowField>(w * 64 + __builtin_ctzll(bits)));
      }
    }
  }
  // The field's text as it appeared on the line ("" when absent).
  std::string_view text(FlowField f) const { return has(f) ? text_[static_cast<int>(f)] : std::string_view(); }
  // The value of an integer field (0 when absent).
  uint64_t number(FlowField f) const { return has(f) ? number_[static_cast<int>(f)] : 0; }
  // The value of an address field (family kNone when absent).
  const IpAddress& ip(FlowField f) const;

  // Typed shortcuts for the fields everyone uses.
  uint16_t src_port() const { return static_cast<uint16_t>(number(FlowField::kSrcPort)); }
  uint16_t dst_port() const { return static_cast<uint16_t>(number(FlowField::kDstPort)); }
  uint8_t protocol() const { return static_cast<uint8_t>(number(FlowField::kProtocol)); }
  uint64_t packets() const { return number(FlowField::kPackets); }
  uint64_t bytes() const { return number(FlowField::kBytes); }
  int64_t start() const { return static_cast<int64_t>(number(FlowField::kStart)); }  // Unix seconds
  int64_t end() const { return static_cast<int64_t>(number(FlowField::kEnd)); }      // Unix seconds
  FlowAction action() const { return static_cast<FlowAction>(number(FlowField::kAction)); }
  LogStatus log_status() const { return static_cast<LogStatus>(number(FlowField::kLogStatus)); }
  const IpAddress& src_addr() const { return ip(FlowField::kSrcAddr); }
  const IpAddress& dst_addr() const { return ip(FlowField::kDstAddr); }

  // What enrichment found about the source or destination address (nullptr:
  // nothing, or no enrichment ran). Set by a FlowRecordEnricher.
  const AddressFacts* facts(FlowSide side) const { return facts_[static_cast<int>(side)]; }
  void set_facts(FlowSide side, const AddressFacts* f) { facts_[static_cast<int>(side)] = f; }

  // Forgets every value (cheap: only the presence bits are cleared).
  void Clear() {
    for (uint64_t& w : present_) w = 0;
    facts_[0] = facts_[1] = nullptr;
  }
  // Used by the parser.
  void SetText(FlowField f, std::string_view v) {
    const int i = static_cast<int>(f);
    present_[i >> 6] |= uint64_t{1} << (i & 63);
    text_[i] = v;
  }
  void SetNumber(FlowField f, uint64_t v) { number_[static_cast<int>(f)] = v; }
  IpAddress* mutable_ip(int slot) { return &ips_[slot]; }

 private:
  static constexpr int kPresenceWords = (kFlowFieldCount + 63) / 64;
  uint64_t present_[kPresenceWords] = {};
  std::string_view text_[kFlowFieldCount];
  uint64_t number_[kFlowFieldCount];
  IpAddress ips_[kIpFieldCount];
  const AddressFacts* facts_[2] = {nullptr, nullptr};
};

}  // namespace flowdex
