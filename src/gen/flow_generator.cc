#include "gen/flow_generator.h"
#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "flowlog/ip_address.h"
#include "inventory/inventory_history.h"
#include "util/time_util.h"

namespace flowdex {

// The world's parts (FlowWorld, declared in the header, holds them, so they
// cannot have internal linkage).
namespace generator_internal {

using F = FlowField;

// xoshiro256** seeded through splitmix64: fast, and identical on every
// platform (the standard library's distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) s = SplitMix(seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool Chance(double p) { return Uniform() < p; }
  // Pareto-distributed value >= scale: heavy-tailed, like flow sizes.
  double Pareto(double scale, double alpha) { return scale / std::pow(1.0 - Uniform(), 1.0 / alpha); }

  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Samples indexes 0..n-1 with probability proportional to 1/(i+1)^s.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / std::pow(static_cast<double>(i + 1), s));
    for (double& c : cdf_) c /= sum;
  }
  size_t Sample(Rng& rng) const {
    const double u = rng.Uniform();
    return std::min<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

std::string HexId(Rng& rng, std::string_view prefix, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(prefix);
  for (int i = 0; i < digits; ++i) s += kHex[rng.Below(16)];
  return s;
}

enum class Role : uint8_t { kWeb, kApp, kDatabase, kCache, kBastion, kNatGateway, kWorker, kLoadBalancer };

struct Subnet {
  std::string id;
  int vpc;
  uint32_t base;  // a /24
  std::string az;
};

struct EcsTask {
  std::string cluster_arn, cluster_name, container_instance_arn, container_instance_id, container_id, service_name,
      task_definition_arn, task_arn, task_id;
};

struct Interface {
  std::string eni;
  std::string instance;  // "" for requester-managed interfaces
  int subnet;
  IpAddress ip4;
  IpAddress ip6;  // family kNone when the interface has no IPv6 address
  Role role;
  int ecs_task = -1;
};

struct External {
  IpAddress ip;
  const char* aws_service;  // nullptr when not an AWS range
};

// An injection made concrete: who, where and when (FlowGenerator::Incidents
// reports it; FileText writes its rows).
struct IncidentPlan {
  std::string kind;
  int64_t start = 0, duration = 0;
  IpAddress source, destination;  // destination: family kNone for a sweep (many)
  std::vector<int> interfaces;    // the interfaces whose logs hold the rows (one, or a sweep's targets)
  std::vector<uint16_t> ports;    // one per row for a scan; else one
  uint64_t flows = 0;
  uint64_t bytes = 0;  // exfil: in all
  bool accept = false;
  bool egress = false;  // the rows are on the interface of the source
};

}  // namespace generator_internal

using namespace generator_internal;

class FlowWorld {
 public:
  explicit FlowWorld(uint64_t seed);

  std::string account;
  std::string region = "us-east-1";
  std::string flow_log_id;
  std::vector<std::string> vpcs;
  std::vector<Subnet> subnets;
  std::vector<Interface> interfaces;
  std::vector<EcsTask> ecs_tasks;
  std::vector<External> externals;
  std::vector<IpAddress> scanners;
  std::vector<int> servers;  // indexes of interfaces that accept connections
  std::vector<int> web;      // internet-facing interfaces
  Zipf interface_zipf{1, 1.0};
  Zipf server_zipf{1, 1.0};
  Zipf external_zipf{1, 1.0};
  Zipf scanner_zipf{1, 1.0};
};

