// Double predicates (double, float, half_float, scaled_float fields).
#include <cstring>

#include "query/exec/leaf_matchers.h"

namespace flowdex {

Status MatchDoubles(const DoublePredicate& p, const LeafScope& scope, Bitmap* rows) {
  const int col = scope.segment->FindColumn(p.column);
  if (col < 0 || scope.segment->meta().columns[col].type != ColumnType::kDouble) return Status::OK();
  const bool range = p.values.empty();
  return ScanColumn(
      scope, col, nullptr, AnyBlock,
      [&](const ColumnBlock& b, size_t k) {
        double d;
        std::memcpy(&d, &b.values[k], 8);
        if (range) return (p.lo_open ? d > p.lo : d >= p.lo) && (p.hi_open ? d < p.hi : d <= p.hi);
        return std::binary_search(p.values.begin(), p.values.end(), d);
      },
      rows);
}

}  // namespace flowdex
