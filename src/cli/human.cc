#include "cli/human.h"

#include <fmt/format.h>

namespace flowdex {

std::string HumanBytes(uint64_t n) {
  static const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

std::string HumanCount(uint64_t n) {
  if (n < 1000) return std::to_string(n);
  if (n < 1000000) return fmt::format("{:.1f} K", n / 1e3);
  if (n < 1000000000) return fmt::format("{:.2f} M", n / 1e6);
  return fmt::format("{:.2f} G", n / 1e9);
}

std::string HumanDuration(double s) {
  if (s < 0) s = 0;
  const uint64_t t = static_cast<uint64_t>(s + 0.5);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, t / 60 % 60);
}

}  // namespace flowdex
