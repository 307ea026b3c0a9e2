// libFuzzer target: arbitrary text as a Lucene query string (q=,
// query_string) and as a simple_query_string. The first never crashes and
// fails only with a reason; the second never fails at all.
#include <string_view>

#include "query/lang/query_string_parser.h"
#include "query/lang/simple_query_string_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  flowdex::Query query;
  flowdex::ParseError error;
  flowdex::QueryStringOptions options;
  options.default_and = size > 0 && (data[0] & 1);
  if (!flowdex::ParseQueryString(text, options, &query, &error) && error.reason.empty()) {
    __builtin_trap();
  }
  flowdex::SimpleQueryStringOptions simple;
  simple.default_and = options.default_and;
  flowdex::ParseSimpleQueryString(text, simple, &query);
  return 0;
}
