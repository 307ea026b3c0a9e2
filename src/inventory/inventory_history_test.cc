// The inventory history: how syncs become owner ranges (first sync reaching
// back, moves at the attach time or the sync, closing, VPC ambiguity), the
// file's round trip, and the enricher naming flows by the owner at their time.
#include "inventory/inventory_history.h"

#include <gtest/gtest.h>

#include <string>

#include "aws/ec2_client.h"
#include "aws/xml_document.h"
#include "enrich/address_enricher.h"
#include "flowlog/flow_format.h"
#include "flowlog/line_parser.h"
#include "inventory/inventory_sync.h"
#include "util/file_util.h"

namespace flowdex {
namespace {

IpAddress Address(std::string_view text) {
  IpAddress ip;
  EXPECT_TRUE(ParseIpAddress(text, &ip)) << text;
  return ip;
}

AddressOwnerPtr MakeOwner(std::string eni, std::string instance, std::string name, std::string vpc = "vpc-1",
                          std::string region = "us-east-1") {
  auto o = std::make_shared<AddressOwner>();
  o->account_id = "123456789012";
  o->region = std::move(region);
  o->interface_id = std::move(eni);
  o->interface_type = "interface";
  o->instance_id = std::move(instance);
  o->instance_name = std::move(name);
  o->security_group_ids = {"sg-1", "sg-2"};
  o->security_group_names = {"web", "ssh"};
  o->subnet_id = "subnet-1";
  o->vpc_id = std::move(vpc);
  o->vpc_name = "prod";
  o->Seal();
  return o;
}

std::string OwnerNameAt(const InventoryHistory& h, std::string_view ip, int64_t t, std::string_view vpc = {}) {
  const OwnerRange* r = h.Find(Address(ip), t, vpc);
  return r ? r->owner->instance_name : "(none)";
}

const std::vector<std::string> kSyncedRegions = {"us-east-1"};

TEST(InventoryHistoryTest, FirstSyncReachesBackAndStaysOpen) {
  InventoryHistory h;
  HistoryChanges c;
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-a", "i-a", "web-1"), 500}}, kSyncedRegions, 1000, &c);
  EXPECT_EQ(c.added, 1u);
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", -5'000'000), "web-1");  // older than the inventory: still named
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 9'000'000), "web-1");   // after the last sync: still open
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.11", 1000), "(none)");
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-a", "i-a", "web-1"), 500}}, kSyncedRegions, 2000, &c);
  EXPECT_EQ(c.unchanged, 1u);
  EXPECT_EQ(h.ranges(), 1u);
  EXPECT_EQ(h.Ranges(Address("10.0.1.10"))->front().last_seen_ms, 2000);
}

TEST(InventoryHistoryTest, MoveSplitsAtTheAttachTimeOrTheSync) {
  InventoryHistory h;
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-a", "i-a", "web-1"), 0}}, kSyncedRegions, 1000);
  // Reattached to another instance at 1500, seen by the sync at 2000.
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-b", "i-b", "web-2"), 1500}}, kSyncedRegions, 2000);
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 1499), "web-1");
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 1500), "web-2");
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 99'999), "web-2");
  // Changed again with no attach time after the last sight: at the sync.
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-c", "i-c", "web-3"), 100}}, kSyncedRegions, 3000);
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 2999), "web-2");
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 3000), "web-3");
  EXPECT_EQ(h.ranges(), 3u);
}

TEST(InventoryHistoryTest, GoneAddressesCloseAndNewOnesStartAfterThePreviousSync) {
  InventoryHistory h;
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-a", "i-a", "web-1"), 0}}, kSyncedRegions, 1000);
  HistoryChanges c;
  h.Apply({{Address("10.0.1.20"), MakeOwner("eni-d", "i-d", "db-1"), 0}}, kSyncedRegions, 2000, &c);
  EXPECT_EQ(c.closed, 1u);
  EXPECT_EQ(c.added, 1u);
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 1999), "web-1");
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.10", 2000), "(none)");
  // Not there at the first sync: named from that sync on, not before.
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.20", 999), "(none)");
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.20", 1000), "db-1");
  // A sync of another region leaves this one's owners alone.
  h.Apply({{Address("10.9.0.1"), MakeOwner("eni-x", "i-x", "eu-1", "vpc-9", "eu-west-1"), 0}}, {"eu-west-1"}, 3000, &c);
  EXPECT_EQ(c.closed, 0u);
  EXPECT_EQ(OwnerNameAt(h, "10.0.1.20", 5000), "db-1");
  EXPECT_EQ(OwnerNameAt(h, "10.9.0.1", 0), "eu-1");  // that region's first sync reaches back
}

