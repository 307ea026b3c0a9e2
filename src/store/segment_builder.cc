#include "store/segment_builder.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "store/bitmap.h"
#include "store/byte_io.h"
#include "store/checksum.h"
#include "store/tokenizer.h"
#include "util/file_util.h"

namespace flowdex {

// Types that SegmentBuilder::Column (declared in the header) holds.
namespace segment_builder_internal {

// Which pages each value appears on, for values numbered from 0. Rows
// arrive in order, so each value's pages arrive in order: a value keeps
// only its last page, and each new (value, page) pair goes to one flat
// array, which writing groups by value (a counting sort). No allocation per
// value, and one small array lookup per row.
class PagePostings {
 public:
  void Add(uint32_t value, uint32_t page) {
    if (value >= last_page_.size()) last_page_.resize(value + 1 + value / 2, kNoPage);
    if (last_page_[value] == page) return;
    last_page_[value] = page;
    entries_.push_back(Entry{value, page});
  }
  uint64_t memory() const { return last_page_.capacity() * 4 + entries_.capacity() * sizeof(Entry); }

  // Each value's pages, in page order: value v's are pages[start[v],
  // start[v + 1]); values numbered beyond those added have none.
  struct Grouped {
    std::vector<uint32_t> start;
    std::vector<uint32_t> pages;
    size_t values() const { return start.size() - 1; }
    bool empty(uint32_t v) const { return start[v] == start[v + 1]; }
    const uint32_t* of(uint32_t v) const { return pages.data() + start[v]; }
    size_t count(uint32_t v) const { return start[v + 1] - start[v]; }
  };
  Grouped Group() const {
    Grouped g;
    g.start.assign(last_page_.size() + 1, 0);
    for (const Entry& e : entries_) ++g.start[e.value + 1];
    for (size_t v = 1; v < g.start.size(); ++v) g.start[v] += g.start[v - 1];
    g.pages.resize(entries_.size());
    std::vector<uint32_t> next(g.start.begin(), g.start.end() - 1);
    for (const Entry& e : entries_) g.pages[next[e.value]++] = e.page;  // stable: pages stay in order
    return g;
  }

 private:
  static constexpr uint32_t kNoPage = UINT32_MAX;
  struct Entry {
    uint32_t value, page;
  };
  std::vector<uint32_t> last_page_;
  std::vector<Entry> entries_;
};

// Appends one value's entry: its pages as a portable roaring bitmap.
void PutPages(ByteWriter& w, std::string* out, const uint32_t* pages, size_t n) {
  Bitmap bitmap(roaring_bitmap_of_ptr(n, pages));
  roaring_bitmap_run_optimize(bitmap.get());
  const size_t size = roaring_bitmap_portable_size_in_bytes(bitmap.get());
  w.PutVarint(size);
  const size_t at = out->size();
  out->resize(at + size);
  roaring_bitmap_portable_serialize(bitmap.get(), out->data() + at);
}

}  // namespace segment_builder_internal

using namespace segment_builder_internal;

struct SegmentBuilder::Column {
  ColumnMeta meta;
  std::vector<uint64_t> values;  // current block
  std::vector<IpAddress> ips;    // current block, kIp only
  PresenceBits presence;         // current block
  // Keyword dictionary, in first-seen order. The deque keeps strings in place
  // so the map's views stay valid.
  std::deque<std::string> dict;
  absl::flat_hash_map<std::string_view, uint32_t> codes;
  size_t dict_bytes = 0;
  // Page postings (HasPagePostings types): by value for integers and
  // codes, by token id for text, by address id for addresses (numbered in
  // first-seen order; ip_keys holds each id's IpSortKey).
  PagePostings postings;
  absl::flat_hash_map<uint32_t, uint32_t> ip4_ids;
  absl::flat_hash_map<std::array<uint8_t, 16>, uint32_t> ip6_ids;
  std::vector<std::array<uint8_t, 16>> ip_keys;
  uint32_t IpId(const IpAddress& ip) {
    const uint32_t next = static_cast<uint32_t>(ip_keys.size());
    uint32_t id;
    bool added;
    if (ip.is_v4()) {
      const auto [it, fresh] = ip4_ids.try_emplace(ip.v4(), next);
      id = it->second;
      added = fresh;
    } else {
      const auto [it, fresh] = ip6_ids.try_emplace(ip.bytes, next);
      id = it->second;
      added = fresh;
    }
    if (added) ip_keys.push_back(IpSortKey(ip));
    return id;
  }
  // Text columns: tokens of each dictionary entry, and each token's pages.
  std::vector<std::vector<uint32_t>> code_tokens;
  std::unordered_map<std::string, uint32_t> token_ids;
  std::vector<std::string_view> tokens;  // by id (views into token_ids' keys)
  // The last value set, so runs of one value skip the hash lookup.
  std::string_view last_value;
  uint32_t last_code = UINT32_MAX;
  // Values beyond the first of a row (arrays), current block, in row order.
  std::vector<uint32_t> extra_rows;
  std::vector<uint64_t> extra_values;
  std::vector<IpAddress> extra_ips;
  // kBlob, current block.
  std::vector<uint32_t> blob_lengths;
  std::string blob_bytes;

