// BlockCache: decoded column blocks shared by every reader of a store, so
// that repeated queries (dashboards refreshing, paging, a KQL bar typing)
// skip decompression and decoding. Bounded in bytes; the least recently used
// blocks go first. Thread-safe. Keys name a reader by a process-unique id,
// so a merged-away segment's blocks can never be served for another.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "store/column_codec.h"

namespace flowdex {

class BlockCache {
 public:
  explicit BlockCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The cached block, or nullptr.
  std::shared_ptr<const ColumnBlock> Lookup(uint64_t reader_id, int column, size_t block);
  // The cached block, or nullptr, without counting a hit or a miss.
  std::shared_ptr<const ColumnBlock> Peek(uint64_t reader_id, int column, size_t block);
  // Adds a block (replacing any), then evicts down to the capacity. Blocks
  // larger than the whole capacity are not kept.
  void Insert(uint64_t reader_id, int column, size_t block, std::shared_ptr<const ColumnBlock> value);

  // The memory a decoded block holds.
  static uint64_t Charge(const ColumnBlock& b);

  uint64_t capacity() const { return capacity_; }
  uint64_t bytes() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Key {
    uint64_t reader;
    uint32_t column;
    uint32_t block;
    bool operator==(const Key& o) const { return reader == o.reader && column == o.column && block == o.block; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    Key key;
    std::shared_ptr<const ColumnBlock> value;
    uint64_t charge;
  };

  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
  uint64_t bytes_ = 0, hits_ = 0, misses_ = 0;
};

}  // namespace flowdex
