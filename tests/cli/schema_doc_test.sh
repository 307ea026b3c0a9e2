#!/usr/bin/env bash
# docs/flow_schema.md is generated from the flow schema table
# (src/schema/flow_schema.cc): it must be what `flowdex schema --markdown`
# prints now. Regenerate it with `make docs`.
set -euo pipefail
flowdex=$1
doc="$(cd "$(dirname "$0")/../.." && pwd)/docs/flow_schema.md"
if ! diff -u "$doc" <("$flowdex" schema --markdown); then
  echo "docs/flow_schema.md is stale: run 'make docs' and commit it" >&2
  exit 1
fi
# Every field of the table is listed once, and the plain table agrees.
rows=$(grep -c '^| `' "$doc")
fields=$(("$("$flowdex" schema | wc -l)" - 1))
[[ $rows -eq $fields ]] || { echo "the doc lists $rows fields, flowdex schema $fields" >&2; exit 1; }
for f in source.address network.transport network.community_id event.end related.ip network.iana_number; do
  grep -q "^| \`$f\` |" "$doc" || { echo "$f missing from the doc" >&2; exit 1; }
done
echo "docs/flow_schema.md: $rows fields, up to date"
