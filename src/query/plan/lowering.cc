#include "query/plan/lowering.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "flowlog/ip_address.h"
#include "inventory/inventory_history.h"
#include "query/date_math.h"
#include "query/plan/query_values.h"
#include "store/column_codec.h"
#include "store/tokenizer.h"
#include "util/glob.h"

namespace flowdex {

namespace {

// A value the field's type cannot read, in the words of the Java parsers
// behind Elasticsearch's answer (Long.parseLong, InetAddresses.forString,
// Booleans.parseBoolean), which its users search for.
Status Unreadable(const QueryValue& v, std::string_view field, std::string_view what) {
  const std::string text = v.ToString();
  if (what == "number")
    return Status::QueryValue(fmt::format("failed to create query: For input string: \"{}\"", text));
  if (what.rfind("IP address", 0) == 0) {
    return Status::QueryValue(fmt::format("failed to create query: '{}' is not an IP string literal.", text));
  }
  if (what == "boolean") {
    return Status::QueryValue(
        fmt::format("failed to create query: Failed to parse value [{}] as only [true] or [false] are allowed.", text));
  }
  return Status::QueryValue(
      fmt::format("failed to create query: [{}] is not a valid {} for field [{}]", text, what, field));
}

bool IsIntegerType(FieldType t) {
  return t == FieldType::kLong || t == FieldType::kInteger || t == FieldType::kShort || t == FieldType::kByte;
}
bool IsDoubleType(FieldType t) {
  return t == FieldType::kDouble || t == FieldType::kFloat || t == FieldType::kHalfFloat ||
         t == FieldType::kScaledFloat;
}

// Either of a predicate's two forms: one predicate, or `any` of several.
Predicate AnyOf(std::vector<Predicate> any) {
  std::erase_if(any, [](const Predicate& p) { return p.Is<NoRows>(); });
  if (any.empty()) return NoRows{};
  for (const Predicate& p : any) {
    if (p.Is<AllRows>()) return AllRows{};
  }
  if (any.size() == 1) return std::move(any[0]);
  BoolPredicate b;
  b.should = std::move(any);
  b.minimum_should = 1;
  return b;
}

// `p` except on rows where `column` has a value.
Predicate Unless(Predicate p, const std::string& column) {
  if (p.Is<NoRows>()) return p;
  BoolPredicate b;
  b.required.push_back(std::move(p));
  Predicate hidden = ColumnExists{column};
  hidden.cache_key = "exists|" + column;
  b.excluded.push_back(std::move(hidden));
  return b;
}

// The keyword test a leaf query asks, for keyword fields (stored or derived).
Status KeywordTest(const Query& q, StringTest* out) {
  if (const auto* t = q.As<TermQuery>()) {
    *out = StringTest::Equals({t->value.ToString()}, t->case_insensitive);
  } else if (const auto* terms = q.As<TermsQuery>()) {
    std::vector<std::string> values;
    for (const QueryValue& v : terms->values) values.push_back(v.ToString());
    *out = StringTest::Equals(std::move(values), false);
  } else if (const auto* m = q.As<MatchQuery>()) {
    *out = StringTest::Equals({m->value.ToString()}, m->case_insensitive);
  } else if (const auto* phrase = q.As<MatchPhraseQuery>()) {
    *out = StringTest::Equals({phrase->value.ToString()}, phrase->case_insensitive);
  } else if (const auto* p = q.As<PrefixQuery>()) {
    *out = StringTest::Prefix(p->prefix, p->case_insensitive);
  } else if (const auto* w = q.As<WildcardQuery>()) {
    *out = StringTest::Wildcard(w->pattern, w->case_insensitive);
  } else if (const auto* re = q.As<RegexpQuery>()) {
    return StringTest::Regexp(re->pattern, re->case_insensitive, out);
  } else if (const auto* r = q.As<RangeQuery>()) {
    std::optional<std::string> lo, hi;
    bool lo_inclusive = true, hi_inclusive = true;
    if (r->gte) lo = r->gte->ToString();
    if (r->gt && (!lo || r->gt->ToString() >= *lo)) lo = r->gt->ToString(), lo_inclusive = false;
    if (r->lte) hi = r->lte->ToString();
    if (r->lt && (!hi || r->lt->ToString() <= *hi)) hi = r->lt->ToString(), hi_inclusive = false;
    *out = StringTest::Range(std::move(lo), lo_inclusive, std::move(hi), hi_inclusive);
  } else {
    *out = StringTest::Any();  // exists
  }
  return Status::OK();
}

// A canonical decimal ("6", not "06" or "+6") as an integer.
bool ReadDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return false;
    v = next;
  }
  *out = v;
  return true;
}

// A 128-bit integer in decimal (they hold int64 and uint64 values only).
std::string WideText(Wide w) {
  if (w < 0) return "-" + std::to_string(static_cast<uint64_t>(-(w + 1)) + 1);
  return std::to_string(static_cast<uint64_t>(w));
}

