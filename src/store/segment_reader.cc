#include "store/segment_reader.h"

#include <atomic>

#include "store/block_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "store/byte_io.h"
#include "store/checksum.h"
#include "util/file_util.h"

namespace flowdex {

// A column's postings: the decompressed blob and, sorted by key, where each
// value's bitmap lies in it. Keys are 16-byte addresses, or varint-encoded
// integers re-encoded as 8 big-endian bytes so both sort as strings.
struct SegmentReader::PostingsIndex {
  std::string blob;
  struct Entry {
    std::string key;
    size_t offset, size;
  };
  std::vector<Entry> entries;
};

Status SegmentReader::Open(const std::string& path, std::unique_ptr<SegmentReader>* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::NotFound(path) : Status::FromErrno("open " + path, errno);
  std::unique_ptr<SegmentReader> r(new SegmentReader(fd, path));
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat " + path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof(kSegmentMagic) + kSegmentFooterSize) {
    return Status::Corruption(fmt::format("{}: too short for a segment ({} bytes)", path, size));
  }
  std::string head, footer;
  Status s = ReadAt(fd, 0, sizeof(kSegmentMagic), &head, path);
  if (s.ok()) s = ReadAt(fd, size - kSegmentFooterSize, kSegmentFooterSize, &footer, path);
  if (!s.ok()) return s;
  if (std::memcmp(head.data(), kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
    return Status::Corruption(path + ": not a flowdex segment (bad magic at offset 0)");
  }
  ByteReader fr(footer);
  uint64_t dir_offset = 0;
  uint32_t dir_size = 0, dir_crc = 0;
  fr.GetFixed64(&dir_offset);
  fr.GetFixed32(&dir_size);
  fr.GetFixed32(&dir_crc);
  if (std::memcmp(footer.data() + 16, kSegmentFooterMagic, sizeof(kSegmentFooterMagic)) != 0 ||
      dir_offset + dir_size + kSegmentFooterSize != size) {
    return Status::Corruption(
        fmt::format("{}: bad footer at offset {} (truncated or overwritten)", path, size - kSegmentFooterSize));
  }
  std::string dir;
  s = ReadAt(fd, dir_offset, dir_size, &dir, path);
  if (!s.ok()) return s;
  if (Crc32c(dir) != dir_crc) {
    return Status::Corruption(fmt::format("{}: checksum mismatch in the directory at offset {}", path, dir_offset));
  }
  if (!DecodeSegmentDirectory(dir, &r->meta_)) {
    return Status::Corruption(fmt::format("{}: malformed directory at offset {}", path, dir_offset));
  }
  for (const ColumnMeta& c : r->meta_.columns) {
    for (const BlockMeta& b : c.blocks) {
      if (b.extent.offset + b.extent.size > dir_offset) {
        return Status::Corruption(fmt::format("{}: column {} has a block past the data", path, c.name));
      }
    }
  }
  r->dictionaries_.resize(r->meta_.columns.size());
  r->keyword_codes_.resize(r->meta_.columns.size());
  r->postings_.resize(r->meta_.columns.size());
  *out = std::move(r);
  return Status::OK();
}

namespace {
std::atomic<uint64_t> g_next_reader_id{1};
}  // namespace

SegmentReader::SegmentReader(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), id_(g_next_reader_id.fetch_add(1)) {}

SegmentReader::~SegmentReader() { ::close(fd_); }

int SegmentReader::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < meta_.columns.size(); ++i) {
    if (meta_.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status SegmentReader::ReadCompressed(const Extent& e, std::string_view what, std::string* compressed) const {
  Status s = ReadAt(fd_, e.offset, e.size, compressed, path_);
  if (!s.ok()) return s;
  if (Crc32c(*compressed) != e.crc) {
    return Status::Corruption(fmt::format("{}: checksum mismatch in {} at offset {}", path_, what, e.offset));
  }
  if (e.raw_size > (uint64_t{1} << 32)) {
    return Status::Corruption(fmt::format("{}: implausible size of {} at offset {}", path_, what, e.offset));
  }
  return Status::OK();
}

Status SegmentReader::ReadExtent(const Extent& e, std::string_view what, std::string* out) const {
  // Reused by each thread: growing a fresh string zeroes it first, and
  // extents are read one after another.
  thread_local std::string compressed;
  Status s = ReadCompressed(e, what, &compressed);
  if (!s.ok()) return s;
  out->resize(e.raw_size);
  const size_t n = ZSTD_decompress(out->data(), out->size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n) || n != e.raw_size) {
    return Status::Corruption(fmt::format("{}: cannot decompress {} at offset {}", path_, what, e.offset));
  }
  return Status::OK();
}

Status SegmentReader::ReadBlockShared(int column, size_t block, std::shared_ptr<const ColumnBlock>* out) const {
  if (cache_ != nullptr) {
    *out = cache_->Lookup(id_, column, block);
    if (*out) return Status::OK();
  }
  auto decoded = std::make_shared<ColumnBlock>();
  Status s = ReadBlock(column, block, decoded.get());
  if (!s.ok()) return s;
  if (cache_ != nullptr) cache_->Insert(id_, column, block, decoded);
  *out = std::move(decoded);
  return Status::OK();
}

bool SegmentReader::BlockCacheFull() const {
  return cache_ == nullptr || cache_->bytes() + uint64_t{kRowsPerBlock} * 8 > cache_->capacity();
}

std::shared_ptr<const ColumnBlock> SegmentReader::CachedBlock(int column, size_t block) const {
  return cache_ != nullptr ? cache_->Peek(id_, column, block) : nullptr;
}

namespace {

// A zstd frame decompressed only as far as asked, into a buffer reused by
// the thread.
class StreamedBlock final : public BlockBytes {
 public:
  StreamedBlock(std::string_view compressed, size_t raw_size, std::string* buffer)
      : in_{compressed.data(), compressed.size(), 0}, raw_size_(raw_size), buffer_(buffer) {
    struct Free {
      void operator()(ZSTD_DStream* d) const { ZSTD_freeDStream(d); }
    };
    thread_local std::unique_ptr<ZSTD_DStream, Free> stream(ZSTD_createDStream());
    stream_ = stream.get();
    if (stream_ != nullptr) ZSTD_DCtx_reset(stream_, ZSTD_reset_session_only);
    if (buffer_->size() < raw_size_) buffer_->resize(raw_size_);
  }

  Status Reach(size_t n) override {
    n = std::min(n, raw_size_);
    if (stream_ == nullptr && have_ < n) return Status::ResourceExhausted("no memory for a zstd stream");
    while (have_ < n) {
      ZSTD_outBuffer out{buffer_->data(), n, have_};
      const size_t r = ZSTD_decompressStream(stream_, &out, &in_);
      if (ZSTD_isError(r) || (out.pos == have_ && in_.pos == in_.size)) {
        return Status::Corruption("cannot decompress the block");
      }
      have_ = out.pos;
    }
    return Status::OK();
  }
  std::string_view data() const override { return std::string_view(buffer_->data(), have_); }
  size_t size() const override { return raw_size_; }

 private:
  ZSTD_DStream* stream_;
  ZSTD_inBuffer in_;
  const size_t raw_size_;
  std::string* buffer_;
  size_t have_ = 0;
};

}  // namespace

Status SegmentReader::FilterBlock(int column, size_t block, const ValueFilter& filter, uint64_t* bits) const {
  const ColumnMeta& c = meta_.columns[column];
  const BlockMeta& b = c.blocks[block];
  if (!b.stats.has_values()) {
    std::fill(bits, bits + (b.stats.rows + 63) / 64, 0);
    return Status::OK();
  }
  thread_local std::string compressed, raw;
  Status s = ReadCompressed(b.extent, "a column block", &compressed);
  if (!s.ok()) return s.WithContext(fmt::format("block {} of column {}", block, c.name));
  StreamedBlock bytes(compressed, b.extent.raw_size, &raw);
  s = FilterColumnBlock(c.type, b.stats.rows, &bytes, filter, bits);
  if (s.ok() || s.code() == Status::Code::kUnsupported) return s;
  return s.WithContext(fmt::format("{}: block {} of column {} at offset {}", path_, block, c.name, b.extent.offset));
}

Status SegmentReader::GatherBlock(int column, size_t block, const uint32_t* sel, size_t n, ColumnBlock* out) const {
  const ColumnMeta& c = meta_.columns[column];
  const BlockMeta& b = c.blocks[block];
  if (c.type == ColumnType::kIp || c.type == ColumnType::kBlob) return Status::Unsupported("not an integer-like block");
  if (!b.stats.has_values()) {
    // Encoded as nothing at all: every row absent.
    static constexpr char kAllNullBlock[] = {0};
    return GatherColumnBlock(c.type, b.stats.rows, std::string_view(kAllNullBlock, 1), sel, n, out);
  }
  const std::string what = fmt::format("block {} of column {}", block, c.name);
  thread_local std::string raw;
  Status s = ReadExtent(b.extent, what, &raw);
  if (!s.ok()) return s;
  s = GatherColumnBlock(c.type, b.stats.rows, raw, sel, n, out);
  if (s.ok() && HasDictionary(c.type)) {
    for (size_t k = 0; k < n; ++k) {
      if (out->present(sel[k]) && out->values[sel[k]] >= c.dictionary_entries) {
        s = Status::Corruption("keyword code past the dictionary");
        break;
      }
    }
  }
  if (s.ok() || s.code() == Status::Code::kUnsupported) return s;
  return s.WithContext(fmt::format("{}: {} at offset {}", path_, what, b.extent.offset));
}

Status SegmentReader::ReadBlock(int column, size_t block, ColumnBlock* out) const {
  const ColumnMeta& c = meta_.columns[column];
  const BlockMeta& b = c.blocks[block];
  if (!b.stats.has_values()) {
    out->type = c.type;
    out->rows = b.stats.rows;
    out->presence.assign((b.stats.rows + 63) / 64, 0);
    out->values.assign(c.type == ColumnType::kIp ? 0 : b.stats.rows, 0);
    out->v4.assign(c.type == ColumnType::kIp ? b.stats.rows : 0, 0);
    out->ips.clear();
    out->v6.clear();
    out->v6_rank.clear();
    out->offsets.clear();
    return Status::OK();
  }
  const std::string what = fmt::format("block {} of column {}", block, c.name);
  thread_local std::string raw;  // decoded into `out`, then reused by this thread's next block
  Status s = ReadExtent(b.extent, what, &raw);
  if (!s.ok()) return s;
  s = DecodeColumnBlock(c.type, b.stats.rows, raw, out);
  if (s.ok() && HasDictionary(c.type)) {
    for (uint64_t code : out->values) {
      if (code >= c.dictionary_entries) {
        s = Status::Corruption("keyword code past the dictionary");
        break;
      }
    }
  }
  if (!s.ok()) {
    return Status::Corruption(fmt::format("{}: {} at offset {}: {}", path_, what, b.extent.offset, s.message()));
  }
  return Status::OK();
}

Status SegmentReader::Dictionary(int column, const std::vector<std::string>** out) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (dictionaries_[column]) {
    *out = dictionaries_[column].get();
    return Status::OK();
  }
  const ColumnMeta& c = meta_.columns[column];
  if (!HasDictionary(c.type)) return Status::InvalidArgument(c.name + " is not a keyword column");
  const std::string what = "dictionary of column " + c.name;
  std::string raw;
  Status s = ReadExtent(c.dictionary, what, &raw);
  if (!s.ok()) return s;
  auto dict = std::make_unique<std::vector<std::string>>();
  dict->reserve(c.dictionary_entries);
  ByteReader r(raw);
  for (uint64_t i = 0; i < c.dictionary_entries; ++i) {
    std::string_view v;
    if (!r.GetString(&v)) {
      return Status::Corruption(fmt::format("{}: malformed {} at offset {}", path_, what, c.dictionary.offset));
    }
    dict->emplace_back(v);
  }
  *out = dict.get();
  dictionaries_[column] = std::move(dict);
  return Status::OK();
}

}  // namespace flowdex

namespace flowdex {

namespace {
std::string IntKey(uint64_t v) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[i] = static_cast<char>(v >> (56 - 8 * i));
  return k;
}
}  // namespace

Status SegmentReader::FindKeyword(int column, std::string_view value, int64_t* code) const {
  const std::vector<std::string>* dict = nullptr;
  Status s = Dictionary(column, &dict);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  auto& codes = keyword_codes_[column];
  if (!codes) {
    codes = std::make_unique<std::unordered_map<std::string_view, uint32_t>>();
    for (size_t i = 0; i < dict->size(); ++i) codes->emplace((*dict)[i], static_cast<uint32_t>(i));
  }
  auto it = codes->find(value);
  *code = it == codes->end() ? -1 : static_cast<int64_t>(it->second);
  return Status::OK();
}

Status SegmentReader::LoadPostings(int column, const PostingsIndex** out) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (postings_[column]) {
    *out = postings_[column].get();
    return Status::OK();
  }
  const ColumnMeta& c = meta_.columns[column];
  const std::string what = "postings of column " + c.name;
  auto index = std::make_unique<PostingsIndex>();
  Status s = ReadExtent(c.postings, what, &index->blob);
  if (!s.ok()) return s;
  ByteReader r(index->blob);
  for (uint64_t i = 0; i < c.postings_entries; ++i) {
    PostingsIndex::Entry e;
    uint64_t v = 0, size = 0;
    std::string_view key;
    const bool int_key = c.type != ColumnType::kIp && c.type != ColumnType::kText;
    bool ok = c.type == ColumnType::kIp     ? r.GetBytes(16, &key)
              : c.type == ColumnType::kText ? r.GetString(&key)
                                            : r.GetVarint(&v);
    ok = ok && r.GetVarint(&size) && size <= r.remaining();
    if (!ok) return Status::Corruption(fmt::format("{}: malformed {} at offset {}", path_, what, c.postings.offset));
    e.key = int_key ? IntKey(v) : std::string(key);
    e.offset = r.position();
    e.size = size;
    std::string_view skip;
    r.GetBytes(size, &skip);
    index->entries.push_back(std::move(e));
  }
  if (!std::is_sorted(index->entries.begin(), index->entries.end(),
                      [](const auto& a, const auto& b) { return a.key < b.key; })) {
    return Status::Corruption(fmt::format("{}: unsorted {} at offset {}", path_, what, c.postings.offset));
  }
  *out = index.get();
  postings_[column] = std::move(index);
  return Status::OK();
}