FlowWorld::FlowWorld(uint64_t seed) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 7);
  account = fmt::format("{:012}", 100000000000ULL + rng.Below(899999999999ULL));
  flow_log_id = HexId(rng, "fl-", 17);
  static const char* kAzs[] = {"use1-az1", "use1-az2", "use1-az4", "use1-az6"};
  const uint32_t kVpcBases[] = {0x0A000000 /*10.0/16*/, 0x0A010000 /*10.1/16*/, 0xAC1F0000 /*172.31/16*/};
  for (int v = 0; v < 3; ++v) {
    vpcs.push_back(HexId(rng, "vpc-", 17));
    for (int s = 0; s < 4; ++s) {
      subnets.push_back(Subnet{HexId(rng, "subnet-", 17), v, kVpcBases[v] | (static_cast<uint32_t>(s * 16 + 1) << 8),
                               kAzs[(s + v) % 4]});
    }
  }
  const int kClusters = 3;
  static const char* kServices[] = {"checkout", "catalog", "auth", "search", "payments", "ingest"};
  for (int t = 0; t < 40; ++t) {
    EcsTask task;
    const int c = t % kClusters;
    task.cluster_name = fmt::format("prod-cluster-{}", c + 1);
    task.cluster_arn = fmt::format("arn:aws:ecs:{}:{}:cluster/{}", region, account, task.cluster_name);
    task.container_instance_id = HexId(rng, "", 32);
    task.container_instance_arn = fmt::format("arn:aws:ecs:{}:{}:container-instance/{}/{}", region, account,
                                              task.cluster_name, task.container_instance_id);
    task.container_id = HexId(rng, "", 64);
    task.service_name = kServices[t % 6];
    task.task_definition_arn =
        fmt::format("arn:aws:ecs:{}:{}:task-definition/{}:{}", region, account, task.service_name, 1 + t % 4);
    task.task_id = HexId(rng, "", 32);
    task.task_arn = fmt::format("arn:aws:ecs:{}:{}:task/{}/{}", region, account, task.cluster_name, task.task_id);
    ecs_tasks.push_back(std::move(task));
  }
  // Hundreds of interfaces with a mix of roles.
  static const Role kRoles[] = {Role::kWeb,    Role::kApp,     Role::kApp,          Role::kApp,
                                Role::kWorker, Role::kWorker,  Role::kDatabase,     Role::kCache,
                                Role::kWorker, Role::kBastion, Role::kLoadBalancer, Role::kNatGateway};
  uint32_t host_counter[12] = {};
  for (int i = 0; i < 320; ++i) {
    Interface itf;
    itf.eni = HexId(rng, "eni-", 17);
    itf.role = kRoles[rng.Below(std::size(kRoles))];
    itf.subnet = static_cast<int>(rng.Below(subnets.size()));
    const bool requester_managed = itf.role == Role::kNatGateway || itf.role == Role::kLoadBalancer;
    if (!requester_managed) itf.instance = HexId(rng, "i-", 17);
    const uint32_t host = 10 + host_counter[itf.subnet]++;
    itf.ip4 = IpAddress::FromV4(subnets[itf.subnet].base + host);
    if (rng.Chance(0.2)) {
      itf.ip6.family = IpAddress::Family::kV6;
      const uint8_t prefix[] = {0x26, 0x00, 0x1f, 0x18, 0x4a, 0x3c, static_cast<uint8_t>(itf.subnet), 0x00};
      std::copy(std::begin(prefix), std::end(prefix), itf.ip6.bytes.begin());
      for (int b = 8; b < 16; ++b) itf.ip6.bytes[b] = static_cast<uint8_t>(rng.Below(256));
    }
    if (!requester_managed && (itf.role == Role::kApp || itf.role == Role::kWorker) && rng.Chance(0.3)) {
      itf.ecs_task = static_cast<int>(rng.Below(ecs_tasks.size()));
    }
    interfaces.push_back(std::move(itf));
  }
  for (size_t i = 0; i < interfaces.size(); ++i) {
    Role r = interfaces[i].role;
    if (r != Role::kWorker && r != Role::kNatGateway) servers.push_back(static_cast<int>(i));
    if (r == Role::kWeb || r == Role::kLoadBalancer || r == Role::kBastion) web.push_back(static_cast<int>(i));
  }
  // Public endpoints: a few thousand, some in AWS service ranges.
  static const uint8_t kFirstOctets[] = {3,  13,  18,  23,  31,  34,  35,  44,  52,  54,
                                         64, 104, 140, 142, 151, 157, 172, 185, 199, 216};
  static const char* kAwsServices[] = {"AMAZON", "S3", "EC2", "DYNAMODB", "CLOUDFRONT", "ROUTE53"};
  for (int i = 0; i < 4000; ++i) {
    uint8_t first = kFirstOctets[rng.Below(std::size(kFirstOctets))];
    uint32_t v = (uint32_t{first} << 24) | static_cast<uint32_t>(rng.Below(1u << 24));
    if (first == 172) v = (v & 0xFF00FFFF) | (uint32_t{217} << 16);  // 172.217/16, never the private 172.16/12
    const bool aws = first == 3 || first == 52 || first == 54;
    externals.push_back(
        External{IpAddress::FromV4(v), aws ? kAwsServices[rng.Below(std::size(kAwsServices))] : nullptr});
  }
  for (int i = 0; i < 300; ++i) {
    static const uint8_t kScanOctets[] = {45, 61, 80, 89, 92, 103, 141, 162, 179, 185, 193, 194, 195, 222};
    scanners.push_back(IpAddress::FromV4((uint32_t{kScanOctets[rng.Below(std::size(kScanOctets))]} << 24) |
                                         static_cast<uint32_t>(rng.Below(1u << 24))));
  }
  interface_zipf = Zipf(interfaces.size(), 1.05);
  server_zipf = Zipf(servers.size(), 1.1);
  external_zipf = Zipf(externals.size(), 1.2);
  scanner_zipf = Zipf(scanners.size(), 0.9);
}

namespace {

// One flow-log row before formatting.
struct Row {
  const Interface* itf = nullptr;
  bool ipv6 = false;
  IpAddress src, dst, pkt_src, pkt_dst;
  uint16_t sport = 0, dport = 0;
  uint8_t protocol = 6;
  uint64_t packets = 0, bytes = 0;
  int64_t start = 0, end = 0;
  bool reject = false;
  LogStatus status = LogStatus::kOk;
  int tcp_flags = -1;
  bool egress = true;
  int traffic_path = -1;
  const char* src_service = nullptr;
  const char* dst_service = nullptr;
  bool block_public_access = false;
};

uint16_t ServerPort(Role role, Rng& rng) {
  switch (role) {
    case Role::kWeb: return rng.Chance(0.85) ? 443 : 80;
    case Role::kLoadBalancer: return rng.Chance(0.9) ? 443 : 80;
    case Role::kApp: return rng.Chance(0.7) ? 8080 : 8443;
    case Role::kDatabase: return rng.Chance(0.6) ? 5432 : 3306;
    case Role::kCache: return rng.Chance(0.8) ? 6379 : 11211;
    case Role::kBastion: return 22;
    default: return 443;
  }
}

uint16_t EphemeralPort(Rng& rng) { return static_cast<uint16_t>(32768 + rng.Below(60999 - 32768 + 1)); }

class FileWriter {
 public:
  FileWriter(const FlowWorld& w, const FlowFormat& format, Rng& rng, int64_t window_start, int64_t interval,
             std::string* out)
      : w_(w), format_(format), rng_(rng), window_start_(window_start), interval_(interval), out_(out) {
    // The version field holds the highest version among the chosen fields.
    int version = 2;
    for (FlowField f : format_.fields()) version = std::max<int>(version, GetFlowFieldInfo(f).version);
    version_ = std::to_string(version);
  }