// The text Elasticsearch shows for a Community ID: "1:" and 28 base64 characters.
bool LooksLikeCommunityId(std::string_view s) { return s.size() == 30 && s.starts_with("1:"); }

class Lowerer {
 public:
  Lowerer(const FieldCatalog* catalog, int64_t now_ms, const InventoryHistory* inventory)
      : catalog_(catalog), now_ms_(now_ms), inventory_(inventory) {}

  Status Lower(const Query& q, Predicate* out, int depth) {
    if (depth > kMaxQueryDepth) return Status::InvalidArgument("query nested too deeply");
    if (q.Is<MatchAllQuery>()) return *out = AllRows{}, Status::OK();
    if (q.Is<MatchNoneQuery>()) return *out = NoRows{}, Status::OK();
    if (const auto* b = q.As<BoolQuery>()) return LowerBool(*b, out, depth);
    if (const auto* ids = q.As<IdsQuery>()) return LowerIds(ids->ids, out);
    const std::string& field = q.field();
    if (field == "_id") return LowerIdField(q, out);
    if (field.find('*') != std::string::npos) return LowerPattern(q, field, out);
    Status s = LowerLeaf(q, catalog_->Resolve(field), now_ms_, out, inventory_);
    if (q.lenient && (s.code() == Status::Code::kQueryValue || s.code() == Status::Code::kDateValue)) {
      *out = NoRows{};  // a value the field cannot take matches nothing there
      return Status::OK();
    }
    return s;
  }

 private:
  Status LowerBool(const BoolQuery& q, Predicate* out, int depth) {
    BoolPredicate b;
    auto lower_all = [&](const std::vector<Query>& in, std::vector<Predicate>* to) -> Status {
      for (const Query& c : in) {
        Predicate p;
        Status s = Lower(c, &p, depth + 1);
        if (!s.ok()) return s;
        to->push_back(std::move(p));
      }
      return Status::OK();
    };
    Status s = lower_all(q.must, &b.required);
    if (s.ok()) s = lower_all(q.filter, &b.required);
    if (s.ok()) s = lower_all(q.should, &b.should);
    if (s.ok()) s = lower_all(q.must_not, &b.excluded);
    if (!s.ok()) return s;
    b.minimum_should = q.minimum_should_match >= 0 ? q.minimum_should_match
                                                   : (!q.should.empty() && q.must.empty() && q.filter.empty() ? 1 : 0);
    // What is decided without reading anything.
    if (b.minimum_should > static_cast<int>(b.should.size())) return *out = NoRows{}, Status::OK();
    if (b.minimum_should == 0) b.should.clear();  // should clauses only score, and flowdex does not
    for (const Predicate& p : b.required) {
      if (p.Is<NoRows>()) return *out = NoRows{}, Status::OK();
    }
    for (const Predicate& p : b.excluded) {
      if (p.Is<AllRows>()) return *out = NoRows{}, Status::OK();
    }
    std::erase_if(b.required, [](const Predicate& p) { return p.Is<AllRows>(); });
    std::erase_if(b.excluded, [](const Predicate& p) { return p.Is<NoRows>(); });
    const int always = static_cast<int>(
        std::count_if(b.should.begin(), b.should.end(), [](const Predicate& p) { return p.Is<AllRows>(); }));
    std::erase_if(b.should, [](const Predicate& p) { return p.Is<NoRows>() || p.Is<AllRows>(); });
    b.minimum_should = std::max(0, b.minimum_should - always);
    if (b.minimum_should > static_cast<int>(b.should.size())) return *out = NoRows{}, Status::OK();
    if (b.minimum_should == 0) b.should.clear();
    if (b.excluded.empty() && b.should.empty()) {
      if (b.required.empty()) return *out = AllRows{}, Status::OK();
      if (b.required.size() == 1) return *out = std::move(b.required[0]), Status::OK();
    }
    if (b.excluded.empty() && b.required.empty() && b.should.size() == 1) {
      return *out = std::move(b.should[0]), Status::OK();
    }
    *out = std::move(b);
    return Status::OK();
  }

  // ids: flow records by their derived ids; documents by the _id column.
  Status LowerIds(const std::vector<std::string>& ids, Predicate* out) {
    if (!catalog_->flow()) {
      Predicate p = KeywordPredicate{"_id", StringTest::Equals(ids, false)};
      p.cache_key = "kw|_id|" + p.As<KeywordPredicate>()->test.Key();
      *out = std::move(p);
      return Status::OK();
    }
    FlowIdPredicate f;
    for (const std::string& id : ids) {
      const size_t dash = id.find('-');
      uint64_t offset = 0;
      if (dash == std::string::npos || !ReadDecimal(std::string_view(id).substr(dash + 1), &offset)) continue;
      f.ids.emplace_back(id.substr(0, dash), offset);
    }
    if (f.ids.empty()) return *out = NoRows{}, Status::OK();
    *out = std::move(f);
    return Status::OK();
  }

