#include "flowlog/flow_record.h"

namespace flowdex {

const IpAddress& FlowRecord::ip(FlowField f) const {
  static const IpAddress kNone;
  const int slot = GetFlowFieldInfo(f).ip_slot;
  if (slot < 0 || !has(f)) return kNone;
  return ips_[slot];
}

}  // namespace flowdex
