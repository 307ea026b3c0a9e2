#include "query/exec/segment_matcher.h"

#include <algorithm>
#include <vector>

#include "query/exec/leaf_matchers.h"
#include "store/filter_cache.h"

namespace flowdex {

namespace {

// A rough cost of a clause, to run the selective, postings-backed ones first.
int Cost(const Predicate& p) {
  struct Costs {
    int operator()(const KeywordPredicate& k) const { return k.test.kind() == StringTest::Kind::kEquals ? 0 : 1; }
    int operator()(const TokenPredicate& t) const { return t.mode == TokenPredicate::Mode::kTokenTest ? 1 : 0; }
    int operator()(const IntegerPredicate& i) const { return i.values.empty() ? 1 : 0; }
    int operator()(const IpPredicate& ip) const {
      return std::all_of(ip.ranges.begin(), ip.ranges.end(), [](const auto& r) { return r.first == r.second; }) ? 0 : 1;
    }
    int operator()(const FlowIdPredicate&) const { return 0; }
    int operator()(const DoublePredicate&) const { return 1; }
    int operator()(const BitsPredicate&) const { return 1; }
    int operator()(const IpFamilyPredicate&) const { return 1; }
    int operator()(const BoolPredicate&) const { return 2; }
    int operator()(const ColumnExists&) const { return 3; }          // every block
    int operator()(const AddressTextPredicate&) const { return 4; }  // text per row
    int operator()(const CommunityIdPredicate&) const { return 5; }  // a hash per row
    int operator()(const AllRows&) const { return 3; }
    int operator()(const NoRows&) const { return 0; }
  };
  return std::visit(Costs{}, p.node);
}

}  // namespace

SegmentMatcher::SegmentMatcher(const SegmentReader* segment, FilterCache* cache) : segment_(segment), cache_(cache) {}

Bitmap SegmentMatcher::AllRowsBitmap() const {
  Bitmap all = NewBitmap();
  if (segment_->rows() > 0) roaring_bitmap_add_range(all.get(), 0, segment_->rows());
  return all;
}

Status SegmentMatcher::MatchWithin(const Predicate& p, const roaring_bitmap_t* within, Bitmap* rows) {
  const roaring_bitmap_t* saved = restrict_rows_;
  restrict_rows_ = within;
  Status s = Match(p, rows);
  restrict_rows_ = saved;
  if (s.ok()) roaring_bitmap_and_inplace(rows->get(), within);
  return s;
}

std::string FilterCacheKey(const Predicate& p) {
  const auto* b = p.As<BoolPredicate>();
  if (b == nullptr) return p.cache_key;
  std::string key = "bool|" + std::to_string(b->minimum_should);
  for (const auto& [tag, clauses] : {std::pair{"|+", &b->required}, {"|?", &b->should}, {"|-", &b->excluded}}) {
    key += tag;
    for (const Predicate& c : *clauses) {
      const std::string k = FilterCacheKey(c);
      if (k.empty()) return "";                   // a clause that moves with the clock, or has no key
      key += std::to_string(k.size()) + ":" + k;  // length-prefixed: no separator to escape
    }
  }
  return key;
}

Status SegmentMatcher::Match(const Predicate& p, Bitmap* rows) {
  if (p.Is<AllRows>()) return *rows = AllRowsBitmap(), Status::OK();
  if (p.Is<NoRows>()) return *rows = NewBitmap(), Status::OK();
  const auto* b = p.As<BoolPredicate>();
  auto evaluate = [&] { return b != nullptr ? MatchBool(*b, rows) : MatchLeaf(p, rows); };
  if (cache_ == nullptr || !cache_->enabled()) return evaluate();
  const std::string key = FilterCacheKey(p);
  if (key.empty()) return evaluate();
  if (auto hit = cache_->Lookup(segment_->id(), key)) {
    *rows = Bitmap(restrict_rows_ != nullptr ? roaring_bitmap_and(hit->get(), restrict_rows_)
                                             : roaring_bitmap_copy(hit->get()));
    within_restriction_ = restrict_rows_ != nullptr;
    return Status::OK();
  }
  // Inside a clause being cached, its parts are neither counted nor kept:
  // the whole is what the next search asks for, and its parts (a dense
  // leaf such as an action) would push other segments' entries out of the
  // cache before they are used.
  if (caching_ || !cache_->WorthCaching(segment_->id(), key)) return evaluate();
  // Cached for later: evaluated over the whole segment.
  const roaring_bitmap_t* saved_rows = restrict_rows_;
  restrict_rows_ = nullptr;
  caching_ = true;
  Status s = evaluate();
  caching_ = false;
  restrict_rows_ = saved_rows;
  if (!s.ok()) return s;
  cache_->Insert(segment_->id(), key, Bitmap(roaring_bitmap_copy(rows->get())));
  if (saved_rows != nullptr) roaring_bitmap_and_inplace(rows->get(), saved_rows);
  return Status::OK();
}

Status SegmentMatcher::MatchLeaf(const Predicate& p, Bitmap* rows) {
  *rows = NewBitmap();
  const LeafScope scope{segment_, restrict_rows_, &blocks_read_};
  struct Dispatch {
    const LeafScope& scope;
    Bitmap* rows;
    Status operator()(const ColumnExists& x) const { return MatchExists(x, scope, rows); }
    Status operator()(const KeywordPredicate& x) const { return MatchKeyword(x, scope, rows); }
    Status operator()(const TokenPredicate& x) const { return MatchTokens(x, scope, rows); }
    Status operator()(const IntegerPredicate& x) const { return MatchIntegers(x, scope, rows); }
    Status operator()(const DoublePredicate& x) const { return MatchDoubles(x, scope, rows); }
    Status operator()(const IpPredicate& x) const { return MatchIps(x, scope, rows); }
    Status operator()(const BitsPredicate& x) const { return MatchBits(x, scope, rows); }
    Status operator()(const IpFamilyPredicate& x) const { return MatchIpFamily(x, scope, rows); }
    Status operator()(const AddressTextPredicate& x) const { return MatchAddressText(x, scope, rows); }
    Status operator()(const CommunityIdPredicate& x) const { return MatchCommunityId(x, scope, rows); }
    Status operator()(const FlowIdPredicate& x) const { return MatchFlowIds(x, scope, rows); }
    Status operator()(const AllRows&) const { return Status::OK(); }
    Status operator()(const NoRows&) const { return Status::OK(); }
    Status operator()(const BoolPredicate&) const { return Status::OK(); }
  };
  return std::visit(Dispatch{scope, rows}, p.node);
}

Status SegmentMatcher::MatchBool(const BoolPredicate& q, Bitmap* rows) {
  Bitmap result = AllRowsBitmap();
  // Required clauses, cheapest first; each later one reads only the pages
  // where rows are still in question. Among equally cheap clauses, the one
  // on the fewest pages (by the postings) first: it leaves the fewest rows
  // for the others.
  std::vector<std::pair<std::pair<int, uint64_t>, const Predicate*>> ordered;
  for (const Predicate& c : q.required) ordered.push_back({{Cost(c), EstimatePages(c, *segment_)}, &c});
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const roaring_bitmap_t* outer_rows = restrict_rows_;
  for (size_t i = 0; i < ordered.size(); ++i) {
    if (i > 0) restrict_rows_ = result.get();
    Bitmap m;
    within_restriction_ = false;
    Status s = Match(*ordered[i].second, &m);
    restrict_rows_ = outer_rows;
    if (!s.ok()) return s;
    // (Only a leaf's own answer: a nested bool's clauses set the flag too.)
    const bool within = within_restriction_ && !ordered[i].second->Is<BoolPredicate>();
    if (i == 0 || within) {
      result = std::move(m);  // all rows AND m, or m already within the result so far
    } else {
      roaring_bitmap_and_inplace(result.get(), m.get());
    }
    within_restriction_ = false;
  }
  if (q.should.empty() && q.excluded.empty()) {
    *rows = std::move(result);
    return Status::OK();
  }
  // The result is modified in place below, so the rows restriction for the
  // remaining clauses is a copy.
  Bitmap candidates;
  if (!q.required.empty()) {
    candidates = Bitmap(roaring_bitmap_copy(result.get()));
    restrict_rows_ = candidates.get();
  }
  struct Restore {
    const roaring_bitmap_t*& slot;
    const roaring_bitmap_t* value;
    ~Restore() { slot = value; }
  } restore{restrict_rows_, outer_rows};
  const int msm = q.minimum_should;
  if (msm > static_cast<int>(q.should.size())) {
    *rows = NewBitmap();
    return Status::OK();
  }
  if (msm > 0) {
    // Rows matched by at least msm should clauses.
    std::vector<Bitmap> matched;
    for (const Predicate& c : q.should) {
      Bitmap m;
      Status s = Match(c, &m);
      if (!s.ok()) return s;
      matched.push_back(std::move(m));
    }
    Bitmap enough = NewBitmap();
    if (msm == 1) {
      for (const Bitmap& m : matched) roaring_bitmap_or_inplace(enough.get(), m.get());
    } else {
      std::vector<uint16_t> counts(segment_->rows(), 0);
      for (const Bitmap& m : matched) {
        roaring_iterate(
            m.get(),
            [](uint32_t row, void* p) {
              ++(*static_cast<std::vector<uint16_t>*>(p))[row];
              return true;
            },
            &counts);
      }
      for (uint32_t r = 0; r < counts.size(); ++r) {
        if (counts[r] >= msm) roaring_bitmap_add(enough.get(), r);
      }
    }
    roaring_bitmap_and_inplace(result.get(), enough.get());
  }
  for (const Predicate& c : q.excluded) {
    Bitmap m;
    Status s = Match(c, &m);
    if (!s.ok()) return s;
    roaring_bitmap_andnot_inplace(result.get(), m.get());
  }
  *rows = std::move(result);
  return Status::OK();
}

uint64_t EstimatePages(const Predicate& leaf, const SegmentReader& seg) {
  auto pages_of = [&](const std::string& column, auto&& lookup) -> uint64_t {
    const int col = seg.FindColumn(column);
    if (col < 0) return 0;  // nothing to find here: free
    if (!seg.HasPostings(col)) return UINT64_MAX;
    Bitmap pages;
    Status s = lookup(col, &pages);
    if (s.IsNotFound()) return 0;
    return s.ok() && pages ? roaring_bitmap_get_cardinality(pages.get()) : UINT64_MAX;
  };
  if (const auto* k = leaf.As<KeywordPredicate>()) {
    if (k->test.kind() != StringTest::Kind::kEquals || k->test.case_insensitive() || k->test.values().size() != 1) {
      return UINT64_MAX;
    }
    return pages_of(k->column, [&](int col, Bitmap* pages) -> Status {
      if (!HasDictionary(seg.meta().columns[col].type)) return Status::InvalidArgument("not a keyword column");
      int64_t code = -1;
      Status s = seg.FindKeyword(col, k->test.values()[0], &code);
      if (!s.ok()) return s;
      if (code < 0) return Status::NotFound("no such value");
      return seg.PagePostings(col, static_cast<uint64_t>(code), pages);
    });
  }
  if (const auto* ip = leaf.As<IpPredicate>()) {
    if (ip->ranges.size() != 1 || ip->ranges[0].first != ip->ranges[0].second) return UINT64_MAX;
    return pages_of(ip->column, [&](int col, Bitmap* pages) {
      IpAddress a;
      a.family = IpAddress::Family::kV6;
      a.bytes = ip->ranges[0].first;
      return seg.PagePostings(col, a, pages);
    });
  }
  if (const auto* i = leaf.As<IntegerPredicate>()) {
    if (i->values.size() != 1 || i->values[0] < 0) return UINT64_MAX;
    return pages_of(i->column, [&](int col, Bitmap* pages) -> Status {
      const ColumnType t = seg.meta().columns[col].type;
      if (!IsIntegerLike(t) || HasDictionary(t) || t == ColumnType::kTimestamp) {
        return Status::InvalidArgument("not an integer column");
      }
      return seg.PagePostings(col, static_cast<uint64_t>(i->values[0]), pages);
    });
  }
  return UINT64_MAX;
}

}  // namespace flowdex
