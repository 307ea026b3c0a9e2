// Lowering: a query tree (what the user asked, in any query language)
// against the fields of one catalog (the flow schema, or an index's
// mapping) into a Predicate that names only stored columns and typed
// values. Every error a query can have about its values is found here,
// before any segment is read; the same lowered predicate then runs on every
// segment of that catalog.
#pragma once

#include <cstdint>

#include "query/plan/predicate.h"
#include "query/query.h"
#include "schema/field_catalog.h"
#include "util/status.h"

namespace flowdex {

class InventoryHistory;

// Lowers `query` for segments described by `catalog`. `now_ms` is the
// instant "now" names in date math (one per request). Errors:
// QueryValue (a value that does not fit its field: "ssh" for a port, a bad
// regular expression), DateValue (a date that does not parse),
// InvalidArgument (a bad date format or time zone). A field the catalog
// does not know matches nothing, as in Elasticsearch; a field pattern
// ("*", "source.*") runs on every matching field, leniently.
//
// `inventory` (flow catalogs; may be null): a condition on an owner fact
// (source.aws.instance.name, ...) also matches rows stored without an owner
// whose address the inventory names so at the row's start time.
Status LowerQuery(const Query& query, const FieldCatalog& catalog, int64_t now_ms, Predicate* out,
                  const InventoryHistory* inventory = nullptr);

// Lowers a leaf query on one resolved field (the aggregation filters and
// the breadth-first plan build leaves this way).
Status LowerLeaf(const Query& leaf, const FieldBinding& field, int64_t now_ms, Predicate* out,
                 const InventoryHistory* inventory = nullptr);

}  // namespace flowdex