  // term, terms and match on _id are ids queries.
  Status LowerIdField(const Query& q, Predicate* out) {
    std::vector<std::string> ids;
    if (const auto* t = q.As<TermQuery>()) ids.push_back(t->value.ToString());
    if (const auto* t = q.As<TermsQuery>()) {
      for (const QueryValue& v : t->values) ids.push_back(v.ToString());
    }
    if (const auto* m = q.As<MatchQuery>()) ids.push_back(m->value.ToString());
    if (q.Is<ExistsQuery>()) return *out = AllRows{}, Status::OK();
    if (ids.empty()) return *out = NoRows{}, Status::OK();
    return LowerIds(ids, out);
  }

  // Every field the pattern names, leniently: a value that does not fit a
  // field's type does not match there (as Kibana's multi-field searches).
  // The Community ID is left out: computing it row by row for a free-text
  // search over every field would cost more than everything else together.
  Status LowerPattern(const Query& q, const std::string& pattern, Predicate* out) {
    std::vector<Predicate> any;
    for (const std::string& name : catalog_->FieldNames()) {
      if (name.starts_with("_") || !GlobMatch(pattern, name)) continue;
      const FieldBinding b = catalog_->Resolve(name);
      if (b.source == FieldSource::kCommunityId) continue;
      Predicate p;
      Status s = LowerLeaf(q, b, now_ms_, &p, inventory_);
      if (s.IsRequestError()) continue;
      if (!s.ok()) return s;
      any.push_back(std::move(p));
    }
    *out = AnyOf(std::move(any));
    return Status::OK();
  }

  const FieldCatalog* catalog_;
  int64_t now_ms_;
  const InventoryHistory* inventory_;
};

// ---------------------------------------------------------------------------
// Leaves on one field, by the field's type and the source of its values.

class LeafLowerer {
 public:
  LeafLowerer(const Query& q, const FieldBinding& b, int64_t now_ms, const InventoryHistory* inventory)
      : q_(q), b_(b), now_ms_(now_ms), inventory_(inventory) {}

  Status Lower(Predicate* out) {
    if (const auto* box = q_.As<GeoBoundingBoxQuery>()) {
      if (!b_.known) {
        if (box->ignore_unmapped) return *out = NoRows{}, Status::OK();
        return Status::QueryValue(fmt::format("failed to create query: failed to find geo field [{}]", b_.name));
      }
      if (b_.type != FieldType::kGeoPoint) {
        return Status::QueryValue(
            fmt::format("failed to create query: Field [{}] is of unsupported type [{}] for [geo_bounding_box] query",
                        b_.name, FieldTypeName(b_.type)));
      }
    }
    if (!b_.known) return *out = NoRows{}, Status::OK();
    Status s;
    switch (b_.source) {
      case FieldSource::kColumn: s = FromColumns(out); break;
      case FieldSource::kDecimalText: s = FromDecimalText(out); break;
      case FieldSource::kAddressText: s = FromAddressText(out); break;
      case FieldSource::kEnumerated: s = FromEnumerated(out); break;
      case FieldSource::kCommunityId: s = FromCommunityId(out); break;
      case FieldSource::kFact: s = FromFact(out); break;
    }
    if (!s.ok()) return s;
    if (!b_.hidden_by.empty()) *out = Unless(std::move(*out), b_.hidden_by);
    return Status::OK();
  }

 private:
  // A stored column (several: any of them), by the field's type.
  Status FromColumns(Predicate* out) {
    std::vector<Predicate> any;
    for (const std::string& column : b_.columns) {
      Predicate p;
      Status s = OnColumn(column, &p);
      if (!s.ok()) return s;
      any.push_back(std::move(p));
    }
    *out = AnyOf(std::move(any));
    return Status::OK();
  }

  Status OnColumn(const std::string& column, Predicate* out) {
    if (q_.Is<ExistsQuery>()) return Leaf(ColumnExists{column}, "exists|" + column, out);
    const FieldType t = b_.type;
    if (t == FieldType::kGeoPoint) return GeoPointLeaf(column, out);
    if (t == FieldType::kText) return TextLeaf(column, out);
    if (t == FieldType::kIp) return IpLeaf(column, out);
    if (IsDoubleType(t)) return DoubleLeaf(column, out);
    if (IsIntegerType(t) || t == FieldType::kDate || t == FieldType::kBoolean) return IntegerLeaf(column, out);
    StringTest test;
    if (Status s = KeywordTest(q_, &test); !s.ok()) return s;
    return Keyword(column, std::move(test), out);
  }

