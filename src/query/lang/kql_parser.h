// KqlParser: Kibana Query Language into the query tree, following Kibana's
// grammar (docs: ../shared/research/kql.md): and/or/not with precedence not >
// and > or, parentheses, field:value, value lists `f:(a or b)`, ranges
// `f >= v`, `f:*` (exists), wildcards, quoted phrases, escapes, field-less
// values (searched in every field, leniently) and field-name patterns.
//
// Translation, as Kibana does it but resolved against the stored types at
// search time: f:v is a match (exact on keywords, analysed on text, typed on
// numbers, addresses (CIDR too) and dates (the whole day, minute, ... the
// value names)); f:"v" a phrase; f:v* a wildcard; ranges keep the raw value.
// nested groups `f:{...}` are not supported (flow data has no nested fields).
#pragma once

#include <string_view>

#include "query/parse_error.h"
#include "query/query.h"

namespace flowdex {

// Returns false with a kParsing error whose reason is Kibana's
// KQLSyntaxError text: "Expected ... but ... found.\n<query>\n---^".
bool ParseKql(std::string_view kql, Query* out, ParseError* error, bool case_insensitive = false);

}  // namespace flowdex
