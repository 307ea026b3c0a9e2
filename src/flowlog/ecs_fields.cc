#include "flowlog/ecs_fields.h"

namespace flowdex {

std::string_view TransportName(uint8_t protocol) {
  switch (protocol) {
    case 0: return "hopopt";
    case 1: return "icmp";
    case 2: return "igmp";
    case 6: return "tcp";
    case 8: return "egp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 58: return "ipv6-icmp";
    case 112: return "vrrp";
    case 132: return "sctp";
    default: return "";
  }
}

}  // namespace flowdex