  void ResetBlock() {
    std::fill(presence.begin(), presence.end(), 0);
    extra_rows.clear();
    extra_values.clear();
    extra_ips.clear();
    if (!blob_lengths.empty()) std::fill(blob_lengths.begin(), blob_lengths.end(), 0);
    blob_bytes.clear();
  }
  void Mark(uint32_t row) { presence[row >> 6] |= uint64_t{1} << (row & 63); }
};

Status SegmentBuilder::Create(const std::string& path, const Options& options, std::unique_ptr<SegmentBuilder>* out) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create " + path, errno);
  std::unique_ptr<SegmentBuilder> b(new SegmentBuilder(fd, path, options));
  Status s = WriteFully(fd, std::string_view(kSegmentMagic, sizeof(kSegmentMagic)), path);
  if (!s.ok()) return s;
  b->offset_ = sizeof(kSegmentMagic);
  *out = std::move(b);
  return Status::OK();
}

SegmentBuilder::SegmentBuilder(int fd, std::string path, Options options)
    : fd_(fd), path_(std::move(path)), options_(std::move(options)), cctx_(ZSTD_createCCtx()) {}

SegmentBuilder::~SegmentBuilder() {
  ZSTD_freeCCtx(cctx_);
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink(path_.c_str());
}

int SegmentBuilder::AddColumn(std::string_view name, ColumnType type) {
  auto c = std::make_unique<Column>();
  c->meta.name = std::string(name);
  c->meta.type = type;
  if (type == ColumnType::kIp) {
    c->ips.resize(kRowsPerBlock);
  } else if (type == ColumnType::kBlob) {
    c->blob_lengths.assign(kRowsPerBlock, 0);
  } else {
    c->values.resize(kRowsPerBlock);
  }
  c->presence.assign(kRowsPerBlock / 64, 0);
  // Row groups already written have no values for this column.
  for (uint64_t b = 0; b < blocks_written_; ++b) {
    BlockMeta bm;
    bm.stats.rows = kRowsPerBlock;
    bm.stats.nulls = kRowsPerBlock;
    bm.extent.offset = 0;  // an all-absent block is not stored (size 0)
    c->meta.blocks.push_back(bm);
  }
  if (name == options_.time_column && type == ColumnType::kTimestamp) time_column_ = column_count();
  columns_.push_back(std::move(c));
  return column_count() - 1;
}

void SegmentBuilder::SetInteger(int column, uint64_t value) {
  Column& c = *columns_[column];
  c.values[row_in_block_] = value;
  c.Mark(row_in_block_);
}

void SegmentBuilder::SetIp(int column, const IpAddress& ip) {
  Column& c = *columns_[column];
  c.ips[row_in_block_] = ip;
  c.Mark(row_in_block_);
}

