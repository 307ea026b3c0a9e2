// Index expressions as Elasticsearch reads them in a request path
// ("logs-*,-logs-old,flows"): concrete names, aliases, wildcards, "_all" and
// "-" exclusions, expanded against one store version.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace flowdex {

struct IndexResolveOptions {
  // A concrete name that is neither an index nor an alias is skipped instead
  // of failing the request (ignore_unavailable=true).
  bool ignore_unavailable = false;
  // An expression that selects nothing is not an error (allow_no_indices).
  bool allow_no_indices = true;
};

// Splits a comma list ("a,b*") into its parts; "" gives "_all".
std::vector<std::string> SplitIndexList(std::string_view list);

// Expands `parts` into the sorted, distinct indices they select. On a missing
// concrete name returns NotFound and sets *missing to it (the request fails
// with index_not_found_exception); when nothing is selected and
// !allow_no_indices, NotFound with *missing set to the whole expression.
Status ResolveIndexExpression(const StoreVersion& version, const std::vector<std::string>& parts,
                              const IndexResolveOptions& options, std::vector<std::string>* out,
                              std::string* missing = nullptr);

}  // namespace flowdex
