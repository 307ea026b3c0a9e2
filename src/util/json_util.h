// Small JSON pieces shared by the request builders (SQS, Secrets Manager,
// the Elasticsearch sink), written with RapidJSON.
#pragma once

#include <string>
#include <string_view>

namespace flowdex {

// `s` as a JSON string literal, quotes included, escaped as JSON requires.
std::string JsonQuote(std::string_view s);

}  // namespace flowdex
