#include "query/segment_matcher.h"

#include "query/date_math.h"
#include "query/filter_cache.h"

#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "flowlog/ecs_writer.h"
#include "ingest/document_id.h"
#include "ingest/flow_columns.h"
#include "store/tokenizer.h"
#include "util/glob.h"
#include "util/time_util.h"

namespace flowdex {

namespace {

using Key16 = std::array<uint8_t, 16>;
using Wide = __int128;

constexpr uint32_t kPagesPerBlock = kRowsPerBlock / kRowsPerPage;

Status Unreadable(const QueryValue& v, std::string_view field, std::string_view what) {
  return Status::InvalidArgument(
      fmt::format("failed to create query: [{}] is not a valid {} for field [{}]", v.ToString(), what, field));
}

// A query value as an integer. *exact is false when it has a fraction
// (a term with 80.5 on an integer field matches nothing).
bool ReadInteger(const QueryValue& v, Wide* out, bool* exact) {
  *exact = true;
  switch (v.kind) {
    case QueryValue::Kind::kInteger: *out = v.integer; return true;
    case QueryValue::Kind::kDouble:
      if (!std::isfinite(v.number)) return false;
      *exact = std::trunc(v.number) == v.number;
      *out = static_cast<Wide>(std::floor(v.number));
      return true;
    case QueryValue::Kind::kBool: return false;
    case QueryValue::Kind::kString: {
      if (v.text.empty()) return false;
      char* end = nullptr;
      errno = 0;
      const long long ll = std::strtoll(v.text.c_str(), &end, 10);
      if (end == v.text.c_str() + v.text.size() && errno != ERANGE) {
        *out = ll;
        return true;
      }
      const double d = std::strtod(v.text.c_str(), &end);
      if (end != v.text.c_str() + v.text.size() || !std::isfinite(d)) return false;
      *exact = std::trunc(d) == d;
      *out = static_cast<Wide>(std::floor(d));
      return true;
    }
  }
  return false;
}

bool ReadDouble(const QueryValue& v, double* out) {
  switch (v.kind) {
    case QueryValue::Kind::kInteger: *out = static_cast<double>(v.integer); return true;
    case QueryValue::Kind::kDouble: *out = v.number; return true;
    case QueryValue::Kind::kBool: return false;
    case QueryValue::Kind::kString: {
      char* end = nullptr;
      *out = std::strtod(v.text.c_str(), &end);
      return !v.text.empty() && end == v.text.c_str() + v.text.size();
    }
  }
  return false;
}

bool ReadDate(const QueryValue& v, int64_t* ms) {
  if (v.kind == QueryValue::Kind::kInteger) return *ms = v.integer, true;
  if (v.kind != QueryValue::Kind::kString) return false;
  if (ParseIsoDate(v.text, ms)) return true;
  Wide w;
  bool exact;
  if (v.text.find_first_not_of("-0123456789") == std::string::npos && ReadInteger(v, &w, &exact)) {
    *ms = static_cast<int64_t>(w);  // epoch_millis
    return true;
  }
  return false;
}

bool ReadBool(const QueryValue& v, bool* out) {
  if (v.kind == QueryValue::Kind::kBool) return *out = v.boolean, true;
  if (v.kind == QueryValue::Kind::kString && (v.text == "true" || v.text == "false")) {
    return *out = v.text == "true", true;
  }
  return false;
}

// An address, or a CIDR block, as an inclusive range of 16-byte keys.
bool ReadIpRange(const QueryValue& v, Key16* lo, Key16* hi) {
  if (v.kind != QueryValue::Kind::kString) return false;
  std::string_view text = v.text;
  int prefix = -1;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    const std::string bits(text.substr(slash + 1));
    char* end = nullptr;
    const long p = std::strtol(bits.c_str(), &end, 10);
    if (bits.empty() || end != bits.c_str() + bits.size() || p < 0) return false;
    prefix = static_cast<int>(p);
    text = text.substr(0, slash);
  }
  IpAddress ip;
  if (!ParseIpAddress(text, &ip)) return false;
  *lo = IpSortKey(ip);
  *hi = *lo;
  if (prefix >= 0) {
    const int bits = ip.is_v4() ? prefix + 96 : prefix;
    if (bits > 128 || (ip.is_v4() && prefix > 32)) return false;
    for (int b = bits; b < 128; ++b) {
      (*lo)[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
      (*hi)[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
    }
  }
  return true;
}

// The span of time a date's text names: "2026-11-27" the whole day,
// "2026-11" the month, "2026-11-27T10:05" that minute, with seconds that
// second, with a fraction that millisecond (Elasticsearch rounds the upper
// end up the same way); epoch milliseconds name themselves.
bool DateSpan(const std::string& text, const std::string& format, const std::string& time_zone, int64_t* from,
              int64_t* to) {
  DateFormat f;
  TimeZone tz;
  if ((!format.empty() && !DateFormat::Parse(format, &f).ok()) || !TimeZone::Parse(time_zone, &tz).ok()) return false;
  return f.Read(text, tz, false, from) && f.Read(text, tz, true, to);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return out;
}

Wide StoredValue(ColumnType type, uint64_t bits) {
  return IsSigned(type) ? static_cast<Wide>(static_cast<int64_t>(bits)) : static_cast<Wide>(bits);
}

double StoredDouble(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

// Decodes the blocks of `column` that `block_ok` lets through (and, with
// `pages`, only their listed pages) and adds to *rows every row for which
// some value satisfies `pred(block, value index)`. With `restrict_rows`,
// only those rows are tested (the others are left out of the answer).
template <typename BlockOk, typename Pred>
Status Scan(const SegmentReader& seg, int column, const roaring_bitmap_t* pages, BlockOk&& block_ok, Pred&& pred,
            Bitmap* rows, uint64_t* blocks_read, const roaring_bitmap_t* restrict_rows) {
  const ColumnMeta& meta = seg.meta().columns[column];
  std::shared_ptr<const ColumnBlock> shared;
  std::vector<uint32_t> hits, candidates;
  for (size_t b = 0; b < meta.blocks.size(); ++b) {
    const BlockStats& stats = meta.blocks[b].stats;
    if (!stats.has_values() || !block_ok(stats)) continue;
    const uint32_t first_page = static_cast<uint32_t>(b) * kPagesPerBlock;
    const uint32_t base = static_cast<uint32_t>(b * kRowsPerBlock);
    if (pages != nullptr) {
      bool any = false;
      for (uint32_t p = 0; p < kPagesPerBlock && !any; ++p) any = roaring_bitmap_contains(pages, first_page + p);
      if (!any) continue;
    }
    if (restrict_rows != nullptr) {
      // Only the rows still in question: the candidates of this block.
      const uint64_t n = roaring_bitmap_range_cardinality(restrict_rows, base, uint64_t{base} + stats.rows);
      if (n == 0) continue;
      candidates.resize(n);
      roaring_uint32_iterator_t it;
      roaring_init_iterator(restrict_rows, &it);
      roaring_move_uint32_iterator_equalorlarger(&it, base);
      roaring_read_uint32_iterator(&it, candidates.data(), static_cast<uint32_t>(n));
    }
    Status s = seg.ReadBlockShared(column, b, &shared);
    if (!s.ok()) return s;
    const ColumnBlock& blk = *shared;
    ++*blocks_read;
    hits.clear();
    if (restrict_rows != nullptr) {
      for (uint32_t row : candidates) {
        const uint32_t i = row - base;
        if (!blk.present(i)) continue;
        const size_t from = blk.multi() ? blk.offsets[i] : i;
        const size_t to = blk.multi() ? blk.offsets[i + 1] : i + 1;
        for (size_t k = from; k < to; ++k) {
          if (pred(blk, k)) {
            hits.push_back(row);
            break;
          }
        }
      }
      roaring_bitmap_add_many(rows->get(), hits.size(), hits.data());
      continue;
    }
    for (uint32_t page = 0; page * kRowsPerPage < blk.rows; ++page) {
      if (pages != nullptr && !roaring_bitmap_contains(pages, first_page + page)) continue;
      const uint32_t end = std::min(blk.rows, (page + 1) * kRowsPerPage);
      if (!blk.multi()) {
        // One value per row: a branch-free loop (absent rows hold zeros, so
        // the predicate may read them; presence decides).
        const uint32_t start = page * kRowsPerPage;
        const size_t at = hits.size();
        hits.resize(at + (end - start));
        uint32_t* out = hits.data() + at;
        size_t n = 0;
        if (blk.presence.empty()) {
          for (uint32_t i = start; i < end; ++i) {
            out[n] = base + i;
            n += pred(blk, i) ? 1 : 0;
          }
        } else {
          for (uint32_t i = start; i < end; ++i) {
            out[n] = base + i;
            n += (IsPresent(blk.presence, i) && pred(blk, i)) ? 1 : 0;
          }
        }
        hits.resize(at + n);
        continue;
      }
      for (uint32_t i = page * kRowsPerPage; i < end; ++i) {
        if (!blk.present(i)) continue;
        const size_t from = blk.multi() ? blk.offsets[i] : i;
        const size_t to = blk.multi() ? blk.offsets[i + 1] : i + 1;
        for (size_t k = from; k < to; ++k) {
          if (pred(blk, k)) {
            hits.push_back(base + i);
            break;
          }
        }
      }
    }
    roaring_bitmap_add_many(rows->get(), hits.size(), hits.data());
  }
  return Status::OK();
}

auto AnyBlock = [](const BlockStats&) { return true; };

}  // namespace

SegmentMatcher::SegmentMatcher(const SegmentReader* segment, const FieldCatalog* catalog)
    : segment_(segment), catalog_(catalog) {}

Bitmap SegmentMatcher::AllRows() const {
  Bitmap all = NewBitmap();
  if (segment_->rows() > 0) roaring_bitmap_add_range(all.get(), 0, segment_->rows());
  return all;
}

Status SegmentMatcher::MatchWithin(const Query& q, const roaring_bitmap_t* within, Bitmap* rows) {
  const roaring_bitmap_t* saved = restrict_rows_;
  restrict_rows_ = within;
  Status s = Match(q, rows);
  restrict_rows_ = saved;
  if (s.ok()) roaring_bitmap_and_inplace(rows->get(), within);
  return s;
}

Status SegmentMatcher::Match(const Query& q, Bitmap* rows) {
  switch (q.kind) {
    case Query::Kind::kMatchAll: *rows = AllRows(); return Status::OK();
    case Query::Kind::kMatchNone: *rows = NewBitmap(); return Status::OK();
    case Query::Kind::kBool: return MatchBool(q, rows);
    default: break;
  }
  FilterCache* cache = FilterCache::Shared();
  if (!cache->enabled()) return MatchLeaf(q, rows);
  // A leaf's key is made once per matcher (newest-first searches match the
  // same leaves block after block).
  auto [entry, fresh] = cache_keys_.try_emplace(&q);
  if (fresh) entry->second = FilterCache::KeyOf(q);
  const std::string& key = entry->second;
  if (key.empty()) return MatchLeaf(q, rows);
  if (auto hit = cache->Lookup(segment_->id(), key)) {
    *rows = Bitmap(restrict_rows_ != nullptr ? roaring_bitmap_and(hit->get(), restrict_rows_)
                                             : roaring_bitmap_copy(hit->get()));
    within_restriction_ = restrict_rows_ != nullptr;
    return Status::OK();
  }
  if (!cache->WorthCaching(segment_->id(), key)) return MatchLeaf(q, rows);
  // Cached for later: evaluated over the whole segment.
  const roaring_bitmap_t* saved_rows = restrict_rows_;
  restrict_rows_ = nullptr;
  Status s = MatchLeaf(q, rows);
  restrict_rows_ = saved_rows;
  if (!s.ok()) return s;
  cache->Insert(segment_->id(), key, Bitmap(roaring_bitmap_copy(rows->get())));
  if (saved_rows != nullptr) roaring_bitmap_and_inplace(rows->get(), saved_rows);
  return Status::OK();
}

namespace {

// A rough cost of a clause, to run the selective, postings-backed ones first.
int Cost(const Query& q) {
  switch (q.kind) {
    case Query::Kind::kTerm:
    case Query::Kind::kTerms:
    case Query::Kind::kIds:
    case Query::Kind::kMatch:
    case Query::Kind::kMatchPhrase: return 0;
    case Query::Kind::kPrefix:
    case Query::Kind::kWildcard:
    case Query::Kind::kRegexp:
    case Query::Kind::kRange: return 1;
    case Query::Kind::kBool: return 2;
    default: return 3;  // exists, match_all: every block
  }
}


}  // namespace

Status SegmentMatcher::MatchBool(const Query& q, Bitmap* rows) {
  Bitmap result = AllRows();
  // Required clauses, cheapest first; each later one reads only the pages
  // where rows are still in question.
  std::vector<const Query*> required;
  for (const Query& c : q.must) required.push_back(&c);
  for (const Query& c : q.filter) required.push_back(&c);
  // Among equally cheap clauses, the one on the fewest pages (by the
  // postings) first: it leaves the fewest rows for the others.
  std::vector<std::pair<std::pair<int, uint64_t>, const Query*>> ordered;
  for (const Query* c : required) ordered.push_back({{Cost(*c), EstimatePages(*c)}, c});
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < ordered.size(); ++i) required[i] = ordered[i].second;
  const roaring_bitmap_t* outer_rows = restrict_rows_;
  // Later clauses only look at the rows still in question: the result so
  // far, which is already within the outer restriction.
  for (size_t i = 0; i < required.size(); ++i) {
    if (i > 0) restrict_rows_ = result.get();
    Bitmap m;
    within_restriction_ = false;
    Status s = Match(*required[i], &m);
    restrict_rows_ = outer_rows;
    if (!s.ok()) return s;
    // (Only a leaf's own answer: a nested bool's clauses set the flag too.)
    const bool within = within_restriction_ && required[i]->kind != Query::Kind::kBool;
    if (i == 0 || within) {
      result = std::move(m);  // all rows AND m, or m already within the result so far
    } else {
      roaring_bitmap_and_inplace(result.get(), m.get());
    }
    within_restriction_ = false;
  }
  if (q.should.empty() && q.must_not.empty() && q.minimum_should_match <= 0) {
    *rows = std::move(result);
    return Status::OK();
  }
  // The result is modified in place below, so the rows restriction for the
  // remaining clauses is a copy.
  Bitmap candidates;
  if (!required.empty()) {
    candidates = Bitmap(roaring_bitmap_copy(result.get()));
    restrict_rows_ = candidates.get();
  }
  struct Restore {
    const roaring_bitmap_t*& slot;
    const roaring_bitmap_t* value;
    ~Restore() { slot = value; }
  } restore{restrict_rows_, outer_rows};
  const int msm = q.minimum_should_match >= 0
                      ? q.minimum_should_match
                      : (!q.should.empty() && q.must.empty() && q.filter.empty() ? 1 : 0);
  if (msm > static_cast<int>(q.should.size())) {
    *rows = NewBitmap();
    return Status::OK();
  }
  if (msm > 0) {
    // Rows matched by at least msm should clauses.
    std::vector<Bitmap> matched;
    for (const Query& c : q.should) {
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
        roaring_iterate(m.get(), [](uint32_t row, void* p) {
          ++(*static_cast<std::vector<uint16_t>*>(p))[row];
          return true;
        }, &counts);
      }
      for (uint32_t r = 0; r < counts.size(); ++r) {
        if (counts[r] >= msm) roaring_bitmap_add(enough.get(), r);
      }
    }
    roaring_bitmap_and_inplace(result.get(), enough.get());
  }
  for (const Query& c : q.must_not) {
    Bitmap m;
    Status s = Match(c, &m);
    if (!s.ok()) return s;
    roaring_bitmap_andnot_inplace(result.get(), m.get());
  }
  *rows = std::move(result);
  return Status::OK();
}

uint64_t SegmentMatcher::EstimatePages(const Query& q) const {
  if (q.kind != Query::Kind::kTerm || q.values.size() != 1 || q.case_insensitive) return UINT64_MAX;
  const ResolvedField field = catalog_->Resolve(q.field);
  if (field.derivation != ResolvedField::Derivation::kNone || field.columns.size() != 1) return UINT64_MAX;
  const int col = segment_->FindColumn(field.columns[0]);
  if (col < 0) return 0;  // nothing to find here: free
  if (!segment_->HasPostings(col)) return UINT64_MAX;
  const ColumnType type = segment_->meta().columns[col].type;
  const QueryValue& v = q.values[0];
  Bitmap pages;
  Status s;
  if (type == ColumnType::kKeyword) {
    int64_t code = -1;
    s = segment_->FindKeyword(col, v.ToString(), &code);
    if (!s.ok()) return UINT64_MAX;
    if (code < 0) return 0;
    s = segment_->PagePostings(col, static_cast<uint64_t>(code), &pages);
  } else if (type == ColumnType::kIp) {
    IpAddress ip;
    if (v.kind != QueryValue::Kind::kString || !ParseIpAddress(v.text, &ip)) return UINT64_MAX;  // a CIDR block
    s = segment_->PagePostings(col, ip, &pages);
  } else if (IsIntegerLike(type) && type != ColumnType::kTimestamp && v.kind == QueryValue::Kind::kInteger &&
             v.integer >= 0) {
    s = segment_->PagePostings(col, static_cast<uint64_t>(v.integer), &pages);
  } else {
    return UINT64_MAX;
  }
  return s.ok() && pages ? roaring_bitmap_get_cardinality(pages.get()) : UINT64_MAX;
}

Status SegmentMatcher::MatchLeaf(const Query& q, Bitmap* rows) {
  *rows = NewBitmap();
  using D = ResolvedField::Derivation;
  if (q.kind == Query::Kind::kIds) {
    if (!catalog_->flow_index()) {
      Query terms = q;
      terms.kind = Query::Kind::kTerms;
      terms.field = "_id";
      ResolvedField id;
      id.known = true;
      id.columns = {"_id"};
      const int col = segment_->FindColumn("_id");
      return col < 0 ? Status::OK() : MatchColumn(terms, col, id, rows);
    }
    // Flow ids: "<hash of the source key>-<line offset>".
    const int src = segment_->FindColumn(kSourceKeyColumn), off = segment_->FindColumn(kLineOffsetColumn);
    if (src < 0 || off < 0) return Status::OK();
    const std::vector<std::string>* dict = nullptr;
    Status s = segment_->Dictionary(src, &dict);
    if (!s.ok()) return s;
    for (const QueryValue& v : q.values) {
      const size_t dash = v.text.find('-');
      if (dash == std::string::npos) continue;
      const std::string hash = v.text.substr(0, dash);
      for (size_t code = 0; code < dict->size(); ++code) {
        const std::string id = DocumentIdFor((*dict)[code], 0);
        if (id.compare(0, dash, hash) != 0) continue;
        Bitmap by_source = NewBitmap(), by_offset = NewBitmap();
        s = Scan(*segment_, src, nullptr, AnyBlock,
                 [&](const ColumnBlock& b, size_t k) { return b.values[k] == code; }, &by_source, &blocks_read_, restrict_rows_);
        if (!s.ok()) return s;
        const std::string offset = v.text.substr(dash + 1);
        char* end = nullptr;
        const unsigned long long o = std::strtoull(offset.c_str(), &end, 10);
        if (offset.empty() || end != offset.c_str() + offset.size()) continue;
        s = Scan(*segment_, off, nullptr, [&](const BlockStats& st) { return st.min <= o && o <= st.max; },
                 [&](const ColumnBlock& b, size_t k) { return b.values[k] == o; }, &by_offset, &blocks_read_, restrict_rows_);
        if (!s.ok()) return s;
        roaring_bitmap_and_inplace(by_source.get(), by_offset.get());
        roaring_bitmap_or_inplace(rows->get(), by_source.get());
      }
    }
    return Status::OK();
  }

  if (q.field.find('*') != std::string::npos) {
    // Every stored field whose name fits the pattern; a value that does not
    // fit a field's type does not match there (Kibana sends these lenient).
    for (size_t c = 0; c < segment_->meta().columns.size(); ++c) {
      const std::string& name = segment_->meta().columns[c].name;
      if (name.rfind("_", 0) == 0 || !GlobMatch(q.field, name)) continue;
      Query one = q;
      one.field = name;
      Bitmap m;
      Status s = MatchLeaf(one, &m);
      if (s.IsInvalidArgument()) continue;
      if (!s.ok()) return s;
      roaring_bitmap_or_inplace(rows->get(), m.get());
    }
    return Status::OK();
  }
  const ResolvedField field = catalog_->Resolve(q.field);
  if (!field.known) return Status::OK();  // unmapped: matches nothing

  // Fields computed from others.
  switch (field.derivation) {
    case D::kNone: break;
    case D::kConstant: {
      bool hit = q.kind == Query::Kind::kExists;
      for (const QueryValue& v : q.values) {
        const std::string s = v.ToString();
        hit = hit || (q.kind == Query::Kind::kMatch ? Lower(s) == field.constant : s == field.constant) ||
              (q.kind == Query::Kind::kPrefix && field.constant.rfind(s, 0) == 0) ||
              (q.kind == Query::Kind::kWildcard && GlobMatch(s, field.constant)) ||
              (q.kind == Query::Kind::kRegexp && RE2::FullMatch(field.constant, RE2(s, RE2::Quiet)));
      }
      if (hit) *rows = AllRows();
      return Status::OK();
    }
    case D::kOutcome:
    case D::kEventType: {
      const int col = segment_->FindColumn("event.action");
      if (q.kind == Query::Kind::kExists) {
        if (field.derivation == D::kEventType) return *rows = AllRows(), Status::OK();
        return col < 0 ? Status::OK() : MatchColumn(q, col, field, rows);
      }
      Query terms;
      terms.kind = Query::Kind::kTerms;
      terms.field = "event.action";
      for (const QueryValue& v : q.values) {
        const std::string s = q.case_insensitive || q.kind == Query::Kind::kMatch ? Lower(v.ToString()) : v.ToString();
        if (field.derivation == D::kEventType && s == "connection") return *rows = AllRows(), Status::OK();
        if (s == (field.derivation == D::kOutcome ? "success" : "allowed")) terms.values.push_back(QueryValue::String("ACCEPT"));
        if (s == (field.derivation == D::kOutcome ? "failure" : "denied")) terms.values.push_back(QueryValue::String("REJECT"));
      }
      if (terms.values.empty() || col < 0) return Status::OK();
      ResolvedField action;
      action.known = true;
      action.columns = {"event.action"};
      return MatchColumn(terms, col, action, rows);
    }
    case D::kTransport: {
      const int col = segment_->FindColumn("network.iana_number");
      if (col < 0) return Status::OK();
      std::set<std::string> names;
      for (const QueryValue& v : q.values) names.insert(Lower(v.ToString()));
      const bool exists = q.kind == Query::Kind::kExists;
      return Scan(*segment_, col, nullptr, AnyBlock,
                  [&](const ColumnBlock& b, size_t k) {
                    const std::string_view name = TransportName(static_cast<uint8_t>(b.values[k]));
                    return exists ? !name.empty() : names.count(std::string(name)) > 0;
                  },
                  rows, &blocks_read_, restrict_rows_);
    }
    case D::kNetworkType: {
      const int col = segment_->FindColumn("source.ip");
      if (col < 0) return Status::OK();
      bool want4 = q.kind == Query::Kind::kExists, want6 = want4;
      for (const QueryValue& v : q.values) {
        const std::string s = Lower(v.ToString());
        want4 = want4 || s == "ipv4";
        want6 = want6 || s == "ipv6";
      }
      return Scan(*segment_, col, nullptr, AnyBlock,
                  [&](const ColumnBlock& b, size_t k) { return b.ip(k).is_v4() ? want4 : want6; }, rows,
                  &blocks_read_, restrict_rows_);
    }
    case D::kTcpFlagsNames: {
      const int col = segment_->FindColumn("aws.vpcflow.tcp_flags");
      if (col < 0) return Status::OK();
      uint64_t mask = 0;
      static constexpr std::string_view kNames[] = {"fin", "syn", "rst", "psh", "ack", "urg"};
      for (const QueryValue& v : q.values) {
        const std::string s = Lower(v.ToString());
        for (int bit = 0; bit < 6; ++bit) {
          if (s == kNames[bit]) mask |= uint64_t{1} << bit;
        }
      }
      // No flag set gives an empty array, which Elasticsearch treats as missing.
      if (q.kind == Query::Kind::kExists) mask = 0x3f;
      if (mask == 0) return Status::OK();
      return Scan(*segment_, col, nullptr, AnyBlock,
                  [&](const ColumnBlock& b, size_t k) { return (b.values[k] & mask) != 0; }, rows, &blocks_read_, restrict_rows_);
    }
  }
  for (const std::string& name : field.columns) {
    const int col = segment_->FindColumn(name);
    if (col < 0) continue;
    Bitmap m = NewBitmap();
    Status s = MatchColumn(q, col, field, &m);
    if (!s.ok()) return s;
    roaring_bitmap_or_inplace(rows->get(), m.get());
  }
  return Status::OK();
}

Status SegmentMatcher::MatchColumn(const Query& q, int col, const ResolvedField&, Bitmap* rows) {
  const ColumnMeta& meta = segment_->meta().columns[col];
  const ColumnType type = meta.type;
  const std::string& field = q.field;
  if (q.kind == Query::Kind::kExists) {
    return Scan(*segment_, col, nullptr, AnyBlock, [](const ColumnBlock&, size_t) { return true; }, rows,
                &blocks_read_, restrict_rows_);
  }
  const bool is_set = q.kind == Query::Kind::kTerm || q.kind == Query::Kind::kTerms || q.kind == Query::Kind::kIds ||
                      q.kind == Query::Kind::kMatchPhrase;

  if (HasDictionary(type)) {
    const std::vector<std::string>* dict = nullptr;
    Status s = segment_->Dictionary(col, &dict);
    if (!s.ok()) return s;
    std::unique_ptr<RE2> regexp;
    if (q.kind == Query::Kind::kRegexp) {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_case_sensitive(!q.case_insensitive);
      regexp = std::make_unique<RE2>(q.values[0].ToString(), options);
      if (!regexp->ok()) {
        return Status::InvalidArgument(fmt::format("failed to create query: {}", regexp->error()));
      }
    }
    if (type == ColumnType::kText && (q.kind == Query::Kind::kWildcard || q.kind == Query::Kind::kRegexp)) {
      // A pattern on text matches a token of the value.
      const std::string pattern = Lower(q.values[0].ToString());
      std::vector<bool> wanted(dict->size(), false);
      bool any = false;
      for (size_t code = 0; code < dict->size(); ++code) {
        ForEachToken((*dict)[code], [&](std::string_view t) {
          if (wanted[code]) return;
          const bool hit = regexp ? RE2::FullMatch(re2::StringPiece(t.data(), t.size()), *regexp) : GlobMatch(pattern, t);
          if (hit) wanted[code] = any = true;
        });
      }
      if (!any) return Status::OK();
      return Scan(*segment_, col, nullptr, AnyBlock,
                  [&](const ColumnBlock& b, size_t k) { return wanted[b.values[k]]; }, rows, &blocks_read_, restrict_rows_);
    }
    if (type == ColumnType::kText && q.kind == Query::Kind::kMatchPhrase) {
      std::vector<std::string> phrase;
      ForEachToken(q.values[0].ToString(), [&](std::string_view t) { phrase.emplace_back(t); });
      if (phrase.empty()) return Status::OK();
      std::vector<bool> wanted(dict->size(), false);
      for (size_t code = 0; code < dict->size(); ++code) {
        std::vector<std::string> tokens;
        ForEachToken((*dict)[code], [&](std::string_view t) { tokens.emplace_back(t); });
        wanted[code] = std::search(tokens.begin(), tokens.end(), phrase.begin(), phrase.end()) != tokens.end();
      }
      Bitmap pages;
      const roaring_bitmap_t* page_filter = nullptr;
      if (segment_->HasPostings(col)) {
        s = segment_->TokenPostings(col, phrase[0], &pages);
        if (!s.ok()) return s;
        page_filter = pages.get();
      }
      return Scan(*segment_, col, page_filter, AnyBlock,
                  [&](const ColumnBlock& b, size_t k) { return wanted[b.values[k]]; }, rows, &blocks_read_, restrict_rows_);
    }
    if (type == ColumnType::kText && (q.kind == Query::Kind::kMatch || is_set)) {
      // Full text: the query's tokens against each value's tokens.
      std::vector<std::string> tokens;
      for (const QueryValue& v : q.values) {
        if (q.kind == Query::Kind::kMatch) {
          ForEachToken(v.ToString(), [&](std::string_view t) { tokens.emplace_back(t); });
        } else {
          tokens.push_back(v.ToString());  // a term is one token, not analyzed
        }
      }
      if (tokens.empty()) return Status::OK();
      const bool all = q.kind == Query::Kind::kMatch && q.match_all_tokens;
      // Codes whose value has any (or every) query token.
      std::vector<bool> wanted(dict->size(), false);
      for (size_t code = 0; code < dict->size(); ++code) {
        size_t found = 0;
        std::set<std::string, std::less<>> have;
        ForEachToken((*dict)[code], [&](std::string_view t) { have.emplace(t); });
        for (const std::string& t : tokens) found += have.count(t);
        wanted[code] = all ? found == tokens.size() : found > 0;
      }
      Bitmap pages;
      const roaring_bitmap_t* page_filter = nullptr;
      if (segment_->HasPostings(col)) {
        pages = NewBitmap();
        for (size_t t = 0; t < tokens.size(); ++t) {
          Bitmap p;
          s = segment_->TokenPostings(col, tokens[t], &p);
          if (!s.ok()) return s;
          if (all && t > 0) {
            roaring_bitmap_and_inplace(pages.get(), p.get());
          } else {
            roaring_bitmap_or_inplace(pages.get(), p.get());
          }
        }
        page_filter = pages.get();
      }
      return Scan(*segment_, col, page_filter, AnyBlock,
                  [&](const ColumnBlock& b, size_t k) { return wanted[b.values[k]]; }, rows, &blocks_read_, restrict_rows_);
    }
    // Keywords: decide per dictionary entry, then scan codes.
    std::vector<uint8_t> wanted(dict->size(), 0);
    std::vector<uint64_t> codes;
    for (size_t code = 0; code < dict->size(); ++code) {
      const std::string& value = (*dict)[code];
      bool hit = false;
      switch (q.kind) {
        case Query::Kind::kTerm:
        case Query::Kind::kTerms:
        case Query::Kind::kIds:
        case Query::Kind::kMatch:
        case Query::Kind::kMatchPhrase:
          for (const QueryValue& v : q.values) {
            hit = hit || (q.case_insensitive ? Lower(value) == Lower(v.ToString()) : value == v.ToString());
          }
          break;
        case Query::Kind::kPrefix:
          hit = q.case_insensitive ? Lower(value).rfind(Lower(q.values[0].ToString()), 0) == 0
                                   : value.rfind(q.values[0].ToString(), 0) == 0;
          break;
        case Query::Kind::kWildcard:
          hit = q.case_insensitive ? GlobMatch(Lower(q.values[0].ToString()), Lower(value))
                                   : GlobMatch(q.values[0].ToString(), value);
          break;
        case Query::Kind::kRegexp: hit = RE2::FullMatch(value, *regexp); break;
        case Query::Kind::kRange:
          hit = (!q.gt || value > q.gt->ToString()) && (!q.gte || value >= q.gte->ToString()) &&
                (!q.lt || value < q.lt->ToString()) && (!q.lte || value <= q.lte->ToString());
          break;
        default: break;
      }
      if (hit) {
        wanted[code] = true;
        codes.push_back(code);
      }
    }
    if (codes.empty()) return Status::OK();
    Bitmap pages;
    const roaring_bitmap_t* page_filter = nullptr;
    if (segment_->HasPostings(col) && codes.size() <= 256) {
      pages = NewBitmap();
      for (uint64_t code : codes) {
        Bitmap p;
        s = segment_->PagePostings(col, code, &p);
        if (!s.ok()) return s;
        roaring_bitmap_or_inplace(pages.get(), p.get());
      }
      page_filter = pages.get();
    }
    const uint64_t lo = codes.front(), hi = codes.back();
    auto in_range = [&](const BlockStats& st) { return st.max >= lo && st.min <= hi; };
    if (codes.size() == 1) {
      return Scan(*segment_, col, page_filter, in_range, [&](const ColumnBlock& b, size_t k) { return b.values[k] == lo; },
                  rows, &blocks_read_, restrict_rows_);
    }
    return Scan(*segment_, col, page_filter, in_range, [&](const ColumnBlock& b, size_t k) { return wanted[b.values[k]] != 0; },
                rows, &blocks_read_, restrict_rows_);
  }

  if (type == ColumnType::kIp) {
    std::vector<std::pair<Key16, Key16>> ranges;
    if (q.kind == Query::Kind::kRange) {
      Key16 lo{}, hi;
      hi.fill(0xff);
      Key16 a, b;
      if (q.gte) {
        if (!ReadIpRange(*q.gte, &a, &b)) return Unreadable(*q.gte, field, "IP address");
        lo = a;
      }
      if (q.gt) {
        if (!ReadIpRange(*q.gt, &a, &b)) return Unreadable(*q.gt, field, "IP address");
        lo = b;  // exclusive: step past it below
        for (int i = 15; i >= 0 && ++lo[i] == 0; --i) {
        }
      }
      if (q.lte) {
        if (!ReadIpRange(*q.lte, &a, &b)) return Unreadable(*q.lte, field, "IP address");
        hi = b;
      }
      if (q.lt) {
        if (!ReadIpRange(*q.lt, &a, &b)) return Unreadable(*q.lt, field, "IP address");
        hi = a;
        for (int i = 15; i >= 0 && hi[i]-- == 0; --i) {
        }
      }
      ranges.emplace_back(lo, hi);
    } else if (is_set || q.kind == Query::Kind::kMatch) {
      for (const QueryValue& v : q.values) {
        Key16 lo, hi;
        if (!ReadIpRange(v, &lo, &hi)) return Unreadable(v, field, "IP address or CIDR block");
        ranges.emplace_back(lo, hi);
      }
    } else {
      return Status::OK();  // prefix and wildcard do not apply to addresses
    }
    // Exact addresses can use the postings.
    Bitmap pages;
    const roaring_bitmap_t* page_filter = nullptr;
    const bool exact = std::all_of(ranges.begin(), ranges.end(), [](const auto& r) { return r.first == r.second; });
    if (exact && segment_->HasPostings(col) && ranges.size() <= 256) {
      pages = NewBitmap();
      for (const auto& r : ranges) {
        IpAddress ip;
        ip.family = IpAddress::Family::kV6;
        ip.bytes = r.first;
        Bitmap p;
        Status s = segment_->PagePostings(col, ip, &p);  // v6 form and v4-mapped keys agree
        if (!s.ok()) return s;
        roaring_bitmap_or_inplace(pages.get(), p.get());
      }
      page_filter = pages.get();
    }
    // IPv4 rows compare as 32-bit integers against the ranges' IPv4 parts.
    static const Key16 kV4Lo = IpSortKey(IpAddress::FromV4(0)), kV4Hi = IpSortKey(IpAddress::FromV4(0xFFFFFFFFu));
    std::vector<std::pair<uint32_t, uint32_t>> v4_ranges;
    for (const auto& [a, z] : ranges) {
      if (z < kV4Lo || kV4Hi < a) continue;
      const Key16 lo4 = a < kV4Lo ? kV4Lo : a, hi4 = kV4Hi < z ? kV4Hi : z;
      auto u32 = [](const Key16& k) {
        return (uint32_t{k[12]} << 24) | (uint32_t{k[13]} << 16) | (uint32_t{k[14]} << 8) | k[15];
      };
      v4_ranges.emplace_back(u32(lo4), u32(hi4));
    }
    // Single addresses (a terms query on top talkers) go in a small
    // open-addressing set probed without branches: a row is a multiply and
    // a few compares, where a binary search (or a probe loop) mispredicts
    // on every other row.
    const bool addresses = std::all_of(v4_ranges.begin(), v4_ranges.end(), [](const auto& r) { return r.first == r.second; });
    std::vector<uint64_t> v4_set;  // address + 1, 0 = empty; v4_probes more entries past the end
    int v4_shift = 64;
    size_t v4_probes = 0;          // the longest probe sequence, less one
    if (addresses && v4_ranges.size() > 1) {
      size_t capacity = 64;
      while (capacity < v4_ranges.size() * 8) capacity *= 2;
      v4_shift = 64 - std::countr_zero(capacity);
      v4_set.assign(capacity, 0);
      for (const auto& r : v4_ranges) {
        size_t i = (uint64_t{r.first} * 0x9E3779B97F4A7C15ull) >> v4_shift, probes = 0;
        while (v4_set[i] != 0 && v4_set[i] != uint64_t{r.first} + 1) {
          i = (i + 1) & (capacity - 1);
          ++probes;
        }
        v4_set[i] = uint64_t{r.first} + 1;
        v4_probes = std::max(v4_probes, probes);
      }
      // The probes wrap around: the first entries again, past the end.
      for (size_t j = 0; j < v4_probes; ++j) v4_set.push_back(v4_set[j]);
    }
    // Sorted and merged, so that a row needs a binary search, not a pass
    // over every range (terms on the 25 top talkers, say).
    std::sort(v4_ranges.begin(), v4_ranges.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (const auto& r : v4_ranges) {
      if (!merged.empty() && (merged.back().second == UINT32_MAX || r.first <= merged.back().second + 1)) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(r);
      }
    }
    v4_ranges.swap(merged);
    std::vector<uint32_t> v4_starts;
    for (const auto& r : v4_ranges) v4_starts.push_back(r.first);
    auto in_v4_ranges = [&](uint32_t v) {
      if (!v4_set.empty()) {
        const uint64_t want = uint64_t{v} + 1;
        const uint64_t* at = v4_set.data() + ((uint64_t{v} * 0x9E3779B97F4A7C15ull) >> v4_shift);
        bool found = at[0] == want;
        for (size_t j = 1; j <= v4_probes; ++j) found |= at[j] == want;
        return found;
      }
      // The last range starting at or before v.
      const auto it = std::upper_bound(v4_starts.begin(), v4_starts.end(), v);
      return it != v4_starts.begin() && v <= v4_ranges[static_cast<size_t>(it - v4_starts.begin()) - 1].second;
    };
    const bool one_v4 = v4_ranges.size() == 1;
    const uint32_t v4_lo = one_v4 ? v4_ranges[0].first : 0, v4_span = one_v4 ? v4_ranges[0].second - v4_lo : 0;
    return Scan(*segment_, col, page_filter,
                [&](const BlockStats& st) {
                  for (const auto& r : ranges) {
                    if (!(st.max_ip < r.first) && !(r.second < st.min_ip)) return true;
                  }
                  return false;
                },
                [&](const ColumnBlock& b, size_t k) {
                  if (!b.v4.empty() && !b.is_v6(k)) {
                    const uint32_t v = b.v4[k];
                    if (one_v4) return (v - v4_lo) <= v4_span;  // one range: a single unsigned compare
                    return in_v4_ranges(v);
                  }
                  const IpAddress& ip = b.ips[k];
                  if (ip.is_v4()) return in_v4_ranges(ip.v4());
                  const Key16 key = IpSortKey(ip);
                  for (const auto& r : ranges) {
                    if (!(key < r.first) && !(r.second < key)) return true;
                  }
                  return false;
                },
                rows, &blocks_read_, restrict_rows_);
  }

  if (type == ColumnType::kDouble) {
    double lo = -INFINITY, hi = INFINITY;
    bool lo_open = false, hi_open = false;
    std::vector<double> set;
    auto read = [&](const QueryValue& v, double* d) { return ReadDouble(v, d); };
    if (q.kind == Query::Kind::kRange) {
      double d;
      if (q.gte && !read(*q.gte, &lo)) return Unreadable(*q.gte, field, "number");
      if (q.gt) {
        if (!read(*q.gt, &d)) return Unreadable(*q.gt, field, "number");
        lo = d;
        lo_open = true;
      }
      if (q.lte && !read(*q.lte, &hi)) return Unreadable(*q.lte, field, "number");
      if (q.lt) {
        if (!read(*q.lt, &d)) return Unreadable(*q.lt, field, "number");
        hi = d;
        hi_open = true;
      }
    } else if (is_set || q.kind == Query::Kind::kMatch) {
      for (const QueryValue& v : q.values) {
        double d;
        if (!read(v, &d)) return Unreadable(v, field, "number");
        set.push_back(d);
      }
    } else {
      return Status::OK();
    }
    const bool range = q.kind == Query::Kind::kRange;
    return Scan(*segment_, col, nullptr, AnyBlock,
                [&](const ColumnBlock& b, size_t k) {
                  const double d = StoredDouble(b.values[k]);
                  if (range) return (lo_open ? d > lo : d >= lo) && (hi_open ? d < hi : d <= hi);
                  return std::find(set.begin(), set.end(), d) != set.end();
                },
                rows, &blocks_read_, restrict_rows_);
  }

  // Integers, timestamps and booleans: compare as wide integers.
  const bool is_date = type == ColumnType::kTimestamp;
  const bool is_bool = type == ColumnType::kBool;
  DateFormat date_format;
  TimeZone time_zone;
  if (is_date && !q.date_format.empty()) {
    if (Status s = DateFormat::Parse(q.date_format, &date_format); !s.ok()) return s;
  }
  if (is_date) {
    if (Status s = TimeZone::Parse(q.time_zone, &time_zone); !s.ok()) return s;
  }
  // round_up: an upper bound that includes its unit (lte, gt).
  auto read = [&](const QueryValue& v, Wide* w, bool* exact, bool round_up = false) -> Status {
    *exact = true;
    if (is_date) {
      int64_t ms;
      if (v.kind == QueryValue::Kind::kString) {
        if (Status s = EvaluateDateMath(v.text, now_ms_, date_format, time_zone, round_up, &ms); !s.ok()) return s;
      } else if (!ReadDate(v, &ms)) {
        return Unreadable(v, field, "date");
      }
      *w = ms;
      return Status::OK();
    }
    if (is_bool) {
      bool b;
      if (!ReadBool(v, &b)) return Unreadable(v, field, "boolean");
      *w = b;
      return Status::OK();
    }
    if (!ReadInteger(v, w, exact)) return Unreadable(v, field, "number");
    return Status::OK();
  };
  std::vector<Wide> set;
  Wide lo = std::numeric_limits<int64_t>::min(), hi = static_cast<Wide>(std::numeric_limits<uint64_t>::max());
  if (q.kind == Query::Kind::kRange) {
    Wide w;
    bool exact;
    // Bounds with fractions round inwards, as Elasticsearch rounds them.
    if (q.gte) {
      if (Status s = read(*q.gte, &w, &exact); !s.ok()) return s;
      lo = std::max(lo, exact ? w : w + 1);
    }
    if (q.gt) {
      if (Status s = read(*q.gt, &w, &exact, true); !s.ok()) return s;
      lo = std::max(lo, w + 1);
    }
    if (q.lte) {
      if (Status s = read(*q.lte, &w, &exact, true); !s.ok()) return s;
      hi = std::min(hi, w);
    }
    if (q.lt) {
      if (Status s = read(*q.lt, &w, &exact); !s.ok()) return s;
      hi = std::min(hi, exact ? w - 1 : w);
    }
    if (lo > hi) return Status::OK();
  } else if (is_date && (q.kind == Query::Kind::kMatch || q.kind == Query::Kind::kMatchPhrase) &&
             q.values.size() == 1 && q.values[0].kind == QueryValue::Kind::kString) {
    // A date matches the span its text names: a day, a minute, a second.
    int64_t from_ms, to_ms;
    if (!DateSpan(q.values[0].text, q.date_format, q.time_zone, &from_ms, &to_ms)) return Unreadable(q.values[0], field, "date");
    lo = from_ms;
    hi = to_ms;
  } else if (is_set || q.kind == Query::Kind::kMatch) {
    for (const QueryValue& v : q.values) {
      Wide w;
      bool exact;
      if (Status s = read(v, &w, &exact); !s.ok()) return s;
      if (exact) set.push_back(w);
    }
    if (set.empty()) return Status::OK();
    std::sort(set.begin(), set.end());
    lo = set.front();
    hi = set.back();
  } else {
    return Status::OK();  // prefix and wildcard do not apply to numbers
  }
  Bitmap pages;
  const roaring_bitmap_t* page_filter = nullptr;
  if (!set.empty() && segment_->HasPostings(col) && set.size() <= 256) {
    pages = NewBitmap();
    for (Wide w : set) {
      if (w < 0 || w > static_cast<Wide>(MaxValue(type))) continue;
      Bitmap p;
      Status s = segment_->PagePostings(col, static_cast<uint64_t>(w), &p);
      if (!s.ok()) return s;
      roaring_bitmap_or_inplace(pages.get(), p.get());
    }
    page_filter = pages.get();
  }
  return Scan(*segment_, col, page_filter,
              [&](const BlockStats& st) {
                return StoredValue(type, st.max) >= lo && StoredValue(type, st.min) <= hi;
              },
              [&](const ColumnBlock& b, size_t k) {
                const Wide v = StoredValue(type, b.values[k]);
                if (set.empty()) return v >= lo && v <= hi;
                return std::binary_search(set.begin(), set.end(), v);
              },
              rows, &blocks_read_, restrict_rows_);
}

}  // namespace flowdex