  // Emits one conversation (1 or 2 rows, never more than `budget`).
  uint64_t EmitConversation(uint64_t budget) {
    const double p = rng_.Uniform();
    if (p < 0.005) return EmitNoData();
    // Rejects are single rows and the rest mostly pairs: 14% of conversations
    // makes about 7.5% of records REJECT.
    if (p < 0.12) return EmitScan();
    if (p < 0.14) return EmitInternalReject();
    if (p < 0.16) return EmitPing(budget);
    if (p < 0.45) return EmitEastWest(budget);
    if (p < 0.75) return EmitOutbound(budget);
    return EmitInbound(budget);
  }

  // Writes the rows of a planted incident.
  void EmitIncident(const IncidentPlan& plan) {
    for (uint64_t i = 0; i < plan.flows; ++i) {
      Row r;
      r.itf = &w_.interfaces[plan.interfaces[i % plan.interfaces.size()]];
      r.src = r.pkt_src = plan.source;
      r.dst = r.pkt_dst = plan.destination.is_v4() ? plan.destination : r.itf->ip4;
      if (plan.kind == "deny-spike") r.src = r.pkt_src = w_.scanners[rng_.Below(w_.scanners.size())];
      if (plan.egress) {
        r.src = r.pkt_src = r.itf->ip4;
      }
      r.sport = EphemeralPort(rng_);
      r.dport = plan.ports[i % plan.ports.size()];
      r.protocol = 6;
      r.egress = plan.egress;
      r.reject = !plan.accept;
      r.start = plan.start + static_cast<int64_t>(plan.duration * i / std::max<uint64_t>(plan.flows, 1));
      r.end = r.start + (plan.accept ? 1 + static_cast<int64_t>(rng_.Below(20)) : 0);
      if (plan.bytes > 0) {
        r.bytes = plan.bytes / plan.flows;
        r.packets = r.bytes / 1400 + 1;
      } else {
        r.packets = plan.accept ? 5 + rng_.Below(20) : 1 + rng_.Below(2);
        r.bytes = r.packets * (plan.accept ? 400 + rng_.Below(800) : 44 + rng_.Below(16));
      }
      r.tcp_flags = plan.accept ? 19 : 2;
      r.traffic_path = plan.egress ? 8 : -1;
      Write(r);
    }
  }

 private:
  const Interface& PickInterface() { return w_.interfaces[w_.interface_zipf.Sample(rng_)]; }
  const Interface& PickServer() { return w_.interfaces[w_.servers[w_.server_zipf.Sample(rng_)]]; }

