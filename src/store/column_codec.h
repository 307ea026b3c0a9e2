// Encoding of one column's values for one block of rows (up to
// kRowsPerBlock), before compression. docs/format.md describes the bytes.
//
// Integers (and keyword codes, booleans, doubles' bit patterns) are stored as
// a constant, or frame-of-reference deltas from the block minimum (divided by
// 1000 when every timestamp is whole seconds), or, for non-decreasing runs,
// deltas from the previous value; each at the narrowest byte width, split into
// byte planes so the compressor sees runs of similar bytes. Addresses are
// 4-byte IPv4 when the whole block is IPv4, else 16 bytes plus a family map.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flowlog/ip_address.h"
#include "store/column_type.h"
#include "util/status.h"

namespace flowdex {

inline constexpr uint32_t kRowsPerBlock = 65536;

// Presence of values: bit i of word i/64 is set when row i has a value.
using PresenceBits = std::vector<uint64_t>;

// An allocator whose resize() leaves new elements uninitialised: decoders
// write every element, and zeroing a 512 KB block first cost as much as
// decoding it. (Explicit values, as in assign(n, 0), still initialise.)
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
inline bool IsPresent(const PresenceBits& bits, size_t row) { return (bits[row >> 6] >> (row & 63)) & 1; }

// Statistics of a block, kept in the segment directory for skipping.
struct BlockStats {
  uint32_t rows = 0;
  uint32_t nulls = 0;
  // Integer-like types: min and max of the present values as stored bit
  // patterns (compare as signed when IsSigned(type)). Unset when all null.
  uint64_t min = 0, max = 0;
  // kIp: min and max in 16-byte (IPv4-mapped) order.
  std::array<uint8_t, 16> min_ip{}, max_ip{};
  bool has_values() const { return nulls < rows; }
};

// One column's values for a block, decoded.
//
// Single-valued blocks hold one entry per row in `values` (or `ips`).
// Multi-valued blocks (arrays) and blobs set `offsets`: row i's values are
// entries [offsets[i], offsets[i+1]) of `values`/`ips`, or bytes of `blob`.
struct ColumnBlock {
  ColumnType type = ColumnType::kUInt64;
  uint32_t rows = 0;
  PresenceBits presence;  // empty when every row has a value
  // Integer-like types and doubles' bits; 0 for absent rows.
  std::vector<uint64_t, UninitializedAllocator<uint64_t>> values;
  // kIp: addresses as integers in `v4` (0 for absent entries and IPv6
  // ones). Blocks that also hold IPv6 mark those entries in `v6` and keep
  // only them, in entry order, in `ips` (4 bytes an entry, not 17: IPv6 are
  // few in flow logs); v6_rank[w] counts the IPv6 entries before word w.
  std::vector<uint32_t, UninitializedAllocator<uint32_t>> v4;
  PresenceBits v6;
  std::vector<uint32_t> v6_rank;
  std::vector<IpAddress> ips;
  std::vector<uint32_t> offsets;  // rows + 1 entries for multi-valued blocks and blobs, else empty
  std::string blob;               // kBlob: every row's bytes, back to back
  bool present(size_t row) const { return presence.empty() || IsPresent(presence, row); }
  bool multi() const { return !offsets.empty() && type != ColumnType::kBlob; }
  // Address k of a kIp block, whichever form it was decoded into (kNone for
  // an absent row of a single-valued block).
  IpAddress ip(size_t k) const {
    if (!multi() && !present(k)) return IpAddress{};
    if (is_v6(k)) return v6_at(k);
    return IpAddress::FromV4(v4[k]);
  }
  // Whether entry k of a kIp block is an IPv6 address.
  bool is_v6(size_t k) const { return !v6.empty() && IsPresent(v6, k); }
  // The IPv6 address of entry k (is_v6(k) must hold).
  const IpAddress& v6_at(size_t k) const {
    const uint64_t before = v6[k >> 6] & ((uint64_t{1} << (k & 63)) - 1);
    return ips[v6_rank[k >> 6] + static_cast<uint32_t>(std::popcount(before))];
  }
  std::string_view blob_at(size_t row) const {
    return std::string_view(blob).substr(offsets[row], offsets[row + 1] - offsets[row]);
  }
};

// What to encode for one column and one block.
struct BlockInput {
  ColumnType type = ColumnType::kUInt64;
  uint32_t rows = 0;
  const PresenceBits* presence = nullptr;  // nullptr or empty: every row has a value
  // One entry per row (bit patterns; ignored for absent rows), or, when
  // `counts` is set, every value of every row in row order.
  const uint64_t* values = nullptr;
  const IpAddress* ips = nullptr;          // instead of values, for kIp
  const uint32_t* counts = nullptr;        // multi-valued: values per row (0: absent)
  uint64_t total = 0;                      // multi-valued: sum of counts
  const uint32_t* blob_lengths = nullptr;  // kBlob: bytes per row
  std::string_view blob_bytes;             // kBlob: all rows' bytes
};

// Encodes one column's block; fills *stats (min and max over all values).
void EncodeColumnBlock(const BlockInput& in, std::string* out, BlockStats* stats);

// Shorthand for single-valued blocks: `values` holds one uint64 per row
// unless type is kIp, when `ips` does. `presence` may be empty.
void EncodeColumnBlock(ColumnType type, uint32_t rows, const PresenceBits& presence, const uint64_t* values,
                       const IpAddress* ips, std::string* out, BlockStats* stats);

// Decodes what EncodeColumnBlock wrote. Returns Corruption on malformed input.
Status DecodeColumnBlock(ColumnType type, uint32_t rows, std::string_view encoded, ColumnBlock* out);

// A test of a column's values that a block's encoded bytes can answer
// without decoding them: a row passes when it holds a value in one of
// `ranges` (inclusive, in the unsigned order of the stored bit patterns;
// IPv4 addresses as 32-bit integers for kIp), or, with `any_value`, when it
// holds a value at all.
struct ValueFilter {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  bool any_value = false;
  // kIp: the test also passes addresses outside IPv4's (and IPv4-mapped)
  // space, which `ranges` cannot say: blocks holding IPv6 are then decoded.
  bool beyond_ipv4 = false;
};
// Most ranges a ValueFilter may have (each is a pass over the block).
inline constexpr size_t kMaxFilterRanges = 8;

// The bytes of an encoded block, made available only as far as a reader
// asks (a filter that needs a block's first plane decompresses no more).
class BlockBytes {
 public:
  virtual ~BlockBytes() = default;
  // Makes at least the first min(n, size()) bytes available in data().
  // Corruption when the stored bytes are damaged.
  virtual Status Reach(size_t n) = 0;
  // The bytes available so far (a Reach may move them: views taken before
  // it are stale).
  virtual std::string_view data() const = 0;
  // The whole block's size.
  virtual size_t size() const = 0;
};

// A block already whole in memory.
class WholeBlockBytes final : public BlockBytes {
 public:
  explicit WholeBlockBytes(std::string_view bytes) : bytes_(bytes) {}
  Status Reach(size_t) override { return Status::OK(); }
  std::string_view data() const override { return bytes_; }
  size_t size() const override { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

// Sets bit i of `bits` (word i/64; (rows + 63) / 64 words, every bit past
// `rows` cleared) exactly when row i of a single-valued block passes
// `filter`, reading the encoded bytes as they are: a cold scan then neither
// allocates nor writes 8 bytes a row. Unsupported when this block cannot be
// tested so (multi-valued, delta-coded, signed or mixed-family values, more
// than kMaxFilterRanges ranges): the caller decodes it instead. Corruption
// on malformed input.
Status FilterColumnBlock(ColumnType type, uint32_t rows, BlockBytes* bytes, const ValueFilter& filter, uint64_t* bits);
Status FilterColumnBlock(ColumnType type, uint32_t rows, std::string_view encoded, const ValueFilter& filter,
                         uint64_t* bits);

// Reads only the rows `sel` (n of them, increasing, each < rows) of a
// single-valued integer-like block (keyword codes, integers, timestamps,
// bools, doubles' bits) from its encoded bytes: out->values[sel[k]] gets
// the row's value (0 when absent) and out->presence the rows of `sel` that
// have one; every other entry of out->values is left unset and every other
// row reads as absent. A sparse read of a block then writes a few values,
// not 8 bytes a row. Unsupported for addresses, multi-valued blocks and
// blobs (the caller decodes them); Corruption on malformed input, as
// DecodeColumnBlock.
Status GatherColumnBlock(ColumnType type, uint32_t rows, std::string_view encoded, const uint32_t* sel, size_t n,
                         ColumnBlock* out);

// Whether row `row` of a decoded single-valued block passes `filter`: what
// FilterColumnBlock computes from the encoded bytes, said plainly (an IPv6
// row passes an IPv4 range only as an IPv4-mapped address).
bool FilterPasses(const ValueFilter& filter, const ColumnBlock& block, size_t row);

// The 16-byte form used for address order: IPv4 as ::ffff:a.b.c.d.
std::array<uint8_t, 16> IpSortKey(const IpAddress& ip);

}  // namespace flowdex