uint32_t SegmentBuilder::Intern(Column& c, std::string_view value) {
  if (c.last_code != UINT32_MAX && value == c.last_value) return c.last_code;
  uint32_t code;
  auto it = c.codes.find(value);
  if (it != c.codes.end()) {
    code = it->second;
  } else {
    code = static_cast<uint32_t>(c.dict.size());
    c.dict.emplace_back(value);
    c.codes.emplace(c.dict.back(), code);
    c.dict_bytes += value.size() + 48;
  }
  c.last_value = c.dict[code];
  c.last_code = code;
  return code;
}

void SegmentBuilder::SetKeyword(int column, std::string_view value) {
  Column& c = *columns_[column];
  c.values[row_in_block_] = Intern(c, value);
  c.Mark(row_in_block_);
}

uint32_t SegmentBuilder::KeywordCode(int column, std::string_view value) { return Intern(*columns_[column], value); }

void SegmentBuilder::SetKeywordCode(int column, uint32_t code) {
  Column& c = *columns_[column];
  c.values[row_in_block_] = code;
  c.Mark(row_in_block_);
}

void SegmentBuilder::SetBlob(int column, std::string_view bytes) {
  Column& c = *columns_[column];
  if (IsPresent(c.presence, row_in_block_)) return;  // one blob per row
  c.blob_lengths[row_in_block_] = static_cast<uint32_t>(bytes.size());
  c.blob_bytes.append(bytes);
  c.Mark(row_in_block_);
}

void SegmentBuilder::AddInteger(int column, uint64_t value) {
  Column& c = *columns_[column];
  if (!IsPresent(c.presence, row_in_block_)) return SetInteger(column, value);
  c.extra_rows.push_back(row_in_block_);
  c.extra_values.push_back(value);
}

void SegmentBuilder::AddIp(int column, const IpAddress& ip) {
  Column& c = *columns_[column];
  if (!IsPresent(c.presence, row_in_block_)) return SetIp(column, ip);
  c.extra_rows.push_back(row_in_block_);
  c.extra_ips.push_back(ip);
}

void SegmentBuilder::AddKeyword(int column, std::string_view value) {
  Column& c = *columns_[column];
  if (!IsPresent(c.presence, row_in_block_)) return SetKeyword(column, value);
  c.extra_rows.push_back(row_in_block_);
  c.extra_values.push_back(Intern(c, value));
}

Status SegmentBuilder::FinishRow() {
  ++rows_;
  if (++row_in_block_ == kRowsPerBlock) return FlushBlock();
  return Status::OK();
}

Status SegmentBuilder::Compress(std::string_view raw) {
  compressed_.resize(ZSTD_compressBound(raw.size()));
  const size_t n =
      ZSTD_compressCCtx(cctx_, compressed_.data(), compressed_.size(), raw.data(), raw.size(), options_.zstd_level);
  if (ZSTD_isError(n)) return Status::IoError(fmt::format("{}: zstd: {}", path_, ZSTD_getErrorName(n)));
  compressed_.resize(n);
  return Status::OK();
}

Status SegmentBuilder::WriteCompressedBuffer(uint64_t raw_size, Extent* extent) {
  extent->offset = offset_;
  extent->size = compressed_.size();
  extent->raw_size = raw_size;
  extent->crc = Crc32c(compressed_);
  Status s = WriteFully(fd_, compressed_, path_);
  if (s.ok()) offset_ += compressed_.size();
  return s;
}

Status SegmentBuilder::WriteCompressed(std::string_view raw, Extent* extent) {
  Status s = Compress(raw);
  return s.ok() ? WriteCompressedBuffer(raw.size(), extent) : s;
}