  void Times(Row* r) {
    r->end = window_start_ + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(interval_)));
    r->start = r->end - static_cast<int64_t>(rng_.Below(60));
  }

  void Sizes(Row* r, double scale, double alpha) {
    const double bytes = std::min(rng_.Pareto(scale, alpha), 4e10);
    r->bytes = static_cast<uint64_t>(bytes);
    const double mss = bytes < 2000 ? 60 + rng_.Below(200) : 400 + rng_.Below(1060);
    r->packets = std::max<uint64_t>(1, static_cast<uint64_t>(bytes / mss));
  }

  // A request row on `itf` and, budget permitting, the reply row on the same interface.
  uint64_t EmitPair(const Interface& itf, bool ipv6, const IpAddress& client, uint16_t cport, const IpAddress& server,
                    uint16_t sport, uint8_t protocol, bool itf_is_client, int traffic_path, const char* remote_service,
                    uint64_t budget) {
    Row req;
    req.itf = &itf;
    req.ipv6 = ipv6;
    req.src = req.pkt_src = client;
    req.dst = req.pkt_dst = server;
    req.sport = cport;
    req.dport = sport;
    req.protocol = protocol;
    req.egress = itf_is_client;
    Times(&req);
    Sizes(&req, 60, 1.6);
    req.tcp_flags = 0;  // AWS reports 0 when no flag applies
    if (protocol == 6) {
      static const int kClientFlags[] = {3, 3, 3, 2, 1, 0, 19, 4};
      req.tcp_flags = kClientFlags[rng_.Below(std::size(kClientFlags))];
    }
    if (req.egress) {
      req.traffic_path = traffic_path;
      req.dst_service = remote_service;
    } else {
      req.src_service = remote_service;
    }
    Write(req);
    if (budget < 2) return 1;
    Row rep = req;
    std::swap(rep.src, rep.dst);
    rep.pkt_src = rep.src;
    rep.pkt_dst = rep.dst;
    std::swap(rep.sport, rep.dport);
    std::swap(rep.src_service, rep.dst_service);
    rep.egress = !req.egress;
    rep.traffic_path = rep.egress ? traffic_path : -1;
    rep.end = std::min<int64_t>(req.end + static_cast<int64_t>(rng_.Below(3)), window_start_ + interval_ - 1);
    rep.start = std::min(req.start + static_cast<int64_t>(rng_.Below(2)), rep.end);
    Sizes(&rep, 250, 1.0);
    if (protocol == 6) {
      static const int kServerFlags[] = {19, 19, 18, 1, 0, 19};
      rep.tcp_flags = kServerFlags[rng_.Below(std::size(kServerFlags))];
    }
    Write(rep);
    return 2;
  }

  uint64_t EmitEastWest(uint64_t budget) {
    const Interface& client = PickInterface();
    const Interface& server = PickServer();
    const bool v6 = client.ip6.is_v6() && server.ip6.is_v6() && rng_.Chance(0.5);
    const uint8_t proto = rng_.Chance(0.93) ? 6 : 17;
    const uint16_t sport = proto == 17 ? 53 : ServerPort(server.role, rng_);
    const IpAddress& c = v6 ? client.ip6 : client.ip4;
    const IpAddress& s = v6 ? server.ip6 : server.ip4;
    const bool on_client = rng_.Chance(0.5);
    return EmitPair(on_client ? client : server, v6, c, EphemeralPort(rng_), s, sport, proto, on_client, 1, nullptr,
                    budget);
  }

  uint64_t EmitOutbound(uint64_t budget) {
    const Interface& itf = PickInterface();
    const External& ext = w_.externals[w_.external_zipf.Sample(rng_)];
    uint8_t proto = 6;
    uint16_t port = rng_.Chance(0.8) ? 443 : 80;
    if (rng_.Chance(0.08)) {
      proto = 17;
      port = rng_.Chance(0.5) ? 123 : 443;  // NTP, QUIC
    }
    return EmitPair(itf, false, itf.ip4, EphemeralPort(rng_), ext.ip, port, proto, true, rng_.Chance(0.9) ? 8 : 2,
                    ext.aws_service, budget);
  }

  uint64_t EmitInbound(uint64_t budget) {
    const Interface& itf = w_.interfaces[w_.web[rng_.Below(w_.web.size())]];
    const External& ext = w_.externals[w_.external_zipf.Sample(rng_)];
    const uint16_t port = ServerPort(itf.role, rng_);
    if (itf.role == Role::kBastion) {
      // Bastions are reached over the VPN (Client VPN / Direct Connect
      // addresses in 100.64/10), not from the internet: SSH accepted from
      // the internet is what the prebuilt detection looks for.
      const IpAddress vpn = IpAddress::FromV4(0x64400000u | (0x0A00u + (ext.ip.bytes[3] & 7)));
      return EmitPair(itf, false, vpn, EphemeralPort(rng_), itf.ip4, port, 6, false, 1, nullptr, budget);
    }
    return EmitPair(itf, false, ext.ip, EphemeralPort(rng_), itf.ip4, port, 6, false, 8, ext.aws_service, budget);
  }

  uint64_t EmitPing(uint64_t budget) {
    const Interface& itf = PickInterface();
    const External& ext = w_.externals[w_.external_zipf.Sample(rng_)];
    const uint64_t n = EmitPair(itf, false, itf.ip4, 0, ext.ip, 0, 1, true, 8, ext.aws_service, budget);
    return n;
  }

  uint64_t EmitScan() {
    static const uint16_t kScanPorts[] = {22, 22, 22, 3389, 3389, 23, 445, 1433, 3306, 5900, 8080, 6379, 9200, 2375};
    const Interface& itf = PickInterface();
    Row r;
    r.itf = &itf;
    r.src = r.pkt_src = w_.scanners[w_.scanner_zipf.Sample(rng_)];
    r.dst = r.pkt_dst = itf.ip4;
    r.sport = EphemeralPort(rng_);
    r.dport = kScanPorts[rng_.Below(std::size(kScanPorts))];
    r.protocol = 6;
    r.egress = false;
    r.reject = true;
    r.block_public_access = rng_.Chance(0.05);
    Times(&r);
    r.packets = 1 + rng_.Below(3);
    r.bytes = r.packets * (40 + rng_.Below(24));
    r.tcp_flags = 2;
    Write(r);
    return 1;
  }

  uint64_t EmitInternalReject() {
    const Interface& client = PickInterface();
    const Interface& server = PickServer();
    Row r;
    r.itf = &server;
    r.src = r.pkt_src = client.ip4;
    r.dst = r.pkt_dst = server.ip4;
    r.sport = EphemeralPort(rng_);
    r.dport = rng_.Chance(0.5) ? 5432 : ServerPort(server.role, rng_);
    r.protocol = 6;
    r.egress = false;
    r.reject = true;
    Times(&r);
    r.packets = 1 + rng_.Below(6);
    r.bytes = r.packets * (52 + rng_.Below(12));
    r.tcp_flags = 2;
    Write(r);
    return 1;
  }

  uint64_t EmitNoData() {
    Row r;
    r.itf = &PickInterface();
    r.status = rng_.Chance(0.8) ? LogStatus::kNoData : LogStatus::kSkipData;
    Times(&r);
    Write(r);
    return 1;
  }

  // --- formatting ----------------------------------------------------------
  std::string_view Num(uint64_t v) {
    char* p = scratch_ + scratch_used_;
    auto [end, ec] = std::to_chars(p, scratch_ + sizeof(scratch_), v);
    (void)ec;
    const size_t n = static_cast<size_t>(end - p);
    scratch_used_ += n;
    return std::string_view(p, n);
  }
  std::string_view Ip(const IpAddress& ip) {
    char* p = scratch_ + scratch_used_;
    const size_t n = FormatIpAddress(ip, p);
    scratch_used_ += n;
    return std::string_view(p, n);
  }

  void Write(const Row& r) {
    scratch_used_ = 0;
    std::array<std::string_view, kFlowFieldCount> v{};
    const Interface& itf = *r.itf;
    const Subnet& subnet = w_.subnets[itf.subnet];
    const bool ok = r.status == LogStatus::kOk;
    v[int(F::kAccountId)] = w_.account;
    v[int(F::kInterfaceId)] = itf.eni;
    v[int(F::kStart)] = Num(static_cast<uint64_t>(r.start));
    v[int(F::kEnd)] = Num(static_cast<uint64_t>(r.end));
    v[int(F::kLogStatus)] = ok ? "OK" : r.status == LogStatus::kNoData ? "NODATA" : "SKIPDATA";
    v[int(F::kVpcId)] = w_.vpcs[subnet.vpc];
    v[int(F::kSubnetId)] = subnet.id;
    if (!itf.instance.empty()) v[int(F::kInstanceId)] = itf.instance;
    v[int(F::kRegion)] = w_.region;
    v[int(F::kAzId)] = subnet.az;
    if (ok) {
      v[int(F::kSrcAddr)] = Ip(r.src);
      v[int(F::kDstAddr)] = Ip(r.dst);
      v[int(F::kSrcPort)] = Num(r.sport);
      v[int(F::kDstPort)] = Num(r.dport);
      v[int(F::kProtocol)] = Num(r.protocol);
      v[int(F::kPackets)] = Num(r.packets);
      v[int(F::kBytes)] = Num(r.bytes);
      v[int(F::kAction)] = r.reject ? "REJECT" : "ACCEPT";
      if (r.tcp_flags >= 0) v[int(F::kTcpFlags)] = Num(static_cast<uint64_t>(r.tcp_flags));
      v[int(F::kType)] = r.ipv6 ? "IPv6" : "IPv4";
      v[int(F::kPktSrcAddr)] = Ip(r.pkt_src);
      v[int(F::kPktDstAddr)] = Ip(r.pkt_dst);
      if (r.src_service) v[int(F::kPktSrcAwsService)] = r.src_service;
      if (r.dst_service) v[int(F::kPktDstAwsService)] = r.dst_service;
      v[int(F::kFlowDirection)] = r.egress ? "egress" : "ingress";
      if (r.egress && r.traffic_path > 0) v[int(F::kTrafficPath)] = Num(static_cast<uint64_t>(r.traffic_path));
      if (r.reject && r.block_public_access) v[int(F::kRejectReason)] = "BPA";
      v[int(F::kEncryptionStatus)] = r.traffic_path == 1 ? "1" : "0";
      v[int(F::kInterfaceType)] = itf.role == Role::kNatGateway     ? "nat_gateway"
                                  : itf.role == Role::kLoadBalancer ? "network_load_balancer"
                                                                    : "interface";
    }
    if (itf.ecs_task >= 0) {
      const EcsTask& t = w_.ecs_tasks[itf.ecs_task];
      v[int(F::kEcsClusterArn)] = t.cluster_arn;
      v[int(F::kEcsClusterName)] = t.cluster_name;
      v[int(F::kEcsContainerInstanceArn)] = t.container_instance_arn;
      v[int(F::kEcsContainerInstanceId)] = t.container_instance_id;
      v[int(F::kEcsContainerId)] = t.container_id;
      v[int(F::kEcsServiceName)] = t.service_name;
      v[int(F::kEcsTaskDefinitionArn)] = t.task_definition_arn;
      v[int(F::kEcsTaskArn)] = t.task_arn;
      v[int(F::kEcsTaskId)] = t.task_id;
    }
    v[int(F::kVersion)] = version_;

    bool first = true;
    for (FlowField f : format_.fields()) {
      if (!first) out_->push_back(' ');
      first = false;
      std::string_view t = v[int(f)];
      if (t.empty()) {
        out_->push_back('-');
      } else {
        out_->append(t);
      }
    }
    out_->push_back('\n');
  }

  const FlowWorld& w_;
  const FlowFormat& format_;
  Rng& rng_;
  int64_t window_start_;
  int64_t interval_;
  std::string* out_;
  std::string version_;
  char scratch_[512];
  size_t scratch_used_ = 0;
};

}  // namespace