  // A geo_point column holds "lat,lon" keywords: a bounding box tests each
  // distinct point once (per dictionary); other queries are refused with
  // Elasticsearch's reasons.
  Status GeoPointLeaf(const std::string& column, Predicate* out) {
    StringTest test;
    if (Status s = GeoPointTest(&test); !s.ok()) return s;
    return Keyword(column, std::move(test), out);
  }
  Status GeoPointTest(StringTest* out) {
    if (const auto* box = q_.As<GeoBoundingBoxQuery>()) {
      *out = StringTest::GeoBox(box->top, box->left, box->bottom, box->right);
      return Status::OK();
    }
    const std::string& f = b_.name;
    if (q_.Is<RangeQuery>()) {
      return Status::QueryValue(
          fmt::format("failed to create query: Field [{}] of type [geo_point] does not support range queries", f));
    }
    const char* kind = q_.Is<PrefixQuery>() ? "prefix" : q_.Is<WildcardQuery>() ? "wildcard" : nullptr;
    if (kind != nullptr) {
      return Status::QueryValue(fmt::format(
          "failed to create query: Can only use {} queries on keyword, text and wildcard fields - not on [{}] which "
          "is of type [geo_point]",
          kind, f));
    }
    if (q_.Is<RegexpQuery>()) {
      return Status::QueryValue(
          fmt::format("failed to create query: Can only use regexp queries on keyword and text fields - not on [{}] "
                      "which is of type [geo_point]",
                      f));
    }
    return Status::QueryValue(fmt::format(
        "failed to create query: Geometry fields do not support exact searching, use dedicated geometry queries "
        "instead: [{}]",
        f));
  }

  Status Keyword(const std::string& column, StringTest test, Predicate* out) {
    if (test.kind() == StringTest::Kind::kEquals && test.values().empty()) return *out = NoRows{}, Status::OK();
    std::string key = "kw|" + column + "|" + test.Key();
    return Leaf(KeywordPredicate{column, std::move(test)}, std::move(key), out);
  }

  Status Leaf(PredicateNode node, std::string key, Predicate* out) {
    *out = Predicate{};
    out->node = std::move(node);
    out->cache_key = uses_now_ ? "" : std::move(key);
    return Status::OK();
  }

  Status TextLeaf(const std::string& column, Predicate* out) {
    TokenPredicate p;
    p.column = column;
    auto analysed = [&](const QueryValue& v) {
      ForEachToken(v.ToString(), [&](std::string_view t) { p.tokens.emplace_back(t); });
    };
    if (const auto* t = q_.As<TermQuery>()) {
      p.tokens.push_back(t->value.ToString());  // a term is one token, not analysed
    } else if (const auto* terms = q_.As<TermsQuery>()) {
      for (const QueryValue& v : terms->values) p.tokens.push_back(v.ToString());
    } else if (const auto* m = q_.As<MatchQuery>()) {
      analysed(m->value);
      p.mode = m->all_tokens ? TokenPredicate::Mode::kAllTokens : TokenPredicate::Mode::kAnyToken;
    } else if (const auto* phrase = q_.As<MatchPhraseQuery>()) {
      analysed(phrase->value);
      p.mode = TokenPredicate::Mode::kPhrase;
      p.slop = phrase->slop;
    } else {
      // prefix, wildcard, regexp and range test the tokens (wildcards in
      // lower case, as the tokens are).
      p.mode = TokenPredicate::Mode::kTokenTest;
      if (const auto* w = q_.As<WildcardQuery>()) {
        p.test = StringTest::Wildcard(FoldCase(w->pattern), false);
      } else if (Status s = KeywordTest(q_, &p.test); !s.ok()) {
        return s;
      }
    }
    if (p.mode != TokenPredicate::Mode::kTokenTest && p.tokens.empty()) return *out = NoRows{}, Status::OK();
    std::string key = fmt::format("tok|{}|{}|{}|{}", column, static_cast<int>(p.mode), p.slop, p.test.Key());
    for (const std::string& t : p.tokens) key += fmt::format("|{}:{}", t.size(), t);
    return Leaf(std::move(p), std::move(key), out);
  }

  // The values of term, terms, match and match_phrase (one each but terms).
  std::vector<QueryValue> SetValues() const {
    if (const auto* t = q_.As<TermQuery>()) return {t->value};
    if (const auto* t = q_.As<TermsQuery>()) return t->values;
    if (const auto* m = q_.As<MatchQuery>()) return {m->value};
    if (const auto* m = q_.As<MatchPhraseQuery>()) return {m->value};
    return {};
  }
  bool IsSetQuery() const {
    return q_.Is<TermQuery>() || q_.Is<TermsQuery>() || q_.Is<MatchQuery>() || q_.Is<MatchPhraseQuery>();
  }

