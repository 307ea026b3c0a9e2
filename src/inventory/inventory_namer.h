// Naming flows by the inventory: the owner of an address at the flow's
// time merged into the facts the flow already has. InventoryNamer names
// records read back from the store whose addresses were stored without an
// owner (ingested before the inventory knew them), so that a search over
// old data shows names as new data does.
#pragma once

#include <cstdint>
#include <memory>

#include "flowlog/flow_log_reader.h"
#include "flowlog/flow_record.h"
#include "inventory/inventory_history.h"

namespace flowdex {

// `base` (nullptr: no facts) with the owner's facts added; id is left 0.
void MergeOwnerFacts(const AddressFacts* base, const AddressFacts& owner, AddressFacts* out);

// The instant a flow is named at: its start, else its end (ms; 0: neither).
int64_t FlowNamingTimeMs(const FlowRecord& record);

class InventoryNamer final : public FlowRecordEnricher {
 public:
  explicit InventoryNamer(std::shared_ptr<const InventoryHistory> history) : history_(std::move(history)) {}
  // Adds the owner at the flow's time to each side that has none; what
  // the record points to stays valid until the next call.
  void Enrich(FlowRecord* record) override;

 private:
  std::shared_ptr<const InventoryHistory> history_;
  AddressFacts named_[2];
};

}  // namespace flowdex