TEST(InventoryHistoryTest, SameAddressInTwoVpcsNeedsTheFlowsVpc) {
  InventoryHistory h;
  h.Apply({{Address("10.0.0.5"), MakeOwner("eni-a", "i-a", "a", "vpc-a"), 0},
           {Address("10.0.0.5"), MakeOwner("eni-b", "i-b", "b", "vpc-b"), 0}},
          kSyncedRegions, 1000);
  EXPECT_EQ(OwnerNameAt(h, "10.0.0.5", 1000), "(none)");  // ambiguous: never guess
  EXPECT_EQ(OwnerNameAt(h, "10.0.0.5", 1000, "vpc-a"), "a");
  EXPECT_EQ(OwnerNameAt(h, "10.0.0.5", 1000, "vpc-b"), "b");
  EXPECT_EQ(OwnerNameAt(h, "10.0.0.5", 1000, "vpc-z"), "(none)");
  // A v2 record has no vpc-id, but its interface tells the VPC.
  EXPECT_EQ(h.VpcHint("", "eni-b"), "vpc-b");
  EXPECT_EQ(h.VpcHint("vpc-a", "eni-b"), "vpc-a");
  EXPECT_EQ(h.VpcHint("", "eni-unknown"), "");
  EXPECT_EQ(OwnerNameAt(h, "10.0.0.5", 1000, h.VpcHint("", "eni-a")), "a");
  EXPECT_EQ(h.InterfacesIn("vpc-b"), std::vector<std::string>{"eni-b"});
}

TEST(InventoryHistoryTest, SerializeRoundTrips) {
  InventoryHistory h;
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-a", "i-a", "web-1"), 0},
           {Address("2001:db8::1"), MakeOwner("eni-a", "i-a", "web-1"), 0}},
          kSyncedRegions, 1000);
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-b", "i-b", "web-2"), 1500}}, kSyncedRegions, 2000);
  const std::string text = h.Serialize();
  InventoryHistory back;
  Status s = InventoryHistory::Parse(text, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back.Serialize(), text);
  EXPECT_EQ(back.syncs().size(), 2u);
  EXPECT_EQ(OwnerNameAt(back, "10.0.1.10", 1499), "web-1");
  EXPECT_EQ(OwnerNameAt(back, "10.0.1.10", 1500), "web-2");
  const OwnerRange* r = back.Find(Address("10.0.1.10"), 1500);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->owner->facts().security_group_names, "web\x1essh");
  EXPECT_EQ(r->owner->facts().vpc_name, "prod");

  InventoryHistory bad;
  EXPECT_TRUE(InventoryHistory::Parse("{}", &bad).IsCorruption());
  EXPECT_TRUE(InventoryHistory::Parse("[1", &bad).IsCorruption());
  std::string broken = text;
  broken.replace(broken.find("\"10.0.1.10\""), 11, "\"10.0.1.999\"");
  EXPECT_TRUE(InventoryHistory::Parse(broken, &bad).IsCorruption());
}