  Status IpLeaf(const std::string& column, Predicate* out) {
    IpPredicate p;
    p.column = column;
    const std::string& field = b_.name;
    if (const auto* r = q_.As<RangeQuery>()) {
      IpKey lo{}, hi, a, z;
      hi.fill(0xff);
      if (r->gte) {
        if (!ReadIpRange(*r->gte, &a, &z)) return Unreadable(*r->gte, field, "IP address");
        lo = a;
      }
      if (r->gt) {
        if (!ReadIpRange(*r->gt, &a, &z)) return Unreadable(*r->gt, field, "IP address");
        lo = z;  // exclusive: the address after it
        int i = 15;
        while (i >= 0 && ++lo[i] == 0) --i;
        if (i < 0) return *out = NoRows{}, Status::OK();
      }
      if (r->lte) {
        if (!ReadIpRange(*r->lte, &a, &z)) return Unreadable(*r->lte, field, "IP address");
        hi = z;
      }
      if (r->lt) {
        if (!ReadIpRange(*r->lt, &a, &z)) return Unreadable(*r->lt, field, "IP address");
        hi = a;
        int i = 15;
        while (i >= 0 && hi[i]-- == 0) --i;
        if (i < 0) return *out = NoRows{}, Status::OK();
      }
      if (hi < lo) return *out = NoRows{}, Status::OK();
      p.ranges.emplace_back(lo, hi);
    } else if (IsSetQuery()) {
      for (const QueryValue& v : SetValues()) {
        IpKey lo, hi;
        if (!ReadIpRange(v, &lo, &hi)) return Unreadable(v, field, "IP address or CIDR block");
        p.ranges.emplace_back(lo, hi);
      }
      std::sort(p.ranges.begin(), p.ranges.end());
      p.ranges.erase(std::unique(p.ranges.begin(), p.ranges.end()), p.ranges.end());
    } else {
      return *out = NoRows{}, Status::OK();  // prefix, wildcard and regexp do not apply to addresses
    }
    std::string key = "ip|" + column;
    for (const auto& [a, z] : p.ranges) {
      key += '|';
      key.append(reinterpret_cast<const char*>(a.data()), 16);
      key.append(reinterpret_cast<const char*>(z.data()), 16);
    }
    return Leaf(std::move(p), std::move(key), out);
  }

  Status DoubleLeaf(const std::string& column, Predicate* out) {
    DoublePredicate p;
    p.column = column;
    const std::string& field = b_.name;
    if (const auto* r = q_.As<RangeQuery>()) {
      double d;
      if (r->gte) {
        if (!ReadDouble(*r->gte, &d)) return Unreadable(*r->gte, field, "number");
        p.lo = d;
      }
      if (r->gt) {
        if (!ReadDouble(*r->gt, &d)) return Unreadable(*r->gt, field, "number");
        p.lo = d;
        p.lo_open = true;
      }
      if (r->lte) {
        if (!ReadDouble(*r->lte, &d)) return Unreadable(*r->lte, field, "number");
        p.hi = d;
      }
      if (r->lt) {
        if (!ReadDouble(*r->lt, &d)) return Unreadable(*r->lt, field, "number");
        p.hi = d;
        p.hi_open = true;
      }
    } else if (IsSetQuery()) {
      for (const QueryValue& v : SetValues()) {
        double d;
        if (!ReadDouble(v, &d)) return Unreadable(v, field, "number");
        p.values.push_back(d);
      }
      std::sort(p.values.begin(), p.values.end());
    } else {
      return *out = NoRows{}, Status::OK();
    }
    std::string key = fmt::format("dbl|{}|{}{}|{}{}", column, p.lo_open ? "(" : "[", p.lo, p.hi, p.hi_open ? ")" : "]");
    for (double d : p.values) key += fmt::format("|{}", d);
    return Leaf(std::move(p), std::move(key), out);
  }

  // An integer, a date (ms) or a boolean (0/1) read from `v`.
  Status ReadWide(const QueryValue& v, bool round_up, Wide* w, bool* exact) {
    const std::string& field = b_.name;
    *exact = true;
    if (b_.type == FieldType::kDate) {
      int64_t ms = 0;
      if (v.kind == QueryValue::Kind::kInteger) {
        ms = v.integer;
      } else if (v.kind == QueryValue::Kind::kString) {
        uses_now_ = uses_now_ || v.text.find("now") != std::string::npos;
        if (Status s = EvaluateDateMath(v.text, now_ms_, date_format_, time_zone_, round_up, &ms); !s.ok()) return s;
      } else {
        return Unreadable(v, field, "date");
      }
      *w = ms;
      return Status::OK();
    }
    if (b_.type == FieldType::kBoolean) {
      bool b;
      if (!ReadBool(v, &b)) return Unreadable(v, field, "boolean");
      *w = b;
      return Status::OK();
    }
    if (!ReadInteger(v, w, exact)) return Unreadable(v, field, "number");
    return Status::OK();
  }

