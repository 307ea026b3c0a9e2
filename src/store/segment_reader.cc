#include "store/segment_reader.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <fmt/format.h>

#include "store/byte_io.h"
#include "store/checksum.h"
#include "util/file_util.h"

namespace flowdex {

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
    return Status::Corruption(fmt::format("{}: bad footer at offset {} (truncated or overwritten)", path,
                                          size - kSegmentFooterSize));
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
  *out = std::move(r);
  return Status::OK();
}

SegmentReader::~SegmentReader() { ::close(fd_); }

int SegmentReader::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < meta_.columns.size(); ++i) {
    if (meta_.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status SegmentReader::ReadExtent(const Extent& e, std::string_view what, std::string* out) const {
  std::string compressed;
  Status s = ReadAt(fd_, e.offset, e.size, &compressed, path_);
  if (!s.ok()) return s;
  if (Crc32c(compressed) != e.crc) {
    return Status::Corruption(fmt::format("{}: checksum mismatch in {} at offset {}", path_, what, e.offset));
  }
  if (e.raw_size > (uint64_t{1} << 32)) {
    return Status::Corruption(fmt::format("{}: implausible size of {} at offset {}", path_, what, e.offset));
  }
  out->resize(e.raw_size);
  const size_t n = ZSTD_decompress(out->data(), out->size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n) || n != e.raw_size) {
    return Status::Corruption(fmt::format("{}: cannot decompress {} at offset {}", path_, what, e.offset));
  }
  return Status::OK();
}

Status SegmentReader::ReadBlock(int column, size_t block, ColumnBlock* out) const {
  const ColumnMeta& c = meta_.columns[column];
  const BlockMeta& b = c.blocks[block];
  if (!b.stats.has_values()) {
    out->type = c.type;
    out->rows = b.stats.rows;
    out->presence.assign((b.stats.rows + 63) / 64, 0);
    out->values.assign(c.type == ColumnType::kIp ? 0 : b.stats.rows, 0);
    out->ips.assign(c.type == ColumnType::kIp ? b.stats.rows : 0, IpAddress{});
    return Status::OK();
  }
  const std::string what = fmt::format("block {} of column {}", block, c.name);
  std::string raw;
  Status s = ReadExtent(b.extent, what, &raw);
  if (!s.ok()) return s;
  s = DecodeColumnBlock(c.type, b.stats.rows, raw, out);
  if (s.ok() && c.type == ColumnType::kKeyword) {
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
  if (c.type != ColumnType::kKeyword) return Status::InvalidArgument(c.name + " is not a keyword column");
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
