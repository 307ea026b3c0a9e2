// Lucene query-string syntax (the `q=` parameter and the `query_string`
// query) into the query tree, as Elasticsearch's classic parser reads it:
// terms and "phrases", field:value, field:(group), +required, -prohibited,
// AND/&&, OR/||, NOT/! (uppercase), wildcards (* ?), field:* and _exists_:f,
// ranges [a TO b] {a TO b} and >=, >, <=, <, /regular expressions/ (RE2),
// escapes, ^boost (accepted,
// ignored: no scoring yet) and ~fuzziness (accepted, matched exactly).
//
// As Lucene does: neighbours of AND become required and of OR optional (no
// real precedence: `a AND b OR c` is `+a +b c`); a group of only prohibited
// clauses matches everything else; an empty query matches nothing.
#pragma once

#include <string>
#include <string_view>

#include "query/parse_error.h"
#include "query/query.h"

namespace flowdex {

struct QueryStringOptions {
  std::string default_field = "*";  // df: "*" searches every field, leniently
  bool default_and = false;         // default_operator AND (else OR)
};

// Returns false with a kQueryString error ("Failed to parse query [<q>]"
// and the reason) when the text does not parse.
bool ParseQueryString(std::string_view text, const QueryStringOptions& options, Query* out, ParseError* error);

}  // namespace flowdex