  Status IntegerLeaf(const std::string& column, Predicate* out) {
    IntegerPredicate p;
    p.column = column;
    const std::string& field = b_.name;
    if (b_.type == FieldType::kDate) {
      const RangeQuery* r = q_.As<RangeQuery>();
      const std::string& format = r != nullptr && !r->format.empty() ? r->format : b_.date_format;
      if (!format.empty()) {
        if (Status s = DateFormat::Parse(format, &date_format_); !s.ok()) return s;
      }
      if (Status s = TimeZone::Parse(r != nullptr ? r->time_zone : "", &time_zone_); !s.ok()) return s;
    }
    if (const auto* r = q_.As<RangeQuery>()) {
      Wide w;
      bool exact;
      // Bounds with fractions round inwards, as Elasticsearch rounds them;
      // dates in lte and gt round up to the end of the unit they name.
      if (r->gte) {
        if (Status s = ReadWide(*r->gte, false, &w, &exact); !s.ok()) return s;
        p.lo = std::max(p.lo, exact ? w : w + 1);
      }
      if (r->gt) {
        if (Status s = ReadWide(*r->gt, true, &w, &exact); !s.ok()) return s;
        p.lo = std::max(p.lo, w + 1);
      }
      if (r->lte) {
        if (Status s = ReadWide(*r->lte, true, &w, &exact); !s.ok()) return s;
        p.hi = std::min(p.hi, w);
      }
      if (r->lt) {
        if (Status s = ReadWide(*r->lt, false, &w, &exact); !s.ok()) return s;
        p.hi = std::min(p.hi, exact ? w - 1 : w);
      }
      if (p.lo > p.hi) return *out = NoRows{}, Status::OK();
    } else if (b_.type == FieldType::kDate && (q_.Is<MatchQuery>() || q_.Is<MatchPhraseQuery>()) &&
               SetValues()[0].kind == QueryValue::Kind::kString) {
      // A date matches the span its text names: a day, a minute, a second.
      const QueryValue v = SetValues()[0];
      int64_t from = 0, to = 0;
      if (!DateSpan(v.text, "", "", &from, &to)) return Unreadable(v, field, "date");
      p.lo = from;
      p.hi = to;
    } else if (IsSetQuery()) {
      for (const QueryValue& v : SetValues()) {
        Wide w;
        bool exact;
        if (Status s = ReadWide(v, false, &w, &exact); !s.ok()) return s;
        if (exact) p.values.push_back(w);
      }
      if (p.values.empty()) return *out = NoRows{}, Status::OK();
      std::sort(p.values.begin(), p.values.end());
      p.values.erase(std::unique(p.values.begin(), p.values.end()), p.values.end());
      p.lo = p.values.front();
      p.hi = p.values.back();
    } else {
      return *out = NoRows{}, Status::OK();  // prefix and wildcard do not apply to numbers
    }
    std::string key = fmt::format("int|{}|{}|{}", column, WideText(p.lo), WideText(p.hi));
    for (Wide w : p.values) key += "|" + WideText(w);
    return Leaf(std::move(p), std::move(key), out);
  }

  // A keyword kept as an integer column's decimal text (network.iana_number):
  // the test decides per integer of the column's (small) domain.
  Status FromDecimalText(Predicate* out) {
    const std::string& column = b_.columns[0];
    StringTest test;
    if (Status s = KeywordTest(q_, &test); !s.ok()) return s;
    if (test.kind() == StringTest::Kind::kAny) return Leaf(ColumnExists{column}, "exists|" + column, out);
    IntegerPredicate p;
    p.column = column;
    if (test.kind() == StringTest::Kind::kEquals) {
      for (const std::string& v : test.values()) {
        uint64_t n;
        if (ReadDecimal(v, &n) && n <= MaxValue(b_.column_type)) p.values.push_back(n);
      }
    } else {
      const uint64_t max = std::min<uint64_t>(MaxValue(b_.column_type), 0xffff);
      for (uint64_t n = 0; n <= max; ++n) {
        if (test.Matches(std::to_string(n))) p.values.push_back(n);
      }
      if (p.values.size() == max + 1) return Leaf(ColumnExists{column}, "exists|" + column, out);
    }
    if (p.values.empty()) return *out = NoRows{}, Status::OK();
    std::sort(p.values.begin(), p.values.end());
    p.lo = p.values.front();
    p.hi = p.values.back();
    std::string key = "int|" + column;
    for (Wide w : p.values) key += fmt::format("|{}", static_cast<uint64_t>(w));
    return Leaf(std::move(p), std::move(key), out);
  }

  // An address column's text (source.address): whole addresses through the
  // address column itself, other tests on each row's text.
  Status FromAddressText(Predicate* out) {
    const std::string& column = b_.columns[0];
    StringTest test;
    if (Status s = KeywordTest(q_, &test); !s.ok()) return s;
    if (test.kind() == StringTest::Kind::kAny) return Leaf(ColumnExists{column}, "exists|" + column, out);
    if (test.kind() == StringTest::Kind::kEquals) {
      IpPredicate p;
      p.column = column;
      for (const std::string& v : test.values()) {
        IpAddress ip;
        char text[kMaxIpTextLength];
        // Only the canonical text of an address is a value of the keyword.
        if (!ParseIpAddress(v, &ip) || std::string_view(text, FormatIpAddress(ip, text)) != v) continue;
        const IpKey key = IpSortKey(ip);
        p.ranges.emplace_back(key, key);
      }
      if (p.ranges.empty()) return *out = NoRows{}, Status::OK();
      std::string key = "ip|" + column;
      for (const auto& [a, z] : p.ranges) key.append(reinterpret_cast<const char*>(a.data()), 16);
      return Leaf(std::move(p), std::move(key), out);
    }
    std::string key = "addrtext|" + column + "|" + test.Key();
    return Leaf(AddressTextPredicate{column, std::move(test)}, std::move(key), out);
  }

