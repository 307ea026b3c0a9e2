#include "inventory/inventory_history.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "util/json_util.h"

namespace flowdex {

namespace {

constexpr const char* kFormatName = "flowdex-inventory-history";
constexpr int kFormatVersion = 1;

// The owner's fields in the file, in this order.
struct OwnerTextField {
  const char* name;
  std::string AddressOwner::*member;
};
constexpr OwnerTextField kOwnerTextFields[] = {
    {"account_id", &AddressOwner::account_id},
    {"region", &AddressOwner::region},
    {"interface_id", &AddressOwner::interface_id},
    {"interface_type", &AddressOwner::interface_type},
    {"interface_description", &AddressOwner::interface_description},
    {"instance_id", &AddressOwner::instance_id},
    {"instance_name", &AddressOwner::instance_name},
    {"subnet_id", &AddressOwner::subnet_id},
    {"vpc_id", &AddressOwner::vpc_id},
    {"vpc_name", &AddressOwner::vpc_name},
};
struct OwnerListField {
  const char* name;
  std::vector<std::string> AddressOwner::*member;
};
constexpr OwnerListField kOwnerListFields[] = {
    {"security_group_ids", &AddressOwner::security_group_ids},
    {"security_group_names", &AddressOwner::security_group_names},
};

}  // namespace

int64_t InventoryHistory::PreviousSync(const std::string& region) const {
  for (auto it = syncs_.rbegin(); it != syncs_.rend(); ++it) {
    if (std::find(it->regions.begin(), it->regions.end(), region) != it->regions.end()) return it->time_ms;
  }
  return kSinceEver;
}

size_t InventoryHistory::ranges() const {
  size_t n = 0;
  for (const auto& [key, entry] : by_address_) n += entry.ranges.size();
  return n;
}

void InventoryHistory::Apply(const std::vector<ObservedAddress>& observed, const std::vector<std::string>& regions,
                             int64_t time_ms, HistoryChanges* changes) {
  HistoryChanges local;
  HistoryChanges& c = changes ? *changes : local;
  c = HistoryChanges{};
  absl::flat_hash_map<std::string, int64_t> previous;
  for (const std::string& r : regions) previous[r] = PreviousSync(r);
  const std::set<std::string> covered(regions.begin(), regions.end());
  absl::flat_hash_set<std::pair<Key, std::string>> seen;  // (address, VPC) this sync saw
  absl::flat_hash_set<std::string> interfaces;
  for (const ObservedAddress& o : observed) {
    if (!o.owner || o.ip.family == IpAddress::Family::kNone) continue;
    const Key key = KeyOf(o.ip);
    if (!seen.emplace(key, o.owner->vpc_id).second) continue;  // the first sight of a sync wins
    interfaces.insert(o.owner->interface_id);
    NoteInterface(*o.owner);
    Entry& entry = by_address_[key];
    entry.ip = o.ip;
    OwnerRange* open = nullptr;
    int64_t last_end = kSinceEver;  // where this VPC's latest closed range ends
    for (OwnerRange& r : entry.ranges) {
      if (r.owner->vpc_id != o.owner->vpc_id) continue;
      if (r.to_ms == kStillOpen) {
        open = &r;
      } else {
        last_end = std::max(last_end, r.to_ms);
      }
    }
    if (open != nullptr && open->owner->SameAs(*o.owner)) {
      open->last_seen_ms = time_ms;
      ++c.unchanged;
      continue;
    }
    OwnerRange next;
    next.owner = o.owner;
    next.last_seen_ms = time_ms;
    if (open != nullptr) {
      // Changed hands between the last sight and now: at the new
      // attachment when EC2 says when, else at this sync.
      int64_t boundary = o.since_ms > open->last_seen_ms && o.since_ms <= time_ms ? o.since_ms : time_ms;
      if (boundary <= open->from_ms) boundary = time_ms;
      open->to_ms = boundary;
      next.from_ms = boundary;
      ++c.changed;
    } else {
      auto p = previous.find(o.owner->region);
      const int64_t prev = p == previous.end() ? kSinceEver : p->second;
      if (prev == kSinceEver && last_end == kSinceEver) {
        next.from_ms = kSinceEver;  // the region's first sync: no earlier owner is known
      } else {
        const int64_t after = std::max(prev, last_end);
        next.from_ms = o.since_ms > after && o.since_ms <= time_ms ? o.since_ms : after;
      }
      ++c.added;
    }
    entry.ranges.push_back(std::move(next));
  }
  for (auto& [key, entry] : by_address_) {
    for (OwnerRange& r : entry.ranges) {
      if (r.to_ms != kStillOpen || !covered.count(r.owner->region)) continue;
      if (seen.contains(std::make_pair(key, r.owner->vpc_id))) continue;
      r.to_ms = std::max(time_ms, r.from_ms == kSinceEver ? time_ms : r.from_ms + 1);
      ++c.closed;
    }
  }
  syncs_.push_back(InventorySync{time_ms, regions, interfaces.size(), seen.size()});
}

std::string_view InventoryHistory::VpcHint(std::string_view vpc_id, std::string_view interface_id) const {
  if (!vpc_id.empty()) return vpc_id;
  if (interface_id.empty()) return {};
  auto it = interface_vpc_.find(absl::string_view(interface_id.data(), interface_id.size()));
  return it == interface_vpc_.end() ? std::string_view() : std::string_view(it->second);
}

std::vector<std::string> InventoryHistory::InterfacesIn(std::string_view vpc) const {
  std::vector<std::string> out;
  for (const auto& [eni, v] : interface_vpc_) {
    if (v == vpc) out.push_back(eni);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<OwnerRange>* InventoryHistory::Ranges(const IpAddress& ip) const {
  auto it = by_address_.find(KeyOf(ip));
  return it == by_address_.end() ? nullptr : &it->second.ranges;
}

const OwnerRange* InventoryHistory::Find(const IpAddress& ip, int64_t time_ms, std::string_view vpc_hint) const {
  const std::vector<OwnerRange>* ranges = Ranges(ip);
  if (ranges == nullptr) return nullptr;
  const OwnerRange* found = nullptr;
  int candidates = 0;
  for (const OwnerRange& r : *ranges) {
    if (!r.Contains(time_ms)) continue;
    if (!vpc_hint.empty() && r.owner->vpc_id == vpc_hint) return &r;
    found = &r;
    ++candidates;
  }
  return candidates == 1 ? found : nullptr;
}

std::string InventoryHistory::Serialize() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto time = [&](int64_t ms, int64_t unbounded) {
    if (ms == unbounded) {
      w.Null();
    } else {
      w.Int64(ms);
    }
  };
  w.StartObject();
  WriteJsonKey(w, "format");
  WriteJsonString(w, kFormatName);
  WriteJsonKey(w, "version");
  w.Int(kFormatVersion);
  WriteJsonKey(w, "syncs");
  w.StartArray();
  for (const InventorySync& s : syncs_) {
    w.StartObject();
    WriteJsonKey(w, "time_ms");
    w.Int64(s.time_ms);
    WriteJsonKey(w, "regions");
    w.StartArray();
    for (const std::string& r : s.regions) WriteJsonString(w, r);
    w.EndArray();
    WriteJsonKey(w, "interfaces");
    w.Uint64(s.interfaces);
    WriteJsonKey(w, "addresses");
    w.Uint64(s.addresses);
    w.EndObject();
  }
  w.EndArray();
  // Owners once each (an interface's addresses share theirs), addresses in
  // byte order so that the file is the same for the same history.
  std::vector<const Entry*> entries;
  entries.reserve(by_address_.size());
  for (const auto& [key, entry] : by_address_) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return std::make_pair(a->ip.family, a->ip.bytes) < std::make_pair(b->ip.family, b->ip.bytes);
  });
  absl::flat_hash_map<const AddressOwner*, size_t> owner_index;
  std::vector<const AddressOwner*> owners;
  for (const Entry* e : entries) {
    for (const OwnerRange& r : e->ranges) {
      if (owner_index.emplace(r.owner.get(), owners.size()).second) owners.push_back(r.owner.get());
    }
  }
  WriteJsonKey(w, "owners");
  w.StartArray();
  for (const AddressOwner* o : owners) {
    w.StartObject();
    for (const OwnerTextField& f : kOwnerTextFields) {
      WriteJsonKey(w, f.name);
      WriteJsonString(w, o->*f.member);
    }
    for (const OwnerListField& f : kOwnerListFields) {
      WriteJsonKey(w, f.name);
      w.StartArray();
      for (const std::string& v : o->*f.member) WriteJsonString(w, v);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  WriteJsonKey(w, "addresses");
  w.StartArray();
  char text[kMaxIpTextLength + 1];
  for (const Entry* e : entries) {
    w.StartObject();
    WriteJsonKey(w, "ip");
    WriteJsonString(w, std::string_view(text, FormatIpAddress(e->ip, text)));
    WriteJsonKey(w, "ranges");
    w.StartArray();
    for (const OwnerRange& r : e->ranges) {
      w.StartObject();
      WriteJsonKey(w, "from_ms");
      time(r.from_ms, kSinceEver);
      WriteJsonKey(w, "to_ms");
      time(r.to_ms, kStillOpen);
      WriteJsonKey(w, "last_seen_ms");
      w.Int64(r.last_seen_ms);
      WriteJsonKey(w, "owner");
      w.Uint64(owner_index[r.owner.get()]);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Status InventoryHistory::Parse(std::string_view text, InventoryHistory* out) {
  *out = InventoryHistory{};
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption("inventory history: not a JSON object");
  auto bad = [](const std::string& what) { return Status::Corruption("inventory history: " + what); };
  auto format = doc.FindMember("format");
  if (format == doc.MemberEnd() || !format->value.IsString() ||
      std::string_view(format->value.GetString()) != kFormatName) {
    return bad(fmt::format("\"format\" is not \"{}\"", kFormatName));
  }
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || !version->value.IsInt() || version->value.GetInt() > kFormatVersion) {
    return bad(fmt::format("version is newer than {} or missing", kFormatVersion));
  }
  auto array = [&](const rapidjson::Value& v, const char* name) -> const rapidjson::Value* {
    auto m = v.FindMember(name);
    return m != v.MemberEnd() && m->value.IsArray() ? &m->value : nullptr;
  };
  const rapidjson::Value* syncs = array(doc, "syncs");
  const rapidjson::Value* owners = array(doc, "owners");
  const rapidjson::Value* addresses = array(doc, "addresses");
  if (!syncs || !owners || !addresses) return bad("\"syncs\", \"owners\" and \"addresses\" must be arrays");
  for (const auto& s : syncs->GetArray()) {
    if (!s.IsObject() || !s.HasMember("time_ms") || !s["time_ms"].IsInt64()) return bad("a sync without time_ms");
    InventorySync sync;
    sync.time_ms = s["time_ms"].GetInt64();
    if (const rapidjson::Value* regions = array(s, "regions")) {
      for (const auto& r : regions->GetArray()) {
        if (r.IsString()) sync.regions.emplace_back(r.GetString(), r.GetStringLength());
      }
    }
    if (s.HasMember("interfaces") && s["interfaces"].IsUint64()) sync.interfaces = s["interfaces"].GetUint64();
    if (s.HasMember("addresses") && s["addresses"].IsUint64()) sync.addresses = s["addresses"].GetUint64();
    out->syncs_.push_back(std::move(sync));
  }
  std::vector<AddressOwnerPtr> owner_list;
  for (const auto& o : owners->GetArray()) {
    if (!o.IsObject()) return bad("an owner is not an object");
    auto owner = std::make_shared<AddressOwner>();
    for (const OwnerTextField& f : kOwnerTextFields) {
      auto m = o.FindMember(f.name);
      if (m != o.MemberEnd() && m->value.IsString()) {
        (*owner).*f.member = std::string(m->value.GetString(), m->value.GetStringLength());
      }
    }
    for (const OwnerListField& f : kOwnerListFields) {
      if (const rapidjson::Value* list = array(o, f.name)) {
        for (const auto& v : list->GetArray()) {
          if (v.IsString()) ((*owner).*f.member).emplace_back(v.GetString(), v.GetStringLength());
        }
      }
    }
    if (owner->interface_id.empty()) return bad("an owner without interface_id");
    owner->Seal();
    out->NoteInterface(*owner);
    owner_list.push_back(std::move(owner));
  }
  for (const auto& a : addresses->GetArray()) {
    if (!a.IsObject() || !a.HasMember("ip") || !a["ip"].IsString()) return bad("an address without ip");
    IpAddress ip;
    const std::string_view ip_text(a["ip"].GetString(), a["ip"].GetStringLength());
    if (!ParseIpAddress(ip_text, &ip)) return bad(fmt::format("\"{}\" is not an IP address", ip_text));
    const rapidjson::Value* ranges = array(a, "ranges");
    if (!ranges) return bad(fmt::format("{}: no ranges", ip_text));
    Entry& entry = out->by_address_[KeyOf(ip)];
    entry.ip = ip;
    for (const auto& r : ranges->GetArray()) {
      if (!r.IsObject() || !r.HasMember("owner") || !r["owner"].IsUint64() ||
          r["owner"].GetUint64() >= owner_list.size()) {
        return bad(fmt::format("{}: a range without a known owner", ip_text));
      }
      OwnerRange range;
      range.owner = owner_list[r["owner"].GetUint64()];
      auto time = [&](const char* name, int64_t unbounded, int64_t* outv) {
        auto m = r.FindMember(name);
        if (m == r.MemberEnd() || m->value.IsNull()) {
          *outv = unbounded;
          return true;
        }
        if (!m->value.IsInt64()) return false;
        *outv = m->value.GetInt64();
        return true;
      };
      if (!time("from_ms", kSinceEver, &range.from_ms) || !time("to_ms", kStillOpen, &range.to_ms) ||
          !time("last_seen_ms", 0, &range.last_seen_ms) || range.from_ms >= range.to_ms) {
        return bad(fmt::format("{}: a range with bad times", ip_text));
      }
      entry.ranges.push_back(std::move(range));
    }
  }
  return Status::OK();
}

}  // namespace flowdex
