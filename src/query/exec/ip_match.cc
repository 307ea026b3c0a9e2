// Address predicates: ranges and exact addresses, the family of the
// address (network.type), and the address's text (source.address).
#include <bit>

#include "flowlog/ip_address.h"
#include "query/exec/leaf_matchers.h"

namespace flowdex {

namespace {

int IpColumn(const SegmentReader& seg, const std::string& name) {
  const int col = seg.FindColumn(name);
  return col >= 0 && seg.meta().columns[col].type == ColumnType::kIp ? col : -1;
}

uint32_t V4Of(const IpKey& k) {
  return (uint32_t{k[12]} << 24) | (uint32_t{k[13]} << 16) | (uint32_t{k[14]} << 8) | k[15];
}

// The IPv4 space in address order: ::ffff:0.0.0.0 to ::ffff:255.255.255.255.
const IpKey& V4Lo() {
  static const IpKey k = IpSortKey(IpAddress::FromV4(0));
  return k;
}
const IpKey& V4Hi() {
  static const IpKey k = IpSortKey(IpAddress::FromV4(0xFFFFFFFFu));
  return k;
}

// IPv4 addresses (as 32-bit integers) against a set of ranges: a single
// range is one unsigned compare; single addresses (terms on the top
// talkers) an open-addressing set probed without branches; otherwise a
// binary search over the sorted, merged ranges.
class V4Ranges {
 public:
  explicit V4Ranges(const std::vector<std::pair<IpKey, IpKey>>& ranges) {
    const IpKey& kV4Lo = V4Lo();
    const IpKey& kV4Hi = V4Hi();
    std::vector<std::pair<uint32_t, uint32_t>> v4;
    for (const auto& [a, z] : ranges) {
      if (z < kV4Lo || kV4Hi < a) continue;
      v4.emplace_back(V4Of(a < kV4Lo ? kV4Lo : a), V4Of(kV4Hi < z ? kV4Hi : z));
    }
    const bool addresses = std::all_of(v4.begin(), v4.end(), [](const auto& r) { return r.first == r.second; });
    if (addresses && v4.size() > 1) BuildSet(v4);
    std::sort(v4.begin(), v4.end());
    for (const auto& r : v4) {
      if (!ranges_.empty() && (ranges_.back().second == UINT32_MAX || r.first <= ranges_.back().second + 1)) {
        ranges_.back().second = std::max(ranges_.back().second, r.second);
      } else {
        ranges_.push_back(r);
      }
    }
    for (const auto& r : ranges_) starts_.push_back(r.first);
    one_ = ranges_.size() == 1;
    if (one_) {
      lo_ = ranges_[0].first;
      span_ = ranges_[0].second - lo_;
    }
  }

  // The IPv4 part of the ranges, sorted and merged.
  const std::vector<std::pair<uint32_t, uint32_t>>& ranges() const { return ranges_; }

  bool Contains(uint32_t v) const {
    if (one_) return v - lo_ <= span_;
    if (!set_.empty()) {
      const uint64_t want = uint64_t{v} + 1;
      const uint64_t* at = set_.data() + ((uint64_t{v} * 0x9E3779B97F4A7C15ull) >> shift_);
      bool found = at[0] == want;
      for (size_t j = 1; j <= probes_; ++j) found |= at[j] == want;
      return found;
    }
    // The last range starting at or before v.
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), v);
    return it != starts_.begin() && v <= ranges_[static_cast<size_t>(it - starts_.begin()) - 1].second;
  }

 private:
  void BuildSet(const std::vector<std::pair<uint32_t, uint32_t>>& v4) {
    size_t capacity = 64;
    while (capacity < v4.size() * 8) capacity *= 2;
    shift_ = 64 - std::countr_zero(capacity);
    set_.assign(capacity, 0);
    for (const auto& r : v4) {
      size_t i = (uint64_t{r.first} * 0x9E3779B97F4A7C15ull) >> shift_, probes = 0;
      while (set_[i] != 0 && set_[i] != uint64_t{r.first} + 1) {
        i = (i + 1) & (capacity - 1);
        ++probes;
      }
      set_[i] = uint64_t{r.first} + 1;
      probes_ = std::max(probes_, probes);
    }
    // The probes wrap around: the first entries again, past the end.
    for (size_t j = 0; j < probes_; ++j) set_.push_back(set_[j]);
  }

  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
  std::vector<uint32_t> starts_;
  bool one_ = false;
  uint32_t lo_ = 0, span_ = 0;
  std::vector<uint64_t> set_;  // address + 1, 0 = empty; probes_ more entries past the end
  int shift_ = 64;
  size_t probes_ = 0;  // the longest probe sequence, less one
};