  // A keyword with a closed set of values (event.outcome, network.transport,
  // constants): the test decides per value, and the rows with the values it
  // keeps are those meeting their conditions on the stored column.
  Status FromEnumerated(Predicate* out) {
    StringTest test;
    if (Status s = KeywordTest(q_, &test); !s.ok()) return s;
    const std::string column = b_.columns.empty() ? std::string() : b_.columns[0];
    std::vector<std::string> keywords;
    std::vector<Wide> integers;
    uint64_t bits = 0;
    bool v4 = false, v6 = false;
    for (const EnumeratedValue& e : b_.enumerated->values) {
      if (!test.Matches(e.value)) continue;
      switch (e.when) {
        case EnumeratedValue::When::kAlways: return *out = AllRows{}, Status::OK();
        case EnumeratedValue::When::kKeywordEquals: keywords.emplace_back(e.keyword); break;
        case EnumeratedValue::When::kIntegerEquals: integers.push_back(static_cast<Wide>(e.integer)); break;
        case EnumeratedValue::When::kBitSet: bits |= e.integer; break;
        case EnumeratedValue::When::kIpFamily: (e.integer == 4 ? v4 : v6) = true; break;
      }
    }
    std::vector<Predicate> any;
    if (!keywords.empty()) {
      Predicate p;
      if (Status s = Keyword(column, StringTest::Equals(std::move(keywords), false), &p); !s.ok()) return s;
      any.push_back(std::move(p));
    }
    if (!integers.empty()) {
      std::sort(integers.begin(), integers.end());
      IntegerPredicate p{column, integers.front(), integers.back(), integers};
      std::string key = "int|" + column;
      for (Wide w : integers) key += fmt::format("|{}", static_cast<uint64_t>(w));
      Predicate leaf;
      Leaf(std::move(p), std::move(key), &leaf);
      any.push_back(std::move(leaf));
    }
    if (bits != 0) {
      Predicate leaf;
      Leaf(BitsPredicate{column, bits}, fmt::format("bits|{}|{}", column, bits), &leaf);
      any.push_back(std::move(leaf));
    }
    if (v4 || v6) {
      Predicate leaf;
      Leaf(IpFamilyPredicate{column, v4, v6}, fmt::format("family|{}|{}{}", column, v4, v6), &leaf);
      any.push_back(std::move(leaf));
    }
    *out = AnyOf(std::move(any));
    return Status::OK();
  }

  // A fact of an address (source.geo.country_iso_code, source.as.number):
  // the test of its type, applied to that fact of each distinct set of
  // facts in the segment's facts column (its dictionary), so a filter costs
  // one pass over the distinct sets and then the matching codes' rows.
  Status FromFact(Predicate* out) {
    const std::string& column = b_.columns[0];
    StringTest inner;
    if (q_.Is<ExistsQuery>()) {
      inner = StringTest::Any();
    } else if (b_.type == FieldType::kGeoPoint) {
      if (Status s = GeoPointTest(&inner); !s.ok()) return s;
    } else if (b_.type == FieldType::kLong) {
      Predicate numbers;
      if (Status s = IntegerLeaf(column, &numbers); !s.ok()) return s;
      const auto* p = numbers.As<IntegerPredicate>();
      if (p == nullptr) return *out = NoRows{}, Status::OK();
      inner = StringTest::Integers(p->lo, p->hi, p->values);
    } else {
      if (Status s = KeywordTest(q_, &inner); !s.ok()) return s;
      if (inner.kind() == StringTest::Kind::kEquals && inner.values().empty()) return *out = NoRows{}, Status::OK();
    }
    const FactField fact = static_cast<FactField>(b_.fact);
    if (!IsOwnerFact(fact) || inventory_ == nullptr || inventory_->addresses() == 0) {
      return Keyword(column, StringTest::OfFact(b_.fact, std::move(inner)), out);
    }
    Predicate stored;
    if (Status s = Keyword(column, StringTest::OfFact(b_.fact, inner), &stored); !s.ok()) return s;
    Predicate named;
    NamedByInventory(fact, inner, &named);
    if (named.Is<NoRows>()) return *out = std::move(stored), Status::OK();
    // Rows stored without an owner (ingested before the inventory knew the
    // address) are named as the history names them at their start.
    Predicate has_owner;
    if (Status s = Keyword(column, StringTest::OfFact(static_cast<int>(FactField::kInterfaceId), StringTest::Any()),
                           &has_owner);
        !s.ok()) {
      return s;
    }
    BoolPredicate fallback;
    fallback.required.push_back(std::move(named));
    fallback.excluded.push_back(std::move(has_owner));
    *out = AnyOf({std::move(stored), Predicate(std::move(fallback))});
    return Status::OK();
  }

