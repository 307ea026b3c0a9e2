#include "store/block_cache.h"

#include <xxhash.h>

namespace flowdex {

size_t BlockCache::KeyHash::operator()(const Key& k) const {
  const uint64_t parts[2] = {k.reader, (uint64_t{k.column} << 32) | k.block};
  return XXH3_64bits(parts, sizeof parts);
}

uint64_t BlockCache::Charge(const ColumnBlock& b) {
  return sizeof(ColumnBlock) + b.values.capacity() * sizeof(uint64_t) + b.v4.capacity() * sizeof(uint32_t) +
         b.v6.capacity() * sizeof(uint64_t) + b.v6_rank.capacity() * sizeof(uint32_t) +
         b.ips.capacity() * sizeof(IpAddress) + b.presence.capacity() * sizeof(uint64_t) +
         b.offsets.capacity() * sizeof(uint32_t) + b.blob.capacity();
}

std::shared_ptr<const ColumnBlock> BlockCache::Lookup(uint64_t reader_id, int column, size_t block) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(Key{reader_id, static_cast<uint32_t>(column), static_cast<uint32_t>(block)});
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

std::shared_ptr<const ColumnBlock> BlockCache::Peek(uint64_t reader_id, int column, size_t block) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(Key{reader_id, static_cast<uint32_t>(column), static_cast<uint32_t>(block)});
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void BlockCache::Insert(uint64_t reader_id, int column, size_t block, std::shared_ptr<const ColumnBlock> value) {
  const uint64_t charge = Charge(*value);
  if (charge > capacity_) return;
  const Key key{reader_id, static_cast<uint32_t>(column), static_cast<uint32_t>(block)};
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->charge;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, std::move(value), charge});
  index_[key] = lru_.begin();
  bytes_ += charge;
  while (bytes_ > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().charge;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

uint64_t BlockCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}
uint64_t BlockCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}
uint64_t BlockCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace flowdex