void SegmentBuilder::AddPostings(Column& c, const uint32_t* rows, const uint64_t* values, const IpAddress* ips,
                                 size_t n) {
  const uint64_t first_row = blocks_written_ * kRowsPerBlock;
  for (size_t k = 0; k < n; ++k) {
    const uint32_t page = static_cast<uint32_t>((first_row + rows[k]) / kRowsPerPage);
    if (c.meta.type == ColumnType::kIp) {
      c.postings.Add(c.IpId(ips[k]), page);
    } else if (c.meta.type == ColumnType::kText) {
      const uint64_t code = values[k];
      if (code >= c.code_tokens.size()) c.code_tokens.resize(code + 1);
      std::vector<uint32_t>& ids = c.code_tokens[code];
      if (ids.empty()) {
        ForEachToken(c.dict[code], [&](std::string_view token) {
          auto [it, added] = c.token_ids.try_emplace(std::string(token), static_cast<uint32_t>(c.tokens.size()));
          if (added) c.tokens.push_back(it->first);
          ids.push_back(it->second);
        });
      }
      for (uint32_t t : ids) c.postings.Add(t, page);
    } else {
      c.postings.Add(static_cast<uint32_t>(values[k]), page);
    }
  }
}

Status SegmentBuilder::WritePostings(Column& c) {
  scratch_.clear();
  ByteWriter w(&scratch_);
  const PagePostings::Grouped g = c.postings.Group();
  // Values with pages, in the order the format asks for.
  std::vector<uint32_t> order;
  for (uint32_t v = 0; v < g.values(); ++v) {
    if (!g.empty(v)) order.push_back(v);
  }
  if (c.meta.type == ColumnType::kIp) {
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return c.ip_keys[a] < c.ip_keys[b]; });
  } else if (c.meta.type == ColumnType::kText) {
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return c.tokens[a] < c.tokens[b]; });
  }
  for (uint32_t v : order) {
    if (c.meta.type == ColumnType::kIp) {
      w.PutBytes(c.ip_keys[v].data(), 16);
    } else if (c.meta.type == ColumnType::kText) {
      w.PutString(c.tokens[v]);
    } else {
      w.PutVarint(v);
    }
    PutPages(w, &scratch_, g.of(v), g.count(v));
  }
  c.meta.postings_entries = 0;
  if (order.empty()) return Status::OK();
  // Postings that cost more than a quarter of the column's own data (values
  // that change from row to row, such as ephemeral ports) would rarely let a
  // query skip anything: such a column is filtered by scanning instead.
  Status s = Compress(scratch_);
  if (!s.ok()) return s;
  uint64_t data_bytes = 0;
  for (const BlockMeta& b : c.meta.blocks) data_bytes += b.extent.size;
  if (compressed_.size() * 4 > data_bytes && compressed_.size() > 4096) return Status::OK();
  c.meta.postings_entries = order.size();
  return WriteCompressedBuffer(scratch_.size(), &c.meta.postings);
}

Status SegmentBuilder::FlushBlock() {
  if (row_in_block_ == 0) return Status::OK();
  std::vector<uint32_t> rows, counts;
  std::vector<uint64_t> flat_values;
  std::vector<IpAddress> flat_ips;
  for (auto& cp : columns_) {
    Column& c = *cp;
    scratch_.clear();
    BlockMeta bm;
    BlockInput in;
    in.type = c.meta.type;
    in.rows = row_in_block_;
    in.presence = &c.presence;
    in.values = c.values.data();
    in.ips = c.ips.data();
    // (row, value) pairs for the postings.
    rows.clear();
    if (c.meta.type == ColumnType::kBlob) {
      in.blob_lengths = c.blob_lengths.data();
      in.blob_bytes = c.blob_bytes;
    } else if (!c.extra_rows.empty()) {
      // Arrays in this block: interleave each row's first value and extras.
      counts.assign(row_in_block_, 0);
      flat_values.clear();
      flat_ips.clear();
      const bool ip = c.meta.type == ColumnType::kIp;
      size_t k = 0;
      for (uint32_t i = 0; i < row_in_block_; ++i) {
        if (!IsPresent(c.presence, i)) continue;
        ++counts[i];
        rows.push_back(i);
        if (ip) {
          flat_ips.push_back(c.ips[i]);
        } else {
          flat_values.push_back(c.values[i]);
        }
        for (; k < c.extra_rows.size() && c.extra_rows[k] == i; ++k) {
          ++counts[i];
          rows.push_back(i);
          if (ip) {
            flat_ips.push_back(c.extra_ips[k]);
          } else {
            flat_values.push_back(c.extra_values[k]);
          }
        }
      }
      in.counts = counts.data();
      in.total = rows.size();
      in.values = flat_values.data();
      in.ips = flat_ips.data();
    } else {
      for (uint32_t i = 0; i < row_in_block_; ++i) {
        if (IsPresent(c.presence, i)) rows.push_back(i);
      }
    }
    EncodeColumnBlock(in, &scratch_, &bm.stats);
    if (bm.stats.has_values()) {
      Status s = WriteCompressed(scratch_, &bm.extent);
      if (!s.ok()) return s;
    }
    c.meta.blocks.push_back(bm);
    if (HasPagePostings(c.meta.type) && bm.stats.has_values()) {
      if (in.counts != nullptr) {
        AddPostings(c, rows.data(), in.values, in.ips, rows.size());
      } else {
        // Single-valued: values are indexed by row.
        std::vector<uint64_t> vals;
        std::vector<IpAddress> ips;
        for (uint32_t r : rows) {
          if (c.meta.type == ColumnType::kIp) {
            ips.push_back(c.ips[r]);
          } else {
            vals.push_back(c.values[r]);
          }
        }
        AddPostings(c, rows.data(), vals.data(), ips.data(), rows.size());
      }
    }
    c.ResetBlock();
  }
  ++blocks_written_;
  row_in_block_ = 0;
  return Status::OK();
}

