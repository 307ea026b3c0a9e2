// Token predicates on text columns: each dictionary entry's tokens decide
// whether its value matches; the token postings narrow the pages to read.
#include <set>

#include "query/exec/leaf_matchers.h"
#include "store/tokenizer.h"

namespace flowdex {

// Whether `phrase` occurs in `tokens` in order with at most `slop` other
// positions between its words in all (the earliest next occurrence of each
// word gives the tightest span from a start).
bool PhraseWithin(const std::vector<std::string>& tokens, const std::vector<std::string>& phrase, int slop) {
  for (size_t start = 0; start < tokens.size(); ++start) {
    if (tokens[start] != phrase[0]) continue;
    size_t at = start;
    bool all = true;
    for (size_t w = 1; w < phrase.size() && all; ++w) {
      size_t next = at + 1;
      while (next < tokens.size() && tokens[next] != phrase[w]) ++next;
      all = next < tokens.size();
      at = next;
    }
    if (!all) return false;  // a later start cannot find what this one did not
    if (at - start - (phrase.size() - 1) <= static_cast<size_t>(slop)) return true;
  }
  return false;
}

Status MatchTokens(const TokenPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const SegmentReader& seg = *scope.segment;
  const int col = seg.FindColumn(p.column);
  if (col < 0 || !HasDictionary(seg.meta().columns[col].type)) return Status::OK();
  const std::vector<std::string>* dict = nullptr;
  Status s = seg.Dictionary(col, &dict);
  if (!s.ok()) return s;
  using Mode = TokenPredicate::Mode;
  std::vector<uint8_t> wanted(dict->size(), 0);
  bool any = false;
  for (size_t code = 0; code < dict->size(); ++code) {
    std::vector<std::string> tokens;
    ForEachToken((*dict)[code], [&](std::string_view t) { tokens.emplace_back(t); });
    bool hit = false;
    switch (p.mode) {
      case Mode::kTokenTest:
        hit = std::any_of(tokens.begin(), tokens.end(), [&](const std::string& t) { return p.test.Matches(t); });
        break;
      case Mode::kPhrase:
        hit = p.slop == 0 ? std::search(tokens.begin(), tokens.end(), p.tokens.begin(), p.tokens.end()) != tokens.end()
                          : PhraseWithin(tokens, p.tokens, p.slop);
        break;
      case Mode::kAnyToken:
      case Mode::kAllTokens: {
        const std::set<std::string> have(tokens.begin(), tokens.end());
        size_t found = 0;
        for (const std::string& t : p.tokens) found += have.count(t);
        hit = p.mode == Mode::kAllTokens ? found == p.tokens.size() : found > 0;
        break;
      }
    }
    wanted[code] = hit ? 1 : 0;
    any = any || hit;
  }
  if (!any) return Status::OK();
  // The pages the tokens' postings name: the first token's for a phrase,
  // all of them (any) or their intersection (all).
  Bitmap pages;
  const roaring_bitmap_t* page_filter = nullptr;
  if (p.mode != Mode::kTokenTest && seg.HasPostings(col)) {
    pages = NewBitmap();
    const size_t n = p.mode == Mode::kPhrase ? 1 : p.tokens.size();
    for (size_t t = 0; t < n; ++t) {
      Bitmap one;
      s = seg.TokenPostings(col, p.tokens[t], &one);
      if (!s.ok()) return s;
      if (p.mode == Mode::kAllTokens && t > 0) {
        roaring_bitmap_and_inplace(pages.get(), one.get());
      } else {
        roaring_bitmap_or_inplace(pages.get(), one.get());
      }
    }
    page_filter = pages.get();
  }
  return ScanColumn(
      scope, col, page_filter, AnyBlock, [&](const ColumnBlock& b, size_t k) { return wanted[b.values[k]] != 0; },
      rows);
}

}  // namespace flowdex
