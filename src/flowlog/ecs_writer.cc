#include "flowlog/ecs_writer.h"

#if defined(__SSE2__)
#define RAPIDJSON_SSE2  // vectorised string escaping
#endif
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <vector>

#include "flowlog/community_id.h"
#include "flowlog/ecs_fields.h"
#include "util/json_util.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using F = FlowField;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// What goes under aws.vpcflow, in key order (as Elastic's documents list
// it): every field of the table with a vpcflow_key, plus tcp_flags_array.
enum class Kind : uint8_t { kText, kLong, kSublocation, kTcpFlagsArray };
struct VpcflowKey {
  std::string_view key;
  FlowField field;
  Kind kind;
};
const std::vector<VpcflowKey>& VpcflowKeys() {
  static const std::vector<VpcflowKey> keys = [] {
    std::vector<VpcflowKey> v;
    for (int i = 0; i < kFlowFieldCount; ++i) {
      const FlowFieldInfo& info = GetFlowFieldInfo(static_cast<FlowField>(i));
      if (info.vpcflow_key.empty()) continue;
      if (info.vpcflow_key.starts_with("sublocation.")) {
        // One object for both sublocation fields.
        if (info.field == F::kSublocationType) v.push_back({"sublocation", info.field, Kind::kSublocation});
        continue;
      }
      v.push_back({info.vpcflow_key, info.field, info.ecs_type == EcsType::kLong ? Kind::kLong : Kind::kText});
    }
    v.push_back({"tcp_flags_array", F::kTcpFlags, Kind::kTcpFlagsArray});
    std::sort(v.begin(), v.end(), [](const VpcflowKey& a, const VpcflowKey& b) { return a.key < b.key; });
    return v;
  }();
  return keys;
}

void KeyStr(JsonWriter& w, std::string_view k, std::string_view v) {
  WriteJsonKey(w, k);
  WriteJsonString(w, v);
}

bool AnyOf(const FlowRecord& r, std::initializer_list<FlowField> fields) {
  for (FlowField f : fields) {
    if (r.has(f)) return true;
  }
  return false;
}

void Timestamp(JsonWriter& w, std::string_view key, int64_t seconds) {
  char buf[kIso8601MillisLength];
  FormatIso8601Millis(seconds * 1000, buf);
  WriteJsonKey(w, key);
  w.String(buf, kIso8601MillisLength);
}

}  // namespace

struct EcsDocumentWriter::Impl {
  Options options;
  rapidjson::StringBuffer buffer;
  JsonWriter writer;
  CommunityIdHasher community_id;
  Impl(Options o) : options(o), writer(buffer) {}

  void WriteAwsVpcflow(const FlowRecord& r) {
    JsonWriter& w = writer;
    WriteJsonKey(w, "aws");
    w.StartObject();
    WriteJsonKey(w, "vpcflow");
    w.StartObject();
    for (const VpcflowKey& k : VpcflowKeys()) {
      switch (k.kind) {
        case Kind::kText:
          if (r.has(k.field)) KeyStr(w, k.key, r.text(k.field));
          break;
        case Kind::kLong:
          if (r.has(k.field)) {
            WriteJsonKey(w, k.key);
            w.Uint64(r.number(k.field));
          }
          break;
        case Kind::kSublocation:
          if (AnyOf(r, {F::kSublocationId, F::kSublocationType})) {
            WriteJsonKey(w, k.key);
            w.StartObject();
            if (r.has(F::kSublocationId)) KeyStr(w, "id", r.text(F::kSublocationId));
            if (r.has(F::kSublocationType)) KeyStr(w, "type", r.text(F::kSublocationType));
            w.EndObject();
          }
          break;
        case Kind::kTcpFlagsArray:
          if (r.has(F::kTcpFlags)) {
            // Elastic always creates the list, so 0 gives [].
            WriteJsonKey(w, k.key);
            w.StartArray();
            ForEachTcpFlag(r.number(F::kTcpFlags), [&](std::string_view name) { WriteJsonString(w, name); });
            w.EndArray();
          }
          break;
      }
    }
    w.EndObject();
    w.EndObject();
  }

