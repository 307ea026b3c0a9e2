// Merging one segment's aggregation results into the search's (as if both
// had been collected into one), and the pieces merging needs.
#include <cstring>
#include <map>

#include "flowlog/ip_address.h"
#include "query/aggs/aggregation.h"
#include "query/cardinality_sketch.h"
#include "query/sort_values.h"

namespace flowdex {

void TrimTopHits(const AggRequest& agg, std::vector<AggHit>* hits) {
  std::stable_sort(hits->begin(), hits->end(), [&](const AggHit& a, const AggHit& b) {
    for (size_t i = 0; i < agg.sort.size(); ++i) {
      const bool am = a.sort[i].kind == SortValue::Kind::kMissing, bm = b.sort[i].kind == SortValue::Kind::kMissing;
      if (am != bm) return agg.sort[i].missing_first ? am : bm;
      const int c = CompareSortValues(a.sort[i], b.sort[i]);
      if (c != 0) return agg.sort[i].descending ? c > 0 : c < 0;
    }
    return a.segment != b.segment ? a.segment < b.segment : a.row < b.row;
  });
  if (hits->size() > agg.from + agg.size) hits->resize(agg.from + agg.size);
}

std::string IpKeyText(const AggKey& key) {
  IpAddress ip;
  if (const auto* v4 = std::get_if<int64_t>(&key)) {
    ip = IpAddress::FromV4(static_cast<uint32_t>(*v4));
  } else if (const auto* v6 = std::get_if<std::string>(&key); v6 && v6->size() == 16) {
    ip.family = IpAddress::Family::kV6;
    std::memcpy(ip.bytes.data(), v6->data(), 16);
  } else {
    return "";
  }
  char buf[kMaxIpTextLength];
  return std::string(buf, FormatIpAddress(ip, buf));
}

void IpKeysToText(AggResult* result) {
  if (!result->ip_keys) return;
  std::map<AggKey, AggBucket> text;
  for (auto& [key, bucket] : result->buckets) text.emplace(IpKeyText(key), std::move(bucket));
  result->buckets = std::move(text);
  result->ip_keys = false;
}

namespace {

void MergeBucket(const AggRequest& agg, AggBucket&& from, AggBucket* into) {
  into->doc_count += from.doc_count;
  into->subs.resize(agg.subs.size());
  for (size_t i = 0; i < agg.subs.size() && i < from.subs.size(); ++i) {
    MergeAggResult(agg.subs[i], std::move(from.subs[i]), &into->subs[i]);
  }
}

}  // namespace

// Both maps are in key order: one pass over both, moving `from`'s nodes
// into *into where a key is new (no allocation, no tree search), unless
// `from` is much the smaller, when a search per key is cheaper than the walk.
void MergeBuckets(const AggRequest& agg, std::map<AggKey, AggBucket>&& from, std::map<AggKey, AggBucket>* into) {
  if (into->empty()) {
    *into = std::move(from);  // the first segment's buckets as they are
    return;
  }
  const bool walk = from.size() * 8 >= into->size();
  auto at = into->begin();
  while (!from.empty()) {
    auto node = from.extract(from.begin());
    if (walk) {
      while (at != into->end() && at->first < node.key()) ++at;
    } else {
      at = into->lower_bound(node.key());
    }
    if (at != into->end() && !(node.key() < at->first)) {
      MergeBucket(agg, std::move(node.mapped()), &at->second);
      ++at;
    } else {
      into->insert(at, std::move(node));  // just before `at`, which stays the next to compare
    }
  }
}

void MergeAggResult(const AggRequest& agg, AggResult&& from, AggResult* into) {
  if (from.ip_keys != into->ip_keys) {
    // Keyed by address on one side only (an ip field here, a keyword there):
    // both by text. A side without buckets takes the other's keying.
    if (from.buckets.empty()) {
      from.ip_keys = into->ip_keys;
    } else if (into->buckets.empty()) {
      into->ip_keys = from.ip_keys;
    } else {
      IpKeysToText(from.ip_keys ? &from : into);
    }
  }
  MergeBuckets(agg, std::move(from.buckets), &into->buckets);
  if (into->composite.empty()) {
    into->composite = std::move(from.composite);
  } else {
    for (auto& [key, bucket] : from.composite) MergeBucket(agg, std::move(bucket), &into->composite[key]);
    while (into->composite.size() > agg.size) into->composite.erase(std::prev(into->composite.end()));
  }
  if (from.count > 0) {
    if (into->count == 0 || from.min < into->min) into->min = from.min;
    if (into->count == 0 || from.max > into->max) into->max = from.max;
  }
  into->dates |= from.dates;
  into->count += from.count;
  into->sum += from.sum;
  into->sum_of_squares += from.sum_of_squares;
  into->values.insert(into->values.end(), from.values.begin(), from.values.end());
  if (from.cardinality) {
    if (!into->cardinality) {
      into->cardinality = std::move(from.cardinality);
    } else {
      into->cardinality->Merge(*from.cardinality);
    }
  }
  if (!from.hits.empty()) {
    for (AggHit& h : from.hits) into->hits.push_back(std::move(h));
    TrimTopHits(agg, &into->hits);
  }
  into->hits_total += from.hits_total;
  into->unfilterable_keys |= from.unfilterable_keys;
  into->boolean_keys |= from.boolean_keys;
  into->date_keys |= from.date_keys;
}

bool CompositeOrder::operator()(const std::vector<AggKey>& a, const std::vector<AggKey>& b) const {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    const bool desc = i < descending.size() && descending[i];
    return desc ? b[i] < a[i] : a[i] < b[i];
  }
  return a.size() < b.size();
}

}  // namespace flowdex
