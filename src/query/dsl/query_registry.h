// The Query DSL's query types, registered by name: one parser each, in a
// file of its own (src/query/dsl/<name>_query.cc), all turning the body
// under {"<name>": ...} into the query tree.
#pragma once

#include <string_view>

#include "query/dsl/dsl_context.h"

namespace flowdex {

using QueryParseFn = bool (*)(DslContext& dsl, const rapidjson::Value& body, Query* out);

// The parser of the query type `name`, or nullptr when there is none.
QueryParseFn FindQueryParser(std::string_view name);

// The parsers (each defined in its own file).
bool ParseBoolQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseConstantScoreQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseExistsQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseGeoBoundingBoxQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseIdsQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseKqlQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseMatchAllQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseMatchNoneQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseMatchQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseMatchPhraseQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseMultiMatchQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParsePrefixQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseQueryStringQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseRangeQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseRegexpQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseSimpleQueryStringQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseTermQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseTermsQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);
bool ParseWildcardQuery(DslContext& dsl, const rapidjson::Value& body, Query* out);

}  // namespace flowdex
