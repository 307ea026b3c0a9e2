// {"match_all": {}}: every document.
#include "query/dsl/query_registry.h"

namespace flowdex {

bool ParseMatchAllQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  *out = Query::MatchAll();
  return dsl.ExpectObject("match_all", body);
}

}  // namespace flowdex
