// Prometheus's text exposition format, the pieces /metrics is made of.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace flowdex {

// Appends a counter with its HELP and TYPE lines.
inline void AppendPrometheusCounter(std::string* out, std::string_view name, std::string_view help, uint64_t value) {
  *out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
}

}  // namespace flowdex
