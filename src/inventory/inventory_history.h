// InventoryHistory: who owned each address when. Every inventory sync is
// merged in as a set of observations (address -> owner at the sync's
// time); the history keeps, per address and VPC, the time ranges
// [from, to) of each owner, so that a flow is named by the owner at the
// flow's time and not by whoever holds the address today (addresses are
// reused: naming old flows by today's owner is the classic mistake).
//
// How ranges are drawn (docs/enrichment.md):
//  - the first sync of a region has seen no change: its owners reach back
//    without bound (from = -inf), so data older than the inventory is named;
//  - an owner seen again by the next sync stays open (to = +inf);
//  - a new or changed owner starts at its interface's attach time when that
//    falls after the previous sight, else at the sync that saw it, and the
//    previous owner's range ends there;
//  - an address a sync of its region no longer sees is closed at that sync.
// The file format is JSON (docs/format.md, "Inventory history").
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "flowlog/ip_address.h"
#include "inventory/address_owner.h"
#include "util/status.h"

namespace flowdex {

inline constexpr int64_t kSinceEver = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kStillOpen = std::numeric_limits<int64_t>::max();

struct OwnerRange {
  int64_t from_ms = kSinceEver;  // inclusive
  int64_t to_ms = kStillOpen;    // exclusive
  int64_t last_seen_ms = 0;      // the last sync that saw this owner
  AddressOwnerPtr owner;
  bool Contains(int64_t t) const { return t >= from_ms && t < to_ms; }
};

// One sync's view: an address and what held it.
struct ObservedAddress {
  IpAddress ip;
  AddressOwnerPtr owner;
  int64_t since_ms = 0;  // the interface's attach time (0: unknown)
};

struct InventorySync {
  int64_t time_ms = 0;
  std::vector<std::string> regions;  // the regions it covered
  uint64_t interfaces = 0;
  uint64_t addresses = 0;
};

// What one Apply changed.
struct HistoryChanges {
  uint64_t unchanged = 0, added = 0, changed = 0, closed = 0;
};

class InventoryHistory {
 public:
  // Merges one sync of `regions` at time `time_ms` (later than every
  // earlier sync) into the history.
  void Apply(const std::vector<ObservedAddress>& observed, const std::vector<std::string>& regions, int64_t time_ms,
             HistoryChanges* changes = nullptr);

  // The owner of `ip` at `time_ms`: the range that contains the time; when
  // ranges of several VPCs do (the same private address in two VPCs), the
  // one in `vpc_hint`'s VPC, and none when the hint does not settle it.
  const OwnerRange* Find(const IpAddress& ip, int64_t time_ms, std::string_view vpc_hint = {}) const;
  // The VPC to find a flow's addresses in: the flow's vpc-id when it has
  // one, else the VPC of the interface that logged it (every flow log
  // record names its interface), else "".
  std::string_view VpcHint(std::string_view vpc_id, std::string_view interface_id) const;
  // The interfaces the history knows in `vpc`.
  std::vector<std::string> InterfacesIn(std::string_view vpc) const;

  // Every range of `ip`, oldest first per VPC (nullptr: none).
  const std::vector<OwnerRange>* Ranges(const IpAddress& ip) const;

  const std::vector<InventorySync>& syncs() const { return syncs_; }
  size_t addresses() const { return by_address_.size(); }
  size_t ranges() const;
  // Calls fn(ip, range) for every range (addresses in no particular order).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [key, entry] : by_address_) {
      for (const OwnerRange& r : entry.ranges) fn(entry.ip, r);
    }
  }

  // The history as JSON text / from JSON text (Corruption naming what is wrong).
  std::string Serialize() const;
  static Status Parse(std::string_view text, InventoryHistory* out);

 private:
  using Key = IpHashKey;
  struct Entry {
    IpAddress ip;
    std::vector<OwnerRange> ranges;
  };
  static Key KeyOf(const IpAddress& ip) { return IpHashKey::Of(ip); }
  // The time of the latest earlier sync that covered `region` (kSinceEver: none).
  int64_t PreviousSync(const std::string& region) const;

  void NoteInterface(const AddressOwner& owner) { interface_vpc_[owner.interface_id] = owner.vpc_id; }

  absl::flat_hash_map<Key, Entry> by_address_;
  absl::flat_hash_map<std::string, std::string> interface_vpc_;  // every interface ever seen -> its VPC
  std::vector<InventorySync> syncs_;
};

}  // namespace flowdex
