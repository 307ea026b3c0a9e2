#include "query/dsl/query_registry.h"

#include <utility>

namespace flowdex {

QueryParseFn FindQueryParser(std::string_view name) {
  static constexpr std::pair<std::string_view, QueryParseFn> kParsers[] = {
      {"bool", ParseBoolQuery},
      {"constant_score", ParseConstantScoreQuery},
      {"exists", ParseExistsQuery},
      {"geo_bounding_box", ParseGeoBoundingBoxQuery},
      {"ids", ParseIdsQuery},
      {"kql", ParseKqlQuery},
      {"match", ParseMatchQuery},
      {"match_all", ParseMatchAllQuery},
      {"match_none", ParseMatchNoneQuery},
      {"match_phrase", ParseMatchPhraseQuery},
      {"multi_match", ParseMultiMatchQuery},
      {"prefix", ParsePrefixQuery},
      {"query_string", ParseQueryStringQuery},
      {"range", ParseRangeQuery},
      {"regexp", ParseRegexpQuery},
      {"simple_query_string", ParseSimpleQueryStringQuery},
      {"term", ParseTermQuery},
      {"terms", ParseTermsQuery},
      {"wildcard", ParseWildcardQuery},
  };
  for (const auto& [n, fn] : kParsers) {
    if (n == name) return fn;
  }
  return nullptr;
}

}  // namespace flowdex