  // *.as, as Elastic's pipeline renames the ASN database's fields.
  void WriteAs(const AddressFacts& f) {
    JsonWriter& w = writer;
    WriteJsonKey(w, "as");
    w.StartObject();
    if (f.has_as_number) {
      WriteJsonKey(w, "number");
      w.Uint64(f.as_number);
    }
    if (!f.as_organization_name.empty()) {
      WriteJsonKey(w, "organization");
      w.StartObject();
      KeyStr(w, "name", f.as_organization_name);
      w.EndObject();
    }
    w.EndObject();
  }

  // *.geo, with the geoip processor's default properties.
  void WriteGeo(const AddressFacts& f) {
    JsonWriter& w = writer;
    WriteJsonKey(w, "geo");
    w.StartObject();
    auto text = [&](std::string_view k, std::string_view v) {
      if (!v.empty()) KeyStr(w, k, v);
    };
    text("city_name", f.city_name);
    text("continent_name", f.continent_name);
    text("country_iso_code", f.country_iso_code);
    text("country_name", f.country_name);
    if (const size_t comma = f.location.find(','); comma != std::string_view::npos) {
      // Stored as the shortest decimal text of each double: written as is.
      const std::string_view lat = f.location.substr(0, comma), lon = f.location.substr(comma + 1);
      WriteJsonKey(w, "location");
      w.StartObject();
      WriteJsonKey(w, "lat");
      w.RawValue(lat.data(), lat.size(), rapidjson::kNumberType);
      WriteJsonKey(w, "lon");
      w.RawValue(lon.data(), lon.size(), rapidjson::kNumberType);
      w.EndObject();
    }
    text("region_iso_code", f.region_iso_code);
    text("region_name", f.region_name);
    w.EndObject();
  }

  // *.aws: the AWS range (ip-ranges.json) and the inventory's owner.
  void WriteAws(const AddressFacts& f) {
    JsonWriter& w = writer;
    auto object = [&](std::string_view key, std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
      bool any = false;
      for (const auto& [k, v] : kv) any |= !v.empty();
      if (!any) return;
      WriteJsonKey(w, key);
      w.StartObject();
      for (const auto& [k, v] : kv) {
        if (!v.empty()) KeyStr(w, k, v);
      }
      w.EndObject();
    };
    auto list = [&](std::string_view key, std::string_view v) {
      if (v.empty()) return;
      WriteJsonKey(w, key);
      w.StartArray();
      ForEachFactElement(v, [&](std::string_view e) { WriteJsonString(w, e); });
      w.EndArray();
    };
    WriteJsonKey(w, "aws");
    w.StartObject();
    object("instance", {{"id", f.instance_id}, {"name", f.instance_name}});
    object("interface", {{"description", f.interface_description}, {"id", f.interface_id}, {"type", f.interface_type}});
    if (!f.aws_region.empty()) KeyStr(w, "region", f.aws_region);
    if (!f.security_group_ids.empty() || !f.security_group_names.empty()) {
      WriteJsonKey(w, "security_group");
      w.StartObject();
      list("id", f.security_group_ids);
      list("name", f.security_group_names);
      w.EndObject();
    }
    if (!f.aws_service.empty()) KeyStr(w, "service", f.aws_service);
    object("subnet", {{"id", f.subnet_id}});
    object("vpc", {{"id", f.vpc_id}, {"name", f.vpc_name}});
    w.EndObject();
  }

