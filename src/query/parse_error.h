// ParseError: why a search request (its body, a query string, KQL) could
// not be read, as a kind Elasticsearch distinguishes, a reason meant for a
// person, and where in the body, when known. The API maps kinds to
// Elasticsearch's exception types and statuses (src/api/es_exception.h);
// nothing here depends on the wording of a reason.
#pragma once

#include <cstdint>
#include <string>

namespace flowdex {

struct ParseError {
  enum class Kind : uint8_t {
    kParsing,          // the DSL's structure is wrong (an unknown query, a missing part)
    kMalformedJson,    // the body is not JSON, or a member has the wrong shape
    kIllegalArgument,  // a value the option does not allow
    kQueryString,      // a Lucene query string does not parse
    kDateMath,         // a date or date math expression does not parse
    kNumberFormat,     // a number does not parse
  };
  Kind kind = Kind::kParsing;
  std::string reason;
  int line = 0, col = 0;  // 1-based position in the body, 0 when not known
};

}  // namespace flowdex