TEST(InventoryHistoryTest, ObserveRegionNamesFromTagsAndGroups) {
  // An answer shaped as EC2 writes it (DescribeNetworkInterfaces, 2016-11-15).
  const char* xml = R"(<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>r</requestId><networkInterfaceSet><item>
      <networkInterfaceId>eni-1</networkInterfaceId><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId>
      <description>ELB app/my-alb/50dc6c495c0c9188</description><ownerId>123456789012</ownerId>
      <interfaceType>interface</interfaceType><privateIpAddress>10.0.1.5</privateIpAddress>
      <groupSet><item><groupId>sg-1</groupId><groupName>old-name</groupName></item></groupSet>
      <attachment><instanceId>i-1</instanceId><attachTime>2026-12-01T10:00:00.000Z</attachTime></attachment>
      <privateIpAddressesSet><item><privateIpAddress>10.0.1.5</privateIpAddress>
        <association><publicIp>54.1.2.3</publicIp></association></item>
        <item><privateIpAddress>10.0.1.6</privateIpAddress></item></privateIpAddressesSet>
      <ipv6AddressesSet><item><ipv6Address>2600:1f18::5</ipv6Address></item></ipv6AddressesSet>
    </item></networkInterfaceSet></DescribeNetworkInterfacesResponse>)";
  XmlElement root;
  ASSERT_TRUE(ParseXml(xml, &root).ok());
  RegionInventory inv;
  inv.region = "us-east-1";
  ReadNetworkInterfaces(root, &inv.interfaces);
  ASSERT_EQ(inv.interfaces.size(), 1u);
  const Ec2NetworkInterface& eni = inv.interfaces[0];
  EXPECT_EQ(eni.instance_id, "i-1");
  EXPECT_EQ(eni.attach_time_ms, 1'796'119'200'000);
  EXPECT_EQ(eni.addresses, (std::vector<std::string>{"10.0.1.5", "54.1.2.3", "10.0.1.6", "2600:1f18::5"}));
  inv.instances.push_back({"i-1", "web-1"});
  inv.security_groups.push_back({"sg-1", "web", "vpc-1"});
  inv.vpcs.push_back({"vpc-1", "10.0.0.0/16", "prod"});
  std::vector<ObservedAddress> observed;
  ObserveRegion(inv, &observed);
  ASSERT_EQ(observed.size(), 4u);
  const AddressFacts& f = observed[1].owner->facts();
  EXPECT_EQ(f.instance_name, "web-1");
  EXPECT_EQ(f.security_group_names, "web");  // DescribeSecurityGroups' name wins
  EXPECT_EQ(f.vpc_name, "prod");
  EXPECT_EQ(f.interface_description, "ELB app/my-alb/50dc6c495c0c9188");
  EXPECT_EQ(observed[3].ip, Address("2600:1f18::5"));
}

TEST(InventoryHistoryTest, EnricherNamesEachFlowByTheOwnerAtItsStart) {
  // A history file as a sync writes it; the enricher reads it through InventoryFile.
  InventoryHistory h;
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-a", "i-a", "web-1"), 0}}, kSyncedRegions, 1'000'000);
  h.Apply({{Address("10.0.1.10"), MakeOwner("eni-b", "i-b", "web-2"), 1'500'000}}, kSyncedRegions, 2'000'000);
  const std::string path = ::testing::TempDir() + "/inventory_history_test.json";
  ASSERT_TRUE(WriteFileAtomically(path, h.Serialize()).ok());
  EnrichmentSources sources;
  sources.inventory = std::make_shared<InventoryFile>(path);
  AddressEnricher enricher(sources);
  enricher.BeginStream();
  EXPECT_NE(enricher.sources_description().find("AWS inventory synced 1970-01-01T00:33:20.000Z (1 addresses)"),
            std::string::npos)
      << enricher.sources_description();
  const AddressFacts* before = enricher.LookupAt(Address("10.0.1.10"), 1'499'000, "");
  const AddressFacts* after = enricher.LookupAt(Address("10.0.1.10"), 1'500'000, "");
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(before->instance_name, "web-1");
  EXPECT_EQ(after->instance_name, "web-2");
  EXPECT_NE(before->id, after->id);
  EXPECT_EQ(enricher.LookupAt(Address("10.0.1.10"), 1'499'000, ""), before);  // cached
  EXPECT_EQ(enricher.LookupAt(Address("10.0.9.9"), 1'499'000, ""), nullptr);
  std::string text;
  SerializeFacts(*after, &text);
  AddressFacts parsed;
  ParseFacts(text, &parsed);
  EXPECT_EQ(parsed.instance_name, "web-2");
  EXPECT_EQ(parsed.security_group_ids, "sg-1\x1esg-2");
  EXPECT_TRUE(FactsHaveOwner(text));
}

}  // namespace
}  // namespace flowdex