  void WriteEndpoint(const FlowRecord& r, std::string_view key, FlowField addr, FlowField port, bool counters,
                     const AddressFacts* facts) {
    JsonWriter& w = writer;
    const bool has_counters = counters && AnyOf(r, {F::kBytes, F::kPackets});
    if (!r.has(addr) && !r.has(port) && !has_counters) return;
    WriteJsonKey(w, key);
    w.StartObject();
    if (r.has(addr)) {
      KeyStr(w, "address", r.text(addr));
      if (facts != nullptr && facts->has_as()) WriteAs(*facts);
      if (facts != nullptr && (facts->has_aws() || facts->has_owner())) WriteAws(*facts);
      if (counters && r.has(F::kBytes)) {
        WriteJsonKey(w, "bytes");
        w.Uint64(r.bytes());
      }
      if (facts != nullptr && facts->has_geo()) WriteGeo(*facts);
      KeyStr(w, "ip", r.text(addr));
    } else if (counters && r.has(F::kBytes)) {
      WriteJsonKey(w, "bytes");
      w.Uint64(r.bytes());
    }
    if (counters && r.has(F::kPackets)) {
      WriteJsonKey(w, "packets");
      w.Uint64(r.packets());
    }
    if (r.has(port)) {
      WriteJsonKey(w, "port");
      w.Uint64(r.number(port));
    }
    w.EndObject();
  }

