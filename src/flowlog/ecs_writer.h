// EcsDocumentWriter: turns a FlowRecord into the Elastic Common Schema
// document that Elastic's AWS integration (data stream aws.vpcflow, newest
// generation) indexes for it. docs/flowlog.md lists every field and the few
// deliberate differences (a "-" value leaves the field out instead of being
// indexed as "-"; empty objects are left out).
#pragma once

#include <memory>
#include <string_view>

#include "flowlog/flow_record.h"

namespace flowdex {

// The ECS version stamped in ecs.version, as Elastic's pipeline does.
inline constexpr std::string_view kEcsVersion = "8.11.0";

// network.transport for an IANA protocol number, or "" when Elastic sets none.
std::string_view TransportName(uint8_t protocol);

// TCP flag names for the bits of tcp-flags, in Elastic's order
// (fin, syn, rst, psh, ack, urg); calls fn(name) for each set bit.
template <typename Fn>
void ForEachTcpFlag(uint64_t flags, Fn&& fn) {
  static constexpr std::string_view kNames[] = {"fin", "syn", "rst", "psh", "ack", "urg"};
  for (int bit = 0; bit < 6; ++bit) {
    if (flags & (uint64_t{1} << bit)) fn(kNames[bit]);
  }
}

class EcsDocumentWriter {
 public:
  struct Options {
    bool include_original = false;  // event.original: the line as read
  };
  explicit EcsDocumentWriter(Options options);
  ~EcsDocumentWriter();
  EcsDocumentWriter(const EcsDocumentWriter&) = delete;
  EcsDocumentWriter& operator=(const EcsDocumentWriter&) = delete;

  // Returns the record's document as one line of JSON (no newline). The view
  // stays valid until the next call. `original` is the line the record came
  // from. Reuses its buffers: no allocation per record once warmed up.
  std::string_view Write(const FlowRecord& record, std::string_view original);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowdex
