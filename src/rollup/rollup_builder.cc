#include "rollup/rollup_builder.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>
#include <xxhash.h>

#include "schema/flow_index.h"
#include "store/segment_builder.h"
#include "store/segment_reader.h"
#include "util/thread_pool.h"

namespace flowdex {

namespace {

// One column read by some rollup, with its values across every input as
// small integers: keywords by a shared id, IPv6 addresses likewise (IPv4
// ones are their own number), integers as they are.
struct ColumnValues {
  std::string name;
  ColumnType type = ColumnType::kUInt64;
  bool seen = false;  // some input has the column
  absl::flat_hash_map<std::string, uint64_t> text_ids;
  std::vector<std::string> texts;
  absl::flat_hash_map<std::string, uint64_t> v6_ids;  // by the address's 16 bytes
  std::vector<IpAddress> v6;

  static constexpr uint64_t kV6Tag = uint64_t{1} << 32;

  uint64_t TextId(const std::string& text) {
    auto [it, fresh] = text_ids.try_emplace(text, texts.size());
    if (fresh) texts.push_back(text);
    return it->second;
  }
  uint64_t IpId(const IpAddress& ip) {
    if (ip.is_v4()) return ip.v4();
    auto [it, fresh] =
        v6_ids.try_emplace(std::string(reinterpret_cast<const char*>(ip.bytes.data()), ip.bytes.size()), v6.size());
    if (fresh) v6.push_back(ip);
    return kV6Tag | it->second;
  }
  IpAddress Ip(uint64_t id) const {
    return (id & kV6Tag) ? v6[id & ~kV6Tag] : IpAddress::FromV4(static_cast<uint32_t>(id));
  }
};

// Groups by fixed-width keys of 64-bit words, kept side by side in one
// array; the hash set holds group numbers and looks keys up in place.
class GroupTable {
 public:
  explicit GroupTable(size_t width) : width_(width), index_(0, Hash{this}, Eq{this}) {}
  GroupTable(const GroupTable&) = delete;
  GroupTable& operator=(const GroupTable&) = delete;

  // The group of `key` (width() words), added when new.
  uint32_t FindOrAdd(const uint64_t* key) {
    auto it = index_.find(Probe{key});
    if (it != index_.end()) return *it;
    const uint32_t g = static_cast<uint32_t>(size());
    keys_.insert(keys_.end(), key, key + width_);
    index_.insert(g);
    return g;
  }
  size_t size() const { return keys_.size() / width_; }
  size_t width() const { return width_; }
  const uint64_t* key(uint32_t g) const { return keys_.data() + size_t{g} * width_; }
  uint64_t Memory() const { return keys_.capacity() * 8 + index_.capacity() * 5; }

 private:
  struct Probe {
    const uint64_t* key;
  };
  struct Hash {
    using is_transparent = void;
    const GroupTable* t;
    size_t operator()(uint32_t g) const { return (*this)(Probe{t->key(g)}); }
    size_t operator()(Probe p) const { return XXH3_64bits(p.key, t->width_ * 8); }
  };
  struct Eq {
    using is_transparent = void;
    const GroupTable* t;
    const uint64_t* Of(uint32_t g) const { return t->key(g); }
    const uint64_t* Of(Probe p) const { return p.key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      // A plain loop, not std::equal: that becomes a call to memcmp, which
      // costs more than these few words.
      const uint64_t* x = Of(a);
      const uint64_t* y = Of(b);
      for (size_t i = 0; i < t->width_; ++i) {
        if (x[i] != y[i]) return false;
      }
      return true;
    }
  };

  size_t width_;
  std::vector<uint64_t> keys_;
  absl::flat_hash_set<uint32_t, Hash, Eq> index_;
};

struct GroupSums {
  uint64_t docs = 0, bytes = 0, packets = 0;
  bool has_bytes = false, has_packets = false;
};

// The groups of one time bucket (an hour or a day), keyed as
// SpecBuilder::BuildKeys packs them.
struct BucketGroups {
  explicit BucketGroups(size_t width) : table(width) {}
  GroupTable table;
  std::vector<GroupSums> sums;

  GroupSums& Add(const uint64_t* key) {
    const uint32_t g = table.FindOrAdd(key);
    if (g >= sums.size()) sums.resize(g + 1 + g / 2);
    return sums[g];
  }
};
using Buckets = absl::flat_hash_map<uint64_t, std::unique_ptr<BucketGroups>>;  // by the bucket's start, ms

// Rows whose keys are built at once, column by column.
constexpr uint32_t kKeyBatch = 256;

// One rollup's groups, filled from the inputs' rows and written as one
// segment. Each rollup reads its own columns, so rollups build in parallel.
//
// Groups are kept per time bucket: rows arrive roughly in time order (files
// are ingested by name, which is by time), so the table being probed is one
// hour's, small enough to stay in cache, where one table for the whole
// partition would miss the cache on every row. The daily twin of an hourly
// rollup is grouped from the hourly groups (WriteDerived), not from rows.
class SpecBuilder {
 public:
  explicit SpecBuilder(const RollupSpec* spec) : spec_(spec) {
    for (size_t c = 0; c < spec->dims.size(); ++c) {
      columns_.emplace_back();
      columns_.back().name = std::string(spec->dims[c]);
      columns_.back().type = spec->dim_types[c];
    }
    PlanKey();
  }

  // Adds every row of `in`.
  Status Add(const SegmentReader& in, const std::string& partition, CancellationToken cancel) {
    const int time_col = in.FindColumn(kTimestampColumn);
    if (time_col < 0) return Status::InvalidArgument(fmt::format("{} has no {} column", in.path(), kTimestampColumn));
    const int bytes_col = in.FindColumn(RollupSumColumns()[0]);
    const int packets_col = in.FindColumn(RollupSumColumns()[1]);
    const int weight_col = in.FindColumn(kDocCountColumn);
    const size_t n = columns_.size();
    // Each column's place in this input and, for keywords, its codes' ids.
    std::vector<int> at(n, -1);
    std::vector<std::vector<uint64_t>> code_ids(n);
    for (size_t c = 0; c < n; ++c) {
      at[c] = in.FindColumn(columns_[c].name);
      if (at[c] < 0) continue;
      const ColumnType type = in.meta().columns[at[c]].type;
      if (columns_[c].type != type) {
        return Status::Unsupported(fmt::format("column {} is {} in {}; its rollup dimension is {}", columns_[c].name,
                                               ColumnTypeName(type), in.path(), ColumnTypeName(columns_[c].type)));
      }
      columns_[c].seen = true;
      if (type == ColumnType::kText || type == ColumnType::kBlob) {
        return Status::Unsupported(fmt::format("column {} cannot be a rollup dimension", columns_[c].name));
      }
      if (HasDictionary(type)) {
        const std::vector<std::string>* dict = nullptr;
        Status s = in.Dictionary(at[c], &dict);
        if (!s.ok()) return s;
        code_ids[c].reserve(dict->size());
        for (const std::string& text : *dict) code_ids[c].push_back(columns_[c].TextId(text));
      }
    }
    std::vector<ColumnBlock> blocks(n);
    const size_t width = key_words_;
    std::vector<uint64_t> keys(size_t{kKeyBatch} * width);
    for (size_t b = 0; b < in.block_count(); ++b) {
      if (cancel.cancelled()) return Status::Cancelled("rollup of " + partition + " stopped");
      Status s = in.ReadBlock(time_col, b, &time_block_);
      if (s.ok() && bytes_col >= 0) s = in.ReadBlock(bytes_col, b, &bytes_block_);
      if (s.ok() && packets_col >= 0) s = in.ReadBlock(packets_col, b, &packets_block_);
      if (s.ok() && weight_col >= 0) s = in.ReadBlock(weight_col, b, &weight_block_);
      for (size_t c = 0; c < n && s.ok(); ++c) {
        if (at[c] < 0) continue;
        s = in.ReadBlock(at[c], b, &blocks[c]);
        if (s.ok() && blocks[c].multi()) {
          s = Status::Unsupported(
              fmt::format("column {} holds arrays: it cannot be a rollup dimension", columns_[c].name));
        }
      }
      if (!s.ok()) return s;
      for (const ColumnValues& col : columns_) {
        // Ids must fit their key slots (KeyBits).
        if (col.texts.size() > UINT32_MAX || col.v6.size() + kRowsPerBlock > UINT32_MAX) {
          return Status::Unsupported(fmt::format("column {} has too many values to roll up", col.name));
        }
      }
      const uint32_t rows = time_block_.rows;
      for (uint32_t first = 0; first < rows; first += kKeyBatch) {
        const uint32_t count = std::min(kKeyBatch, rows - first);
        BuildKeys(blocks, at, code_ids, first, count, keys.data());
        for (uint32_t k = 0; k < count; ++k) {
          const uint32_t i = first + k;
          const uint64_t bucket = static_cast<uint64_t>(RollupBucket(
              time_block_.present(i) ? static_cast<int64_t>(time_block_.values[i]) : 0, spec_->resolution_ms));
          GroupSums& sum = Bucket(bucket, width).Add(keys.data() + size_t{k} * width);
          sum.docs += weight_col >= 0 && weight_block_.present(i) ? weight_block_.values[i] : 1;
          if (bytes_col >= 0 && bytes_block_.present(i)) {
            sum.bytes += bytes_block_.values[i];
            sum.has_bytes = true;
          }
          if (packets_col >= 0 && packets_block_.present(i)) {
            sum.packets += packets_block_.values[i];
            sum.has_packets = true;
          }
        }
      }
    }
    return Status::OK();
  }

  // Writes the groups as a segment of the builder's spec (none when there
  // are none) and fills *ref.
  Status Write(Store* store, const std::string& index, const std::string& partition, int zstd_level, bool* wrote,
               SegmentRef* ref, std::string* path) {
    return WriteBuckets(*spec_, buckets_, store, index, partition, zstd_level, wrote, ref, path);
  }

  // The same for `coarser`, a spec with the builder's dimensions and a
  // resolution that is a multiple of its own: its groups are the builder's,
  // grouped again by the coarser bucket.
  Status WriteDerived(const RollupSpec& coarser, Store* store, const std::string& index, const std::string& partition,
                      int zstd_level, bool* wrote, SegmentRef* ref, std::string* path) {
    if (coarser.dims != spec_->dims || coarser.resolution_ms % spec_->resolution_ms != 0) {
      return Status::InvalidArgument(fmt::format("rollup {} is not coarser than {}", coarser.name, spec_->name));
    }
    Buckets coarse;
    for (uint64_t bucket : SortedBuckets(buckets_)) {
      const BucketGroups& fine = *buckets_.at(bucket);
      auto& slot = coarse[static_cast<uint64_t>(RollupBucket(static_cast<int64_t>(bucket), coarser.resolution_ms))];
      if (slot == nullptr) slot = std::make_unique<BucketGroups>(key_words_);
      for (uint32_t g = 0; g < fine.table.size(); ++g) {
        GroupSums& sum = slot->Add(fine.table.key(g));
        const GroupSums& add = fine.sums[g];
        sum.docs += add.docs;
        sum.bytes += add.bytes;
        sum.packets += add.packets;
        sum.has_bytes |= add.has_bytes;
        sum.has_packets |= add.has_packets;
      }
    }
    return WriteBuckets(coarser, coarse, store, index, partition, zstd_level, wrote, ref, path);
  }

 private:
  static std::vector<uint64_t> SortedBuckets(const Buckets& buckets) {
    std::vector<uint64_t> out;
    out.reserve(buckets.size());
    for (const auto& [bucket, groups] : buckets) out.push_back(bucket);
    std::sort(out.begin(), out.end());
    return out;
  }

  Status WriteBuckets(const RollupSpec& spec, const Buckets& buckets, Store* store, const std::string& index,
                      const std::string& partition, int zstd_level, bool* wrote, SegmentRef* ref, std::string* path) {
    *wrote = false;
    if (buckets.empty()) return Status::OK();
    // By bucket, then in the order groups were first seen (flows arrive
    // roughly by time): blocks then cover narrow time ranges. A spec with a
    // cluster dimension orders by its value first (ids, not text order):
    // the rows of one value are then on a few pages, so that a filter on
    // it reads those pages only.
    struct Row {
      uint64_t time;
      const BucketGroups* groups;
      uint32_t g;
    };
    std::vector<Row> rows;
    for (uint64_t time : SortedBuckets(buckets)) {
      const BucketGroups& groups = *buckets.at(time);
      for (uint32_t g = 0; g < groups.table.size(); ++g) rows.push_back(Row{time, &groups, g});
    }
    const auto cluster = std::find_if(columns_.begin(), columns_.end(), [&](const ColumnValues& c) {
      return !spec.cluster.empty() && c.name == spec.cluster;
    });
    if (cluster != columns_.end()) {
      // Sorted as (value, place) pairs: rows are already in time order, so
      // the place breaks ties as a stable sort would, at half the cost.
      const size_t c = cluster - columns_.begin();
      const KeySlot& slot = slots_[c];
      std::vector<std::pair<uint64_t, uint64_t>> order(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        const uint64_t* k = rows[i].groups->table.key(rows[i].g);
        order[i] = {(k[0] >> c & 1) ? (k[slot.word] >> slot.shift) & slot.mask : UINT64_MAX, i};  // absent last
      }
      std::sort(order.begin(), order.end());
      std::vector<Row> sorted;
      sorted.reserve(rows.size());
      for (const auto& [value, i] : order) sorted.push_back(rows[i]);
      rows = std::move(sorted);
    }
    Status s = store->NewSegment(index, partition, ref, path);
    if (!s.ok()) return s;
    SegmentBuilder::Options options;
    options.zstd_level = zstd_level;
    options.time_column = std::string(kTimestampColumn);
    std::unique_ptr<SegmentBuilder> builder;
    s = SegmentBuilder::Create(*path, options, &builder);
    if (!s.ok()) return s;
    const int time_out = builder->AddColumn(kTimestampColumn, ColumnType::kTimestamp);
    std::vector<int> dim_out(columns_.size(), -1);
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (columns_[c].seen) dim_out[c] = builder->AddColumn(columns_[c].name, columns_[c].type);
    }
    const int bytes_out = builder->AddColumn(RollupSumColumns()[0], ColumnType::kUInt64);
    const int packets_out = builder->AddColumn(RollupSumColumns()[1], ColumnType::kUInt64);
    const int docs_out = builder->AddColumn(kDocCountColumn, ColumnType::kUInt64);
    for (const Row& row : rows) {
      const uint64_t* k = row.groups->table.key(row.g);
      builder->SetInteger(time_out, row.time);
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (!(k[0] >> c & 1)) continue;
        const ColumnValues& col = columns_[c];
        const KeySlot& slot = slots_[c];
        const uint64_t v = (k[slot.word] >> slot.shift) & slot.mask;
        if (col.type == ColumnType::kIp) {
          builder->SetIp(dim_out[c], col.Ip(v));
        } else if (HasDictionary(col.type)) {
          builder->SetKeyword(dim_out[c], col.texts[v]);
        } else {
          builder->SetInteger(dim_out[c], v);
        }
      }
      const GroupSums& sum = row.groups->sums[row.g];
      if (sum.has_bytes) builder->SetInteger(bytes_out, sum.bytes);
      if (sum.has_packets) builder->SetInteger(packets_out, sum.packets);
      builder->SetInteger(docs_out, sum.docs);
      s = builder->FinishRow();
      if (!s.ok()) return s;
    }
    s = FinishSegment(builder.get(), ref);
    if (!s.ok()) return s;
    ref->rollup = std::string(spec.name);
    ref->rollup_version = kRollupVersion;
    *wrote = true;
    return Status::OK();
  }

  // The groups of the bucket starting at `bucket`, added when new.
  BucketGroups& Bucket(uint64_t bucket, size_t width) {
    if (last_groups_ == nullptr || bucket != last_bucket_) {
      auto& slot = buckets_[bucket];
      if (slot == nullptr) slot = std::make_unique<BucketGroups>(width);
      last_bucket_ = bucket;
      last_groups_ = slot.get();
    }
    return *last_groups_;
  }

  // Where each dimension's value sits in a key: `bits` wide (its type's
  // range: 32 for keyword ids, 33 for address ids, 16 for ports), at
  // `shift` in word `word`. Word 0 starts with one presence bit per
  // dimension. Packing keys into few words makes them quicker to hash and
  // compare, and the tables smaller.
  struct KeySlot {
    uint32_t word = 0, shift = 0;
    uint64_t mask = ~uint64_t{0};
  };
  static uint32_t KeyBits(ColumnType type) {
    switch (type) {
      case ColumnType::kBool: return 1;
      case ColumnType::kUInt8: return 8;
      case ColumnType::kUInt16: return 16;
      case ColumnType::kUInt32:
      case ColumnType::kKeyword: return 32;  // keyword: ColumnValues::TextId
      case ColumnType::kIp: return 33;       // ColumnValues::IpId
      default: return 64;
    }
  }
  // Fills slots_ and key_words_: widest dimensions first, each into the
  // first word with room (n <= 62 presence bits take word 0's low bits).
  void PlanKey() {
    const size_t n = columns_.size();
    std::vector<uint32_t> used{static_cast<uint32_t>(n)};
    std::vector<size_t> order(n);
    for (size_t c = 0; c < n; ++c) order[c] = c;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return KeyBits(columns_[a].type) > KeyBits(columns_[b].type); });
    slots_.assign(n, KeySlot{});
    for (size_t c : order) {
      const uint32_t bits = KeyBits(columns_[c].type);
      size_t w = 0;
      while (w < used.size() && used[w] + bits > 64) ++w;
      if (w == used.size()) used.push_back(0);
      slots_[c].word = static_cast<uint32_t>(w);
      slots_[c].shift = used[w];
      slots_[c].mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
      used[w] += bits;
    }
    key_words_ = used.size();
  }

  // Fills keys[k * key_words_ ...] for rows first + k, k < count: presence
  // bits, then each dimension's value as a small integer (0 when absent)
  // in its slot. Column by column, so that each column's type is looked at
  // once.
  void BuildKeys(const std::vector<ColumnBlock>& blocks, const std::vector<int>& at,
                 const std::vector<std::vector<uint64_t>>& code_ids, uint32_t first, uint32_t count, uint64_t* keys) {
    const size_t width = key_words_;
    std::fill(keys, keys + size_t{count} * width, 0);
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (at[c] < 0) continue;
      const ColumnBlock& blk = blocks[c];
      const uint64_t bit = uint64_t{1} << c;
      if (!blk.presence.empty()) {
        for (uint32_t k = 0; k < count; ++k) {
          if (blk.present(first + k)) keys[k * width] |= bit;
        }
      } else {
        for (uint32_t k = 0; k < count; ++k) keys[k * width] |= bit;
      }
      uint64_t* out = keys + slots_[c].word;
      const uint32_t shift = slots_[c].shift;
      // Absent rows decode as 0 in values and v4, and are not IPv6.
      if (blk.type == ColumnType::kIp) {
        for (uint32_t k = 0; k < count; ++k) {
          const uint32_t i = first + k;
          out[k * width] |= (blk.is_v6(i) ? columns_[c].IpId(blk.v6_at(i)) : uint64_t{blk.v4[i]}) << shift;
        }
      } else if (HasDictionary(blk.type)) {
        const std::vector<uint64_t>& ids = code_ids[c];
        for (uint32_t k = 0; k < count; ++k) {
          const uint32_t i = first + k;
          out[k * width] |= (blk.present(i) ? ids[blk.values[i]] : 0) << shift;
        }
      } else {
        const uint64_t mask = slots_[c].mask;  // the type's range: never spills into a neighbour
        for (uint32_t k = 0; k < count; ++k) out[k * width] |= (blk.values[first + k] & mask) << shift;
      }
    }
  }

  const RollupSpec* spec_;
  std::vector<ColumnValues> columns_;  // one per dimension
  std::vector<KeySlot> slots_;         // one per dimension
  size_t key_words_ = 1;
  Buckets buckets_;
  uint64_t last_bucket_ = 0;
  BucketGroups* last_groups_ = nullptr;  // buckets_[last_bucket_]: rows of one bucket come in runs
  ColumnBlock time_block_, bytes_block_, packets_block_, weight_block_;
};

}  // namespace

