// libFuzzer target: arbitrary text as a KQL query. Parsing either succeeds
// or fails with a reason; it never crashes, loops or overflows the stack
// (nesting is bounded).
#include <string_view>

#include "query/lang/kql_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  flowdex::Query query;
  flowdex::ParseError error;
  const bool case_insensitive = size > 0 && (data[0] & 1);
  if (!flowdex::ParseKql(text, &query, &error, case_insensitive) && error.reason.empty()) __builtin_trap();
  return 0;
}