void FlowGenerator::Inventory(InventoryHistory* out) const {
  const FlowWorld& w = *world_;
  static const char* kVpcNames[] = {"prod", "staging", "shared-services"};
  static const char* kRoleNames[] = {"web", "app", "db", "cache", "bastion", "nat", "worker", "nlb"};
  // The groups of each role: its own and the VPC's default.
  Rng rng(options_.seed * 0xD1B54A32D192ED03ULL + 11);
  std::vector<std::string> role_groups;
  for (size_t r = 0; r < std::size(kRoleNames); ++r) role_groups.push_back(HexId(rng, "sg-", 17));
  const std::string default_group = HexId(rng, "sg-", 17);
  const int64_t first_ms = options_.start * 1000;
  const int64_t span_ms = static_cast<int64_t>(options_.files) * options_.file_interval * 1000;
  const int64_t middle_ms = first_ms + std::max<int64_t>(span_ms / 2, 1);
  std::vector<ObservedAddress> first, second;
  int counters[std::size(kRoleNames)] = {};
  for (const Interface& itf : w.interfaces) {
    const int role = static_cast<int>(itf.role);
    const int number = ++counters[role];
    auto make = [&](bool replaced) {
      auto o = std::make_shared<AddressOwner>();
      o->account_id = w.account;
      o->region = w.region;
      o->interface_id = itf.eni;
      const Subnet& subnet = w.subnets[itf.subnet];
      if (itf.role == Role::kNatGateway) {
        o->interface_type = "nat_gateway";
        o->interface_description = "Interface for NAT Gateway nat-" + itf.eni.substr(4);
      } else if (itf.role == Role::kLoadBalancer) {
        o->interface_type = "network_load_balancer";
        o->interface_description = fmt::format("ELB net/public-nlb-{}/{}", number, itf.eni.substr(4));
      } else {
        o->interface_type = "interface";
        o->instance_id = replaced ? "i-" + itf.instance.substr(2, 8) + itf.eni.substr(4, 9) : itf.instance;
        o->instance_name = fmt::format("{}-{}{}", kRoleNames[role], number, replaced ? "b" : "");
        o->security_group_ids = {role_groups[role], default_group};
        o->security_group_names = {std::string(kRoleNames[role]), "default"};
      }
      o->subnet_id = subnet.id;
      o->vpc_id = w.vpcs[subnet.vpc];
      o->vpc_name = kVpcNames[subnet.vpc % std::size(kVpcNames)];
      o->Seal();
      return o;
    };
    const AddressOwnerPtr before = make(false);
    // One instance in twenty is replaced half-way (by a hash of its id, so
    // that the choice does not move with the other draws).
    const bool replaced = !itf.instance.empty() && std::hash<std::string>{}(itf.instance) % 20 == 0;
    const AddressOwnerPtr after = replaced ? make(true) : before;
    for (const IpAddress* ip : {&itf.ip4, &itf.ip6}) {
      if (ip->family == IpAddress::Family::kNone) continue;
      first.push_back(ObservedAddress{*ip, before, 0});
      second.push_back(ObservedAddress{*ip, after, replaced ? middle_ms - 60'000 : 0});
    }
  }
  *out = InventoryHistory{};
  out->Apply(first, {w.region}, first_ms);
  out->Apply(second, {w.region}, middle_ms);
}

std::string FlowInjection::Param(const std::string& key, const std::string& fallback) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return fallback;
}

Status ParseFlowInjection(const std::string& spec, int64_t now_seconds, FlowInjection* out) {
  static const char* kKinds[] = {"portscan", "sweep", "ssh-from-internet", "exfil", "deny-spike", "new-country"};
  const size_t at = spec.find('@');
  if (at == std::string::npos) return Status::InvalidArgument(fmt::format("{}: want KIND@TIME[:key=value,...]", spec));
  FlowInjection inj;
  inj.kind = spec.substr(0, at);
  bool known = false;
  for (const char* k : kKinds) known |= inj.kind == k;
  if (!known) {
    return Status::InvalidArgument(fmt::format(
        "{}: unknown kind [{}] (portscan, sweep, ssh-from-internet, exfil, deny-spike, new-country)", spec, inj.kind));
  }
  // The time may hold colons itself (2027-01-01T10:05Z): parameters start
  // after the last colon that is followed by key=value.
  std::string rest = spec.substr(at + 1), params;
  const size_t eq = rest.find('=');
  if (eq != std::string::npos) {
    const size_t colon = rest.rfind(':', eq);
    if (colon == std::string::npos) return Status::InvalidArgument(spec + ": parameters go after a ':'");
    params = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (Status s = ParseTimeArg(rest, now_seconds, &inj.time); !s.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", spec, s.message()));
  }
  size_t pos = 0;
  while (pos < params.size()) {
    size_t comma = params.find(',', pos);
    if (comma == std::string::npos) comma = params.size();
    const std::string kv = params.substr(pos, comma - pos);
    const size_t e = kv.find('=');
    if (e == std::string::npos || e == 0)
      return Status::InvalidArgument(fmt::format("{}: bad parameter [{}]", spec, kv));
    inj.params.emplace_back(kv.substr(0, e), kv.substr(e + 1));
    pos = comma + 1;
  }
  for (const auto& [k, v] : inj.params) {
    if (k == "ip") {
      IpAddress ip;
      if (!ParseIpAddress(v, &ip) || !ip.is_v4()) {
        return Status::InvalidArgument(fmt::format("{}: [{}] is not an IPv4 address", spec, v));
      }
      continue;
    }
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n == 0 || n > 100'000'000) {
      return Status::InvalidArgument(fmt::format("{}: [{}={}] wants a positive whole number", spec, k, v));
    }
    static const char* kKeys[] = {"ports", "targets", "port", "gb", "flows"};
    bool key_known = false;
    for (const char* key : kKeys) key_known |= k == key;
    if (!key_known) return Status::InvalidArgument(fmt::format("{}: unknown parameter [{}]", spec, k));
  }
  *out = std::move(inj);
  return Status::OK();
}

std::string InjectedIncident::ToJson() const {
  return fmt::format(
      R"({{"kind":"{}","start":{},"end":{},"source":"{}","destination":"{}","interface_id":"{}","port":{},"flows":{}}})",
      kind, start, end, source, destination, interface_id, port, flows);
}

namespace {

// Incident i of `inj`, made concrete from the seed: the same plan for
// FileText and Incidents.
IncidentPlan PlanIncident(const FlowWorld& w, const FlowInjection& inj, size_t i, uint64_t seed) {
  uint64_t mix = seed * 0x2545F4914F6CDD1DULL + i + 1;
  Rng rng(Rng::SplitMix(mix));
  IncidentPlan p;
  p.kind = inj.kind;
  p.start = inj.time;
  auto num = [&](const char* key, uint64_t fallback) {
    return static_cast<uint64_t>(std::stoull(inj.Param(key, std::to_string(fallback))));
  };
  // Outside parties from the documentation ranges, which normal traffic never uses.
  p.source = IpAddress::FromV4(0xCB007100u | static_cast<uint32_t>(1 + i % 200));  // 203.0.113.x
  auto pick = [&](auto accept) {
    for (int tries = 0; tries < 10000; ++tries) {
      const int k = static_cast<int>(rng.Below(w.interfaces.size()));
      if (accept(w.interfaces[k])) return k;
    }
    return 0;
  };
  auto ordinary = [](const Interface& itf) { return itf.role != Role::kNatGateway && itf.role != Role::kLoadBalancer; };
  if (p.kind == "portscan") {
    p.interfaces = {pick(ordinary)};
    const uint64_t n = std::min<uint64_t>(num("ports", 1000), 65535);
    std::vector<uint16_t> all(65535);
    for (size_t k = 0; k < all.size(); ++k) all[k] = static_cast<uint16_t>(k + 1);
    for (uint64_t k = 0; k < n; ++k) std::swap(all[k], all[k + rng.Below(all.size() - k)]);
    p.ports.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    p.flows = n;
    p.duration = 120;
  } else if (p.kind == "sweep") {
    std::vector<int> order(w.interfaces.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    for (size_t k = 0; k < order.size(); ++k) std::swap(order[k], order[k + rng.Below(order.size() - k)]);
    const uint64_t n = std::min<uint64_t>(num("targets", 150), order.size());
    p.interfaces.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n));
    p.ports = {static_cast<uint16_t>(num("port", 22))};
    p.flows = n;
    p.duration = 180;
  } else if (p.kind == "ssh-from-internet") {
    p.interfaces = {pick([&](const Interface& itf) { return ordinary(itf) && itf.role != Role::kBastion; })};
    p.ports = {static_cast<uint16_t>(num("port", 22))};
    p.accept = true;
    p.flows = num("flows", 1);
    p.duration = 30;
  } else if (p.kind == "exfil") {
    p.interfaces = {pick([&](const Interface& itf) { return ordinary(itf) && itf.role != Role::kWeb; })};
    p.destination = IpAddress::FromV4(0xC6336400u | static_cast<uint32_t>(1 + i % 200));  // 198.51.100.x
    p.ports = {443};
    p.accept = true;
    p.egress = true;
    p.flows = 6;
    p.bytes = num("gb", 60) * 1'000'000'000ULL;
    p.duration = 240;
  } else if (p.kind == "deny-spike") {
    // A quiet interface (far down the traffic ranking), so the spike is its own.
    p.interfaces = {static_cast<int>(100 + rng.Below(w.interfaces.size() - 100))};
    static const uint16_t kPorts[] = {22, 23, 445, 3389, 1433, 5900};
    p.ports.assign(std::begin(kPorts), std::end(kPorts));
    p.flows = num("flows", 2000);
    p.duration = 1200;
  } else {  // new-country
    IpAddress ip;
    ParseIpAddress(inj.Param("ip", "203.0.113.250"), &ip);
    p.destination = ip;
    p.interfaces = {pick(ordinary)};
    p.ports = {443};
    p.accept = true;
    p.egress = true;
    p.flows = num("flows", 3);
    p.duration = 60;
  }
  if (p.kind != "portscan" && p.kind != "sweep" && p.kind != "ssh-from-internet" && p.kind != "deny-spike") {
    p.source = IpAddress{};  // the interface's own address (egress)
  }
  return p;
}

std::string IpText(const IpAddress& ip) {
  char buf[64];
  return std::string(buf, FormatIpAddress(ip, buf));
}

}  // namespace

