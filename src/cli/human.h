// Numbers for people: 1.2 M, 34.5 MB, 1m05s.
#pragma once

#include <cstdint>
#include <string>

namespace flowdex {

std::string HumanBytes(uint64_t n);   // decimal units: "340 B", "12.3 MB"
std::string HumanCount(uint64_t n);   // "999", "12.3 K", "4.56 M"
std::string HumanDuration(double s);  // "45s", "3m05s", "2h01m"

}  // namespace flowdex