// Whether a range holds addresses that are not IPv4 (or IPv4-mapped).
bool ReachesBeyondIpv4(const std::pair<IpKey, IpKey>& r) { return r.first < V4Lo() || V4Hi() < r.second; }

}  // namespace

Status MatchIps(const IpPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const SegmentReader& seg = *scope.segment;
  const int col = IpColumn(seg, p.column);
  if (col < 0 || p.ranges.empty()) return Status::OK();
  // Exact addresses can use the postings.
  Bitmap pages;
  const roaring_bitmap_t* page_filter = nullptr;
  const bool exact = std::all_of(p.ranges.begin(), p.ranges.end(), [](const auto& r) { return r.first == r.second; });
  if (exact && seg.HasPostings(col) && p.ranges.size() <= 256) {
    pages = NewBitmap();
    for (const auto& r : p.ranges) {
      IpAddress ip;
      ip.family = IpAddress::Family::kV6;
      ip.bytes = r.first;
      Bitmap one;
      Status s = seg.PagePostings(col, ip, &one);  // v6 form and v4-mapped keys agree
      if (!s.ok()) return s;
      roaring_bitmap_or_inplace(pages.get(), one.get());
    }
    page_filter = pages.get();
  }
  const V4Ranges v4(p.ranges);
  // Blocks of IPv4 addresses only hold values in the IPv4 part; blocks
  // with a few IPv6 addresses are tested on the encoded bytes too when the
  // predicate has no IPv6 part.
  ValueFilter filter;
  for (const auto& [a, z] : v4.ranges()) filter.ranges.emplace_back(a, z);
  filter.beyond_ipv4 = std::any_of(p.ranges.begin(), p.ranges.end(), ReachesBeyondIpv4);
  const ValueFilter* fast = filter.ranges.size() <= kMaxFilterRanges ? &filter : nullptr;
  return ScanColumn(
      scope, col, page_filter,
      [&](const BlockStats& st) {
        for (const auto& r : p.ranges) {
          if (!(st.max_ip < r.first) && !(r.second < st.min_ip)) return true;
        }
        return false;
      },
      [&](const ColumnBlock& b, size_t k) {
        if (!b.is_v6(k)) return v4.Contains(b.v4[k]);
        const IpAddress& ip = b.v6_at(k);
        if (ip.is_v4()) return v4.Contains(ip.v4());
        const IpKey key = IpSortKey(ip);
        for (const auto& r : p.ranges) {
          if (!(key < r.first) && !(r.second < key)) return true;
        }
        return false;
      },
      rows, fast);
}

Status MatchIpFamily(const IpFamilyPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const int col = IpColumn(*scope.segment, p.column);
  if (col < 0 || (!p.v4 && !p.v6)) return Status::OK();
  return ScanColumn(
      scope, col, nullptr, AnyBlock, [&](const ColumnBlock& b, size_t k) { return b.ip(k).is_v4() ? p.v4 : p.v6; },
      rows);
}

Status MatchAddressText(const AddressTextPredicate& p, const LeafScope& scope, Bitmap* rows) {
  const int col = IpColumn(*scope.segment, p.column);
  if (col < 0) return Status::OK();
  char text[kMaxIpTextLength];
  return ScanColumn(
      scope, col, nullptr, AnyBlock,
      [&](const ColumnBlock& b, size_t k) {
        const IpAddress ip = b.ip(k);
        return p.test.Matches(std::string_view(text, FormatIpAddress(ip, text)));
      },
      rows);
}

}  // namespace flowdex
