#include "store/filter_cache.h"

#include <fmt/format.h>

namespace flowdex {

std::string FilterCache::FullKey(uint64_t reader_id, const std::string& key) {
  std::string full = std::to_string(reader_id);
  full += '#';
  full += key;
  return full;
}

std::shared_ptr<const Bitmap> FilterCache::Lookup(uint64_t reader_id, const std::string& key) {
  if (!enabled()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(FullKey(reader_id, key));
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->rows;
}

bool FilterCache::WorthCaching(uint64_t reader_id, const std::string& key) {
  if (!enabled()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (uses_.size() > 100000) uses_.clear();  // forget old counts rather than grow
  return ++uses_[FullKey(reader_id, key)] >= 2;
}

void FilterCache::Insert(uint64_t reader_id, const std::string& key, Bitmap rows) {
  if (!enabled()) return;
  roaring_bitmap_run_optimize(rows.get());
  const uint64_t charge = roaring_bitmap_size_in_bytes(rows.get()) + key.size() + 64;
  if (charge > capacity_) return;
  std::string full = FullKey(reader_id, key);
  std::lock_guard<std::mutex> lock(mu_);
  if (index_.count(full) != 0) return;
  lru_.push_front(Entry{reader_id, key, std::make_shared<const Bitmap>(std::move(rows)), charge});
  index_.emplace(std::move(full), lru_.begin());
  bytes_ += charge;
  while (bytes_ > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().charge;
    index_.erase(FullKey(lru_.back().reader, lru_.back().key));
    lru_.pop_back();
  }
}

}  // namespace flowdex