Status SegmentReader::Lookup(int column, std::string_view key, Bitmap* pages) const {
  *pages = NewBitmap();
  if (!HasPostings(column)) return Status::OK();
  const PostingsIndex* index = nullptr;
  Status s = LoadPostings(column, &index);
  if (!s.ok()) return s;
  auto it = std::lower_bound(index->entries.begin(), index->entries.end(), key,
                             [](const PostingsIndex::Entry& e, std::string_view k) { return e.key < k; });
  if (it == index->entries.end() || it->key != key) return Status::OK();
  roaring_bitmap_t* b = roaring_bitmap_portable_deserialize_safe(index->blob.data() + it->offset, it->size);
  if (b == nullptr) {
    return Status::Corruption(
        fmt::format("{}: malformed postings bitmap of column {}", path_, meta_.columns[column].name));
  }
  pages->reset(b);
  return Status::OK();
}

Status SegmentReader::VerifyPostings(int column) const {
  if (!HasPostings(column)) return Status::OK();
  const PostingsIndex* index = nullptr;
  Status s = LoadPostings(column, &index);
  if (!s.ok()) return s;
  const uint64_t pages = (meta_.rows + kRowsPerPage - 1) / kRowsPerPage;
  for (const PostingsIndex::Entry& e : index->entries) {
    Bitmap b(roaring_bitmap_portable_deserialize_safe(index->blob.data() + e.offset, e.size));
    uint32_t max = 0;
    if (!b || (roaring_bitmap_get_cardinality(b.get()) > 0 && (max = roaring_bitmap_maximum(b.get())) >= pages)) {
      return Status::Corruption(fmt::format("{}: malformed postings of column {} (page {} of {})", path_,
                                            meta_.columns[column].name, max, pages));
    }
  }
  return Status::OK();
}

Status SegmentReader::PagePostings(int column, uint64_t value, Bitmap* pages) const {
  return Lookup(column, IntKey(value), pages);
}

Status SegmentReader::TokenPostings(int column, std::string_view token, Bitmap* pages) const {
  return Lookup(column, token, pages);
}

Status SegmentReader::PagePostings(int column, const IpAddress& ip, Bitmap* pages) const {
  const auto key = IpSortKey(ip);
  return Lookup(column, std::string_view(reinterpret_cast<const char*>(key.data()), 16), pages);
}

}  // namespace flowdex
