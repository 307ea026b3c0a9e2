// Reading a query's literal values for a field's type: numbers (with the
// fraction Elasticsearch rounds), booleans, addresses and CIDR blocks, and
// the span of time a date's text names.
#pragma once

#include <cstdint>
#include <string>

#include "query/plan/predicate.h"
#include "query/query.h"

namespace flowdex {

// A value as an integer; *exact is false when it has a fraction (a term
// with 80.5 on an integer field matches nothing; range bounds round inwards).
bool ReadInteger(const QueryValue& v, Wide* out, bool* exact);
bool ReadDouble(const QueryValue& v, double* out);
bool ReadBool(const QueryValue& v, bool* out);
// An address, or a CIDR block, as an inclusive range of 16-byte keys.
bool ReadIpRange(const QueryValue& v, IpKey* lo, IpKey* hi);
// The span of time a date's text names: "2026-11-27" the whole day,
// "2026-11" the month, "2026-11-27T10:05" that minute, epoch
// milliseconds themselves (as Elasticsearch rounds a date's upper end up).
bool DateSpan(const std::string& text, const std::string& format, const std::string& time_zone, int64_t* from,
              int64_t* to);

}  // namespace flowdex
