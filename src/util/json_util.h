// Small JSON pieces shared by everything that writes JSON with RapidJSON
// (responses, documents, requests to AWS and to Elasticsearch).
#pragma once

#include <string>
#include <string_view>

namespace flowdex {

// Writes `s` as a string value, or as a key, with any RapidJSON writer
// (which escapes it); `s` need not be NUL-terminated.
template <typename JsonWriter>
void WriteJsonString(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<unsigned>(s.size()));
}
template <typename JsonWriter>
void WriteJsonKey(JsonWriter& w, std::string_view s) {
  w.Key(s.data(), static_cast<unsigned>(s.size()));
}

// `s` as a JSON string literal, quotes included, escaped as JSON requires.
std::string JsonQuote(std::string_view s);

}  // namespace flowdex
