// FilterCache: the rows a leaf query matches in a segment, kept for the
// next time the same leaf is asked of the same segment, as Elasticsearch's
// node query cache keeps filter bitsets per segment. Dashboards, paging and
// refreshed views repeat their filters; a cached leaf costs one bitmap
// intersection instead of a column scan.
//
// A leaf is cached on its second use (a one-off filter is not worth the
// memory), evaluated then over the whole segment. Keys are the canonical
// texts the query planner gives leaves (src/query/plan/predicate.h); leaves
// whose meaning moves with the clock (date math with "now") have none and
// are never cached. Bounded in bytes, least recently used out first;
// thread-safe; owned by the Store (StoreOptions::filter_cache_bytes), keyed
// by the segment reader's process-unique id.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/bitmap.h"

namespace flowdex {

class FilterCache {
 public:
  explicit FilterCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The cached rows (shared, read-only), or nullptr.
  std::shared_ptr<const Bitmap> Lookup(uint64_t reader_id, const std::string& key);
  // Counts a use that missed; true when the leaf has now been used often
  // enough to be worth caching.
  bool WorthCaching(uint64_t reader_id, const std::string& key);
  void Insert(uint64_t reader_id, const std::string& key, Bitmap rows);

  // A cache of capacity 0 keeps nothing.
  bool enabled() const { return capacity_ > 0; }

 private:
  struct Entry {
    uint64_t reader;
    std::string key;
    std::shared_ptr<const Bitmap> rows;
    uint64_t charge;
  };
  static std::string FullKey(uint64_t reader_id, const std::string& key);

  const uint64_t capacity_;
  std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::unordered_map<std::string, uint32_t> uses_;  // misses per key, bounded below
  uint64_t bytes_ = 0;
};

}  // namespace flowdex