Status SegmentBuilder::Finish(SegmentMeta* meta) {
  Status s = FlushBlock();
  SegmentMeta m;
  m.rows = rows_;
  for (auto& cp : columns_) {
    Column& c = *cp;
    if (!s.ok()) break;
    if (HasDictionary(c.meta.type)) {
      scratch_.clear();
      ByteWriter w(&scratch_);
      for (const std::string& v : c.dict) w.PutString(v);
      c.meta.dictionary_entries = c.dict.size();
      s = WriteCompressed(scratch_, &c.meta.dictionary);
    }
    if (s.ok() && HasPagePostings(c.meta.type)) s = WritePostings(c);
    if (time_column_ >= 0 && &c == columns_[time_column_].get()) {
      bool any = false;
      for (const BlockMeta& b : c.meta.blocks) {
        if (!b.stats.has_values()) continue;
        const int64_t lo = static_cast<int64_t>(b.stats.min), hi = static_cast<int64_t>(b.stats.max);
        m.min_time = any ? std::min(m.min_time, lo) : lo;
        m.max_time = any ? std::max(m.max_time, hi) : hi;
        any = true;
      }
    }
    m.columns.push_back(c.meta);
  }
  if (!s.ok()) return s;
  const std::string dir = EncodeSegmentDirectory(m);
  std::string footer;
  ByteWriter w(&footer);
  w.PutFixed64(offset_);
  w.PutFixed32(static_cast<uint32_t>(dir.size()));
  w.PutFixed32(Crc32c(dir));
  w.PutBytes(kSegmentFooterMagic, sizeof(kSegmentFooterMagic));
  s = WriteFully(fd_, dir + footer, path_);
  if (s.ok() && ::fsync(fd_) != 0) s = Status::FromErrno("fsync " + path_, errno);
  if (!s.ok()) return s;
  offset_ += dir.size() + footer.size();
  ::close(fd_);
  fd_ = -1;
  finished_ = true;
  *meta = std::move(m);
  return Status::OK();
}

size_t SegmentBuilder::memory_usage() const {
  size_t n = 0;
  for (const auto& c : columns_) {
    n += c->values.capacity() * sizeof(uint64_t) + c->ips.capacity() * sizeof(IpAddress) + c->dict_bytes +
         c->presence.capacity() * 8 + c->postings.memory() + c->ip_keys.capacity() * 16 +
         (c->ip4_ids.capacity() + c->ip6_ids.capacity()) * 24;
  }
  return n + scratch_.capacity() + compressed_.capacity();
}

}  // namespace flowdex
