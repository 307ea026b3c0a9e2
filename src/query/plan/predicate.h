// Predicate: a query lowered against one catalog of fields (src/query/plan/
// lowering.h): every field resolved to stored columns, every value read for
// its type (numbers, dates with date math evaluated, addresses and CIDR
// blocks, compiled patterns), derived fields rewritten as conditions on the
// columns they come from. What is left is one leaf kind per column kind,
// joined by bool nodes; the matcher (src/query/exec) runs it on segments
// without parsing anything again.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "query/plan/string_test.h"
#include "store/column_type.h"

namespace flowdex {

using Wide = __int128;
using IpKey = std::array<uint8_t, 16>;  // IPv4-mapped 16-byte form, in address order

// Every row / no row.
struct AllRows {};
struct NoRows {};

// The column has a value.
struct ColumnExists {
  std::string column;
};

// Dictionary columns (keyword, and text read as whole values): a value of
// the row passes `test`.
struct KeywordPredicate {
  std::string column;
  StringTest test;
};

// Text columns, by token (src/store/tokenizer.h).
struct TokenPredicate {
  enum class Mode : uint8_t {
    kAnyToken,   // the value has any of `tokens`
    kAllTokens,  // ... every one of them
    kPhrase,     // ... all of them adjacent, in order
    kTokenTest,  // some token of the value passes `test`
  };
  std::string column;
  Mode mode = Mode::kAnyToken;
  std::vector<std::string> tokens;
  StringTest test;
  int slop = 0;  // kPhrase: positions the tokens may stand apart in all (in order)
};

// Integer-like columns (integers, timestamps in ms, booleans as 0/1): a
// value within [lo, hi], or in `values` when it is not empty (sorted).
struct IntegerPredicate {
  std::string column;
  Wide lo = std::numeric_limits<int64_t>::min();
  Wide hi = static_cast<Wide>(std::numeric_limits<uint64_t>::max());
  std::vector<Wide> values;
};

// Double columns: within the bounds, or one of `values` when not empty.
struct DoublePredicate {
  std::string column;
  double lo = -INFINITY, hi = INFINITY;
  bool lo_open = false, hi_open = false;
  std::vector<double> values;
};

// Address columns: within any of the inclusive ranges (an address is a
// range of one, a CIDR block the range it spans).
struct IpPredicate {
  std::string column;
  std::vector<std::pair<IpKey, IpKey>> ranges;
};

// Integer columns with any bit of `mask` set (tcp flags by name).
struct BitsPredicate {
  std::string column;
  uint64_t mask = 0;
};

// Address columns holding an address of the wanted families (network.type).
struct IpFamilyPredicate {
  std::string column;
  bool v4 = false, v6 = false;
};

// Address columns whose address, as text (RFC 5952), passes `test`
// (source.address with a prefix, a wildcard, ...): read row by row.
struct AddressTextPredicate {
  std::string column;
  StringTest test;
};

// The Community ID of the row's 5-tuple passes `test` (computed row by row).
struct CommunityIdPredicate {
  std::string src, dst, src_port, dst_port, protocol;  // column names
  StringTest test;
};

// Flow records by _id ("<16 hex digits of SHA-256(source key)>-<offset>").
struct FlowIdPredicate {
  std::vector<std::pair<std::string, uint64_t>> ids;  // (hash prefix, line offset)
};

struct Predicate;

// Rows passing every `required` predicate, at least `minimum_should` of the
// `should` ones, and none of the `excluded` ones.
struct BoolPredicate {
  std::vector<Predicate> required, should, excluded;
  int minimum_should = 0;
};

using PredicateNode = std::variant<AllRows, NoRows, ColumnExists, KeywordPredicate, TokenPredicate, IntegerPredicate,
                                   DoublePredicate, IpPredicate, BitsPredicate, IpFamilyPredicate, AddressTextPredicate,
                                   CommunityIdPredicate, FlowIdPredicate, BoolPredicate>;

struct Predicate {
  PredicateNode node;
  // A canonical text of a leaf, to cache the rows it matches per segment
  // ("" for bool nodes and for leaves whose meaning moves with the clock).
  std::string cache_key;

  Predicate() = default;
  template <typename T, typename = std::enable_if_t<!std::is_same_v<std::decay_t<T>, Predicate>>>
  Predicate(T&& n) : node(std::forward<T>(n)) {}  // NOLINT: any node converts to a Predicate

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&node);
  }
  template <typename T>
  bool Is() const {
    return std::holds_alternative<T>(node);
  }
};

// The bounds (ms, inclusive) that `p` puts on column `column` of every row
// it matches, from integer predicates among its required clauses (for time
// ranges: segments outside them are skipped whole).
void ColumnBounds(const Predicate& p, std::string_view column, int64_t* lo, int64_t* hi);

}  // namespace flowdex
