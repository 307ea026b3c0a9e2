// Splitting text into search tokens, for text fields' postings and for full
// text queries (both sides must agree). An approximation of Elasticsearch's
// standard analyzer: runs of ASCII letters and digits (and of any non-ASCII
// bytes, so UTF-8 words stay whole) form tokens, lowercased; everything else
// separates them; tokens longer than 255 bytes are cut there.
#pragma once

#include <string>
#include <string_view>

namespace flowdex {

inline constexpr size_t kMaxTokenLength = 255;

// Calls fn(token) for each token of `text`, in order (repeats included).
template <typename Fn>
void ForEachToken(std::string_view text, Fn&& fn) {
  std::string token;
  auto flush = [&] {
    if (!token.empty()) fn(std::string_view(token));
    token.clear();
  };
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    const bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    if (!word) {
      flush();
      continue;
    }
    if (token.size() == kMaxTokenLength) flush();
    token.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c));
  }
  flush();
}

}  // namespace flowdex
