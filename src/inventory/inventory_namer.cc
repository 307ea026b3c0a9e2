#include "inventory/inventory_namer.h"

namespace flowdex {

void MergeOwnerFacts(const AddressFacts* base, const AddressFacts& o, AddressFacts* out) {
  *out = base != nullptr ? *base : AddressFacts{};
  out->id = 0;
  out->interface_id = o.interface_id;
  out->interface_type = o.interface_type;
  out->interface_description = o.interface_description;
  out->instance_id = o.instance_id;
  out->instance_name = o.instance_name;
  out->security_group_ids = o.security_group_ids;
  out->security_group_names = o.security_group_names;
  out->subnet_id = o.subnet_id;
  out->vpc_id = o.vpc_id;
  out->vpc_name = o.vpc_name;
}

int64_t FlowNamingTimeMs(const FlowRecord& r) {
  const int64_t seconds = r.has(FlowField::kStart) ? r.start()
                          : r.has(FlowField::kEnd) ? static_cast<int64_t>(r.number(FlowField::kEnd))
                                                   : 0;
  return seconds * 1000;
}

void InventoryNamer::Enrich(FlowRecord* record) {
  if (history_ == nullptr || history_->addresses() == 0) return;
  const int64_t time_ms = FlowNamingTimeMs(*record);
  const std::string_view vpc =
      history_->VpcHint(record->text(FlowField::kVpcId), record->text(FlowField::kInterfaceId));
  for (FlowSide side : {FlowSide::kSource, FlowSide::kDestination}) {
    const FlowField addr = side == FlowSide::kSource ? FlowField::kSrcAddr : FlowField::kDstAddr;
    const AddressFacts* facts = record->facts(side);
    if (!record->has(addr) || (facts != nullptr && facts->has_owner())) continue;
    const IpAddress ip = side == FlowSide::kSource ? record->src_addr() : record->dst_addr();
    const OwnerRange* range = history_->Find(ip, time_ms, vpc);
    if (range == nullptr) continue;
    AddressFacts& named = named_[static_cast<int>(side)];
    MergeOwnerFacts(facts, range->owner->facts(), &named);
    record->set_facts(side, &named);
  }
}

}  // namespace flowdex
