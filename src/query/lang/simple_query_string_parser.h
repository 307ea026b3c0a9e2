// Elasticsearch's simple_query_string syntax into the query tree: terms and
// "phrases", + (AND), | (OR), - (NOT), prefix*, (groups), ~N (accepted,
// matched exactly), and whitespace as the default operator. Like Lucene's
// SimpleQueryParser it never fails: stray operators are ignored and an
// empty query matches nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "query/query.h"

namespace flowdex {

struct SimpleQueryStringOptions {
  std::vector<std::string> fields = {"*"};  // "*": every field, leniently; ^boost suffixes are dropped
  bool default_and = false;                 // default_operator AND (else OR)
};

// Parses `text`; terms are full-text matches (match) on each field, ORed.
void ParseSimpleQueryString(std::string_view text, const SimpleQueryStringOptions& options, Query* out);

}  // namespace flowdex
