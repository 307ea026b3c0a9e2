#include "store/segment_builder.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <fmt/format.h>

#include "store/byte_io.h"
#include "store/checksum.h"
#include "util/file_util.h"

namespace flowdex {

struct SegmentBuilder::Column {
  ColumnMeta meta;
  std::vector<uint64_t> values;  // current block
  std::vector<IpAddress> ips;    // current block, kIp only
  PresenceBits presence;         // current block
  // Keyword dictionary, in first-seen order. The deque keeps strings in place
  // so the map's views stay valid.
  std::deque<std::string> dict;
  std::unordered_map<std::string_view, uint32_t> codes;
  size_t dict_bytes = 0;

  void ResetBlock() { std::fill(presence.begin(), presence.end(), 0); }
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

void SegmentBuilder::SetKeyword(int column, std::string_view value) {
  Column& c = *columns_[column];
  auto it = c.codes.find(value);
  uint32_t code;
  if (it != c.codes.end()) {
    code = it->second;
  } else {
    code = static_cast<uint32_t>(c.dict.size());
    c.dict.emplace_back(value);
    c.codes.emplace(c.dict.back(), code);
    c.dict_bytes += value.size() + 48;
  }
  c.values[row_in_block_] = code;
  c.Mark(row_in_block_);
}

Status SegmentBuilder::FinishRow() {
  ++rows_;
  if (++row_in_block_ == kRowsPerBlock) return FlushBlock();
  return Status::OK();
}

Status SegmentBuilder::WriteCompressed(std::string_view raw, Extent* extent) {
  compressed_.resize(ZSTD_compressBound(raw.size()));
  const size_t n = ZSTD_compressCCtx(cctx_, compressed_.data(), compressed_.size(), raw.data(), raw.size(),
                                     options_.zstd_level);
  if (ZSTD_isError(n)) return Status::IoError(fmt::format("{}: zstd: {}", path_, ZSTD_getErrorName(n)));
  extent->offset = offset_;
  extent->size = n;
  extent->raw_size = raw.size();
  extent->crc = Crc32c(compressed_.data(), n);
  Status s = WriteFully(fd_, std::string_view(compressed_.data(), n), path_);
  if (s.ok()) offset_ += n;
  return s;
}

Status SegmentBuilder::FlushBlock() {
  if (row_in_block_ == 0) return Status::OK();
  for (auto& cp : columns_) {
    Column& c = *cp;
    scratch_.clear();
    BlockMeta bm;
    EncodeColumnBlock(c.meta.type, row_in_block_, c.presence, c.values.data(), c.ips.data(), &scratch_, &bm.stats);
    if (bm.stats.has_values()) {
      Status s = WriteCompressed(scratch_, &bm.extent);
      if (!s.ok()) return s;
    }
    c.meta.blocks.push_back(bm);
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
    if (c.meta.type == ColumnType::kKeyword) {
      scratch_.clear();
      ByteWriter w(&scratch_);
      for (const std::string& v : c.dict) w.PutString(v);
      c.meta.dictionary_entries = c.dict.size();
      s = WriteCompressed(scratch_, &c.meta.dictionary);
    }
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
         c->presence.capacity() * 8;
  }
  return n + scratch_.capacity() + compressed_.capacity();
}

}  // namespace flowdex