std::vector<InjectedIncident> FlowGenerator::Incidents() const {
  std::vector<InjectedIncident> out;
  for (size_t i = 0; i < options_.injections.size(); ++i) {
    const IncidentPlan p = PlanIncident(*world_, options_.injections[i], i, options_.seed);
    const Interface& itf = world_->interfaces[p.interfaces[0]];
    InjectedIncident inc;
    inc.kind = p.kind;
    inc.start = p.start;
    inc.end = p.start + p.duration;
    inc.source = p.egress ? IpText(itf.ip4) : p.kind == "deny-spike" ? "" : IpText(p.source);
    inc.destination = p.destination.is_v4() ? IpText(p.destination) : p.kind == "sweep" ? "" : IpText(itf.ip4);
    inc.interface_id = p.kind == "sweep" ? "" : itf.eni;
    inc.port = p.ports.size() == 1 ? p.ports[0] : 0;
    inc.flows = p.flows;
    out.push_back(std::move(inc));
  }
  return out;
}

FlowGenerator::FlowGenerator(const FlowGenOptions& options)
    : options_(options), world_(std::make_unique<FlowWorld>(options.seed)) {
  if (options_.files == 0) options_.files = 1;
  if (options_.file_interval <= 0) options_.file_interval = 300;
}

FlowGenerator::~FlowGenerator() = default;