  void Write(const FlowRecord& r, std::string_view original) {
    JsonWriter& w = writer;
    buffer.Clear();
    w.Reset(buffer);
    w.StartObject();

    if (r.has(F::kEnd)) {
      Timestamp(w, "@timestamp", r.end());
    } else if (r.has(F::kStart)) {
      Timestamp(w, "@timestamp", r.start());
    }

    WriteAwsVpcflow(r);

    // cloud
    WriteJsonKey(w, "cloud");
    w.StartObject();
    if (r.has(F::kAccountId)) {
      WriteJsonKey(w, "account");
      w.StartObject();
      KeyStr(w, "id", r.text(F::kAccountId));
      w.EndObject();
    }
    if (r.has(F::kAzId)) KeyStr(w, "availability_zone", r.text(F::kAzId));
    if (r.has(F::kInstanceId)) {
      WriteJsonKey(w, "instance");
      w.StartObject();
      KeyStr(w, "id", r.text(F::kInstanceId));
      w.EndObject();
    }
    KeyStr(w, "provider", kCloudProvider);
    if (r.has(F::kRegion)) KeyStr(w, "region", r.text(F::kRegion));
    w.EndObject();

    WriteEndpoint(r, "destination", F::kDstAddr, F::kDstPort, false, r.facts(FlowSide::kDestination));

    WriteJsonKey(w, "ecs");
    w.StartObject();
    KeyStr(w, "version", kEcsVersion);
    w.EndObject();

    // event
    WriteJsonKey(w, "event");
    w.StartObject();
    const bool has_action = r.has(F::kAction);
    if (has_action) KeyStr(w, "action", r.text(F::kAction));
    WriteJsonKey(w, "category");
    w.StartArray();
    WriteJsonString(w, kEventCategory);
    w.EndArray();
    if (r.has(F::kEnd)) Timestamp(w, "end", r.end());
    KeyStr(w, "kind", kEventKind);
    if (options.include_original) KeyStr(w, "original", original);
    if (has_action) KeyStr(w, "outcome", EventOutcome(r.action()));
    if (r.has(F::kRejectReason)) KeyStr(w, "reason", r.text(F::kRejectReason));
    if (r.has(F::kStart)) Timestamp(w, "start", r.start());
    WriteJsonKey(w, "type");
    w.StartArray();
    WriteJsonString(w, kEventTypeConnection);
    if (has_action) WriteJsonString(w, EventTypeOfAction(r.action()));
    w.EndArray();
    w.EndObject();

    // network
    char cid[kCommunityIdLength];
    const bool has_cid =
        r.has(F::kProtocol) && r.has(F::kSrcAddr) && r.has(F::kDstAddr) &&
        (!CommunityIdUsesPorts(r.protocol()) || (r.has(F::kSrcPort) && r.has(F::kDstPort))) &&
        community_id.Compute(r.src_addr(), r.dst_addr(), r.src_port(), r.dst_port(), r.protocol(), cid);
    const std::string_view transport = r.has(F::kProtocol) ? TransportName(r.protocol()) : std::string_view();
    if (AnyOf(r, {F::kBytes, F::kPackets, F::kProtocol, F::kFlowDirection, F::kSrcAddr}) || has_cid) {
      WriteJsonKey(w, "network");
      w.StartObject();
      if (r.has(F::kBytes)) {
        WriteJsonKey(w, "bytes");
        w.Uint64(r.bytes());
      }
      if (has_cid) {
        WriteJsonKey(w, "community_id");
        w.String(cid, kCommunityIdLength);
      }
      if (r.has(F::kFlowDirection)) KeyStr(w, "direction", r.text(F::kFlowDirection));
      if (r.has(F::kProtocol)) KeyStr(w, "iana_number", r.text(F::kProtocol));
      if (r.has(F::kPackets)) {
        WriteJsonKey(w, "packets");
        w.Uint64(r.packets());
      }
      if (!transport.empty()) KeyStr(w, "transport", transport);
      if (r.has(F::kSrcAddr)) KeyStr(w, "type", NetworkType(r.src_addr()));
      w.EndObject();
    }

    // orchestrator and service (ECS tasks, v7)
    if (AnyOf(r, {F::kEcsClusterArn, F::kEcsClusterName, F::kEcsContainerInstanceArn, F::kEcsContainerInstanceId})) {
      WriteJsonKey(w, "orchestrator");
      w.StartObject();
      if (AnyOf(r, {F::kEcsClusterArn, F::kEcsClusterName})) {
        WriteJsonKey(w, "cluster");
        w.StartObject();
        if (r.has(F::kEcsClusterArn)) KeyStr(w, "id", r.text(F::kEcsClusterArn));
        if (r.has(F::kEcsClusterName)) KeyStr(w, "name", r.text(F::kEcsClusterName));
        w.EndObject();
      }
      if (AnyOf(r, {F::kEcsContainerInstanceArn, F::kEcsContainerInstanceId})) {
        WriteJsonKey(w, "resource");
        w.StartObject();
        if (r.has(F::kEcsContainerInstanceId)) KeyStr(w, "id", r.text(F::kEcsContainerInstanceId));
        if (r.has(F::kEcsContainerInstanceArn)) KeyStr(w, "name", r.text(F::kEcsContainerInstanceArn));
        w.EndObject();
      }
      w.EndObject();
    }

    if (AnyOf(r, {F::kSrcAddr, F::kDstAddr})) {
      WriteJsonKey(w, "related");
      w.StartObject();
      WriteJsonKey(w, "ip");
      w.StartArray();
      if (r.has(F::kSrcAddr)) WriteJsonString(w, r.text(F::kSrcAddr));
      if (r.has(F::kDstAddr)) WriteJsonString(w, r.text(F::kDstAddr));
      w.EndArray();
      w.EndObject();
    }

    if (r.has(F::kEcsServiceName)) {
      WriteJsonKey(w, "service");
      w.StartObject();
      KeyStr(w, "name", r.text(F::kEcsServiceName));
      w.EndObject();
    }

    WriteEndpoint(r, "source", F::kSrcAddr, F::kSrcPort, true, r.facts(FlowSide::kSource));
    w.EndObject();
  }
};

EcsDocumentWriter::EcsDocumentWriter(Options options) : impl_(std::make_unique<Impl>(options)) {}
EcsDocumentWriter::~EcsDocumentWriter() = default;

std::string_view EcsDocumentWriter::Write(const FlowRecord& record, std::string_view original) {
  impl_->Write(record, original);
  return std::string_view(impl_->buffer.GetString(), impl_->buffer.GetSize());
}

}  // namespace flowdex