  // The rows whose side address the inventory gives an owner passing
  // `test` on `fact` at the row's start: per (address, owner range), the
  // address, its range of start times when bounded, and its VPC when the
  // address is known in several VPCs (InventoryHistory::Find needs the
  // flow's VPC then).
  void NamedByInventory(FactField fact, const StringTest& test, Predicate* out) {
    const bool source = b_.name.starts_with("source.");
    const FieldCatalog& flow = FieldCatalog::Flow();
    const FieldBinding ip = flow.Resolve(source ? "source.ip" : "destination.ip");
    const FieldBinding start = flow.Resolve("event.start");
    const FieldBinding vpc = flow.Resolve("aws.vpcflow.vpc_id");
    const FieldBinding eni = flow.Resolve("aws.vpcflow.interface_id");
    IpPredicate always{ip.columns[0], {}};
    std::vector<Predicate> any;
    inventory_->ForEach([&](const IpAddress& addr, const OwnerRange& range) {
      bool pass = false;
      ForEachFactElement(FactText(range.owner->facts(), fact),
                         [&](std::string_view e) { pass = pass || test.Matches(e); });
      if (!pass) return;
      const IpKey key = IpSortKey(addr);
      bool several_vpcs = false;
      for (const OwnerRange& r : *inventory_->Ranges(addr)) several_vpcs |= r.owner->vpc_id != range.owner->vpc_id;
      if (range.from_ms == kSinceEver && range.to_ms == kStillOpen && !several_vpcs) {
        always.ranges.emplace_back(key, key);
        return;
      }
      BoolPredicate clause;
      clause.required.push_back(IpPredicate{ip.columns[0], {{key, key}}});
      IntegerPredicate when;
      when.column = start.columns[0];
      if (range.from_ms != kSinceEver) when.lo = range.from_ms;
      if (range.to_ms != kStillOpen) when.hi = static_cast<Wide>(range.to_ms) - 1;
      if (range.from_ms != kSinceEver || range.to_ms != kStillOpen) clause.required.push_back(std::move(when));
      if (several_vpcs) {
        // In the flow's VPC: its vpc-id, else the VPC of its interface.
        std::vector<Predicate> in_vpc;
        in_vpc.push_back(KeywordPredicate{vpc.columns[0], StringTest::Equals({range.owner->vpc_id}, false)});
        std::vector<std::string> enis = inventory_->InterfacesIn(range.owner->vpc_id);
        if (!enis.empty()) {
          BoolPredicate by_eni;
          by_eni.required.push_back(KeywordPredicate{eni.columns[0], StringTest::Equals(std::move(enis), false)});
          by_eni.excluded.push_back(ColumnExists{vpc.columns[0]});
          in_vpc.push_back(std::move(by_eni));
        }
        clause.required.push_back(AnyOf(std::move(in_vpc)));
      }
      any.push_back(std::move(clause));
    });
    if (!always.ranges.empty()) {
      std::sort(always.ranges.begin(), always.ranges.end());
      any.push_back(std::move(always));
    }
    *out = AnyOf(std::move(any));
  }

  Status FromCommunityId(Predicate* out) {
    StringTest test;
    if (Status s = KeywordTest(q_, &test); !s.ok()) return s;
    if (test.kind() == StringTest::Kind::kEquals) {
      std::vector<std::string> ids;
      for (const std::string& v : test.values()) {
        if (LooksLikeCommunityId(v)) ids.push_back(v);
      }
      if (ids.empty()) return *out = NoRows{}, Status::OK();
      test = StringTest::Equals(std::move(ids), test.case_insensitive());
    }
    const auto& c = b_.columns;
    std::string key = "cid|" + test.Key();
    return Leaf(CommunityIdPredicate{c[0], c[1], c[2], c[3], c[4], std::move(test)}, std::move(key), out);
  }

  const Query& q_;
  const FieldBinding& b_;
  int64_t now_ms_;
  const InventoryHistory* inventory_;
  bool uses_now_ = false;
  DateFormat date_format_;
  TimeZone time_zone_;
};

}  // namespace

Status LowerLeaf(const Query& leaf, const FieldBinding& field, int64_t now_ms, Predicate* out,
                 const InventoryHistory* inventory) {
  return LeafLowerer(leaf, field, now_ms, inventory).Lower(out);
}

Status LowerQuery(const Query& query, const FieldCatalog& catalog, int64_t now_ms, Predicate* out,
                  const InventoryHistory* inventory) {
  return Lowerer(&catalog, now_ms, inventory).Lower(query, out, 0);
}

void ColumnBounds(const Predicate& p, std::string_view column, int64_t* lo, int64_t* hi) {
  if (const auto* i = p.As<IntegerPredicate>()) {
    if (i->column != column) return;
    if (i->lo > std::numeric_limits<int64_t>::min()) *lo = std::max<int64_t>(*lo, static_cast<int64_t>(i->lo));
    if (i->hi < std::numeric_limits<int64_t>::max()) *hi = std::min<int64_t>(*hi, static_cast<int64_t>(i->hi));
  } else if (const auto* b = p.As<BoolPredicate>()) {
    for (const Predicate& c : b->required) ColumnBounds(c, column, lo, hi);
  }
}

}  // namespace flowdex