uint64_t FlowGenerator::RecordsInFile(uint32_t index) const {
  const uint64_t base = options_.records / options_.files;
  const uint64_t extra = options_.records % options_.files;
  return base + (index < extra ? 1 : 0);
}

void FlowGenerator::FileText(uint32_t index, std::string* text) const {
  uint64_t mix = options_.seed ^ (0xD1B54A32D192ED03ULL * (index + 1));
  Rng rng(Rng::SplitMix(mix));
  text->append(options_.format.ToString());
  text->push_back('\n');
  const int64_t window = options_.start + static_cast<int64_t>(index) * options_.file_interval;
  FileWriter writer(*world_, options_.format, rng, window, options_.file_interval, text);
  uint64_t left = RecordsInFile(index);
  while (left > 0) left -= writer.EmitConversation(left);
  for (size_t i = 0; i < options_.injections.size(); ++i) {
    const int64_t t = options_.injections[i].time;
    if (t >= window && t < window + options_.file_interval) {
      writer.EmitIncident(PlanIncident(*world_, options_.injections[i], i, options_.seed));
    }
  }
}

std::string FlowGenerator::FileKey(uint32_t index) const {
  const int64_t window = options_.start + static_cast<int64_t>(index) * options_.file_interval;
  const CivilTime t = CivilFromSeconds(window);
  uint64_t mix = options_.seed * 31 + index;
  const uint32_t hash = static_cast<uint32_t>(Rng::SplitMix(mix));
  const FlowWorld& w = *world_;
  return fmt::format(
      "AWSLogs/{0}/vpcflowlogs/{1}/{2:04}/{3:02}/{4:02}/"
      "{0}_vpcflowlogs_{1}_{5}_{2:04}{3:02}{4:02}T{6:02}{7:02}Z_{8:08x}.log.gz",
      w.account, w.region, t.year, t.month, t.day, w.flow_log_id, t.hour, t.minute, hash);
}

