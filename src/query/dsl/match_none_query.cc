// {"match_none": {}}: no document.
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseMatchNoneQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  *out = Query::MatchNone();
  return dsl.ExpectObject("match_none", body);
}

}  // namespace flowdex