Status BuildRollups(Store* store, const std::string& index, const std::string& partition,
                    const std::vector<std::shared_ptr<SegmentReader>>& inputs,
                    const std::vector<const RollupSpec*>& specs, int zstd_level, CancellationToken cancel,
                    std::vector<SegmentRef>* out, RollupBuildStats* stats) {
  for (const RollupSpec* spec : specs) {
    if (spec->dims.size() > 62) return Status::InvalidArgument("a rollup has at most 62 dimensions");
  }
  // Each rollup on its own core: read, group, write; a coarser twin (same
  // dimensions, a resolution that is a multiple) of another spec built here
  // is grouped from that one's groups.
  auto twin_of = [](const RollupSpec* fine, const RollupSpec* coarse) {
    return fine != coarse && fine->dims == coarse->dims && coarse->resolution_ms > fine->resolution_ms &&
           coarse->resolution_ms % fine->resolution_ms == 0;
  };
  struct Output {
    SegmentRef ref;
    std::string path;
    bool wrote = false;
  };
  struct Job {
    std::unique_ptr<SpecBuilder> builder;
    const RollupSpec* derived = nullptr;
    Output own, twin;
    Status status;
  };
  std::vector<Job> jobs;
  for (const RollupSpec* spec : specs) {
    if (std::any_of(specs.begin(), specs.end(), [&](const RollupSpec* s) { return twin_of(s, spec); })) continue;
    jobs.emplace_back();
    jobs.back().builder = std::make_unique<SpecBuilder>(spec);
    for (const RollupSpec* s : specs) {
      if (twin_of(spec, s)) jobs.back().derived = s;
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < jobs.size(); i = next.fetch_add(1)) {
      Job& job = jobs[i];
      for (const auto& in : inputs) {
        job.status = job.builder->Add(*in, partition, cancel);
        if (!job.status.ok()) break;
      }
      if (job.status.ok()) {
        job.status =
            job.builder->Write(store, index, partition, zstd_level, &job.own.wrote, &job.own.ref, &job.own.path);
      }
      if (job.status.ok() && job.derived != nullptr) {
        job.status = job.builder->WriteDerived(*job.derived, store, index, partition, zstd_level, &job.twin.wrote,
                                               &job.twin.ref, &job.twin.path);
      }
      job.builder.reset();  // its memory, before the next rollup
    }
  };
  ThreadPool* pool = ThreadPool::Shared();
  pool->RunOnAll(std::min(pool->size(), jobs.empty() ? size_t{0} : jobs.size() - 1), work);
  Status status;
  for (const Job& job : jobs) {
    if (!job.status.ok() && status.ok()) status = job.status;
  }
  if (!status.ok()) {
    for (const Job& job : jobs) {
      for (const Output* o : {&job.own, &job.twin}) {
        if (o->wrote) ::unlink(o->path.c_str());
      }
    }
    return status;
  }
  for (const Job& job : jobs) {
    for (const Output* o : {&job.own, &job.twin}) {
      if (!o->wrote) continue;
      out->push_back(o->ref);
      if (stats != nullptr) {
        stats->output_rows += o->ref.rows;
        stats->output_bytes += o->ref.bytes;
      }
    }
  }
  if (stats != nullptr && !inputs.empty()) {
    for (const auto& in : inputs) stats->input_rows += in->rows();
  }
  return Status::OK();
}

}  // namespace flowdex
