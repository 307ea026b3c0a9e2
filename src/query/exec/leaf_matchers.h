// The rows of one segment a leaf predicate matches: one function per
// predicate kind, each reading its column's postings, statistics and blocks
// as that kind of column allows. A column the segment lacks matches nothing.
#pragma once

#include <cstdint>

#include "query/exec/column_scan.h"
#include "query/plan/predicate.h"

namespace flowdex {

// Dictionary columns: the test decides per dictionary entry, then codes
// are scanned (exact values through the postings first).
Status MatchKeyword(const KeywordPredicate& p, const LeafScope& scope, Bitmap* rows);
// Text columns, by token.
Status MatchTokens(const TokenPredicate& p, const LeafScope& scope, Bitmap* rows);
// Integer-like columns: sets through the postings, ranges by block min/max.
Status MatchIntegers(const IntegerPredicate& p, const LeafScope& scope, Bitmap* rows);
Status MatchBits(const BitsPredicate& p, const LeafScope& scope, Bitmap* rows);
Status MatchDoubles(const DoublePredicate& p, const LeafScope& scope, Bitmap* rows);
// Address columns: exact addresses through the postings, IPv4 rows as
// 32-bit compares.
Status MatchIps(const IpPredicate& p, const LeafScope& scope, Bitmap* rows);
Status MatchIpFamily(const IpFamilyPredicate& p, const LeafScope& scope, Bitmap* rows);
Status MatchAddressText(const AddressTextPredicate& p, const LeafScope& scope, Bitmap* rows);
// Flow segments: the Community ID of each row; flow ids.
Status MatchCommunityId(const CommunityIdPredicate& p, const LeafScope& scope, Bitmap* rows);
Status MatchFlowIds(const FlowIdPredicate& p, const LeafScope& scope, Bitmap* rows);
Status MatchExists(const ColumnExists& p, const LeafScope& scope, Bitmap* rows);

// How many pages (kRowsPerPage rows) the postings say a leaf can match
// here: 0 when none, UINT64_MAX when they cannot tell. Bool nodes run their
// cheapest clauses first by it.
uint64_t EstimatePages(const Predicate& leaf, const SegmentReader& segment);

}  // namespace flowdex
