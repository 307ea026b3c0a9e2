// {"match_phrase": {"<field>": "some words"}}: the words adjacent and in order.
#include "query/dsl/query_registry.h"
#include "query/dsl/text_query.h"

namespace flowdex {

bool ParseMatchPhraseQuery(DslContext& dsl, const rapidjson::Value& body, Query* out) {
  TextQueryParams p;
  if (!ParseTextQuery(dsl, "match_phrase", body, &p)) return false;
  *out = MatchPhraseQuery{std::move(p.field), std::move(p.value)};
  out->lenient = p.lenient;
  out->As<MatchPhraseQuery>()->slop = p.slop;
  return true;
}

}  // namespace flowdex