Status FlowGenerator::WriteAll(FlowGenResult* result) const {
  namespace fs = std::filesystem;
  const uint32_t n = options_.files;
  for (const FlowInjection& inj : options_.injections) {
    // An injection outside every file's window would plant nothing.
    const int64_t last = options_.start + static_cast<int64_t>(n) * options_.file_interval;
    if (inj.time < options_.start || inj.time >= last) {
      return Status::InvalidArgument(fmt::format("{} at {}: outside the files' time range", inj.kind, inj.time));
    }
  }
  std::vector<std::string> paths(n);
  std::vector<uint64_t> text_sizes(n), gzip_sizes(n);
  std::atomic<uint32_t> next{0};
  std::mutex error_mu;
  Status error;
  auto work = [&] {
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(options_.compression_level);
    std::string text;
    std::vector<uint8_t> gz;
    for (uint32_t i = next++; i < n; i = next++) {
      {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error.ok()) break;
      }
      text.clear();
      FileText(i, &text);
      gz.resize(libdeflate_gzip_compress_bound(compressor, text.size()));
      const size_t gz_size = libdeflate_gzip_compress(compressor, text.data(), text.size(), gz.data(), gz.size());
      const fs::path path = fs::path(options_.out_dir) / FileKey(i);
      const fs::path tmp = fs::path(path).concat(".tmp");
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      Status s;
      if (ec) {
        s = Status::IoError(path.parent_path().string() + ": " + ec.message());
      } else {
        std::FILE* f = std::fopen(tmp.c_str(), "wb");
        if (f == nullptr || std::fwrite(gz.data(), 1, gz_size, f) != gz_size || std::fclose(f) != 0) {
          s = Status::FromErrno(tmp.string(), errno);
        } else if (std::rename(tmp.c_str(), path.c_str()) != 0) {
          s = Status::FromErrno(path.string(), errno);
        }
      }
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (error.ok()) error = s;
        break;
      }
      paths[i] = path.string();
      text_sizes[i] = text.size();
      gzip_sizes[i] = gz_size;
    }
    libdeflate_free_compressor(compressor);
  };
  int threads = options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp<int>(threads, 1, static_cast<int>(n));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (!error.ok()) return error;
  for (size_t i = 0; i < options_.injections.size(); ++i) {
    result->records += PlanIncident(*world_, options_.injections[i], i, options_.seed).flows;
  }
  for (uint32_t i = 0; i < n; ++i) {
    result->paths.push_back(paths[i]);
    result->records += RecordsInFile(i);
    result->text_bytes += text_sizes[i];
    result->gzip_bytes += gzip_sizes[i];
  }
  return Status::OK();
}

}  // namespace flowdex
