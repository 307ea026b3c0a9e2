#include "store/source_log.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>
#include <xxhash.h>

#include "store/byte_io.h"
#include "store/checksum.h"
#include "util/file_util.h"

namespace flowdex {

namespace {

uint64_t KeyHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

// Decodes one payload.
bool DecodePayload(std::string_view payload, SourceRecord* r) {
  ByteReader in(payload);
  std::string_view key, index;
  if (!in.GetString(&key) || !in.GetVarint(&r->size) || !in.GetVarint(&r->records) || !in.GetVarint(&r->bad_lines) ||
      !in.GetString(&index)) {
    return false;
  }
  // Format 5 adds the enrichment databases, only when there were some.
  std::string_view enrichment;
  if (in.remaining() != 0 && (!in.GetString(&enrichment) || in.remaining() != 0)) return false;
  r->key.assign(key);
  r->index.assign(index);
  r->enrichment.assign(enrichment);
  return true;
}

// The record at the start of `bytes`: its payload and total size; false
// when `bytes` does not start with a whole, intact record.
bool NextRecord(std::string_view bytes, std::string_view* payload, size_t* size) {
  ByteReader in(bytes);
  uint32_t crc = 0;
  if (!in.GetString(payload) || !in.GetFixed32(&crc) || Crc32c(*payload) != crc) return false;
  *size = in.position();
  return true;
}

// Calls fn(record, offset) for each record in the first `length` bytes of
// the file, reading it in pieces so that a large log needs little memory.
// Corruption when those bytes are not whole, intact records.
Status ScanRecords(int fd, const std::string& path, uint64_t length,
                   const std::function<void(const SourceRecord& record, uint64_t offset)>& fn) {
  constexpr size_t kChunk = size_t{4} << 20;
  std::string buf;
  uint64_t at = 0;   // bytes read
  uint64_t end = 0;  // bytes scanned
  SourceRecord r;
  while (at < length) {
    std::string piece;
    Status s = ReadAt(fd, at, static_cast<size_t>(std::min<uint64_t>(kChunk, length - at)), &piece, path);
    if (!s.ok()) return s;
    buf += piece;
    at += piece.size();
    // Whole records; a partial one waits for the next piece.
    size_t used = 0;
    while (used < buf.size()) {
      std::string_view payload;
      size_t n = 0;
      if (!NextRecord(std::string_view(buf).substr(used), &payload, &n)) break;
      if (!DecodePayload(payload, &r)) {
        return Status::Corruption(fmt::format("{}: malformed record at offset {}", path, end + used));
      }
      fn(r, end + used);
      used += n;
    }
    end += used;
    buf.erase(0, used);
    if (buf.size() > kChunk) break;  // a record cannot be that long: damage
  }
  if (end != length) return Status::Corruption(fmt::format("{}: damaged record at offset {}", path, end));
  return Status::OK();
}

}  // namespace

void AppendSourceRecord(const SourceRecord& record, std::string* out) {
  std::string payload;
  ByteWriter p(&payload);
  p.PutString(record.key);
  p.PutVarint(record.size);
  p.PutVarint(record.records);
  p.PutVarint(record.bad_lines);
  p.PutString(record.index);
  if (!record.enrichment.empty()) p.PutString(record.enrichment);
  ByteWriter w(out);
  w.PutString(payload);
  w.PutFixed32(Crc32c(payload));
}

Status SourceLog::Open(const std::string& path, uint64_t length, std::unique_ptr<SourceLog>* out) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  std::unique_ptr<SourceLog> log(new SourceLog(fd, path));
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0) return Status::FromErrno("seek " + path, errno);
  if (static_cast<uint64_t>(size) < length) {
    return Status::Corruption(fmt::format("{}: {} bytes, but the manifest commits {}", path, size, length));
  }
  SourceLog* l = log.get();
  Status s = ScanRecords(fd, path, length, [&](const SourceRecord& r, uint64_t offset) {
    const uint64_t h = KeyHash(r.key);
    if (!l->offsets_.try_emplace(h, offset).second) l->collisions_.emplace_back(h, offset);
    ++l->count_;
  });
  if (!s.ok()) return s;
  log->length_ = length;
  *out = std::move(log);
  return Status::OK();
}

SourceLog::~SourceLog() { ::close(fd_); }

Status SourceLog::Append(const std::vector<SourceRecord>& records, uint64_t* end) {
  std::string bytes;
  pending_.clear();
  for (const SourceRecord& r : records) {
    pending_.emplace_back(KeyHash(r.key), length_ + bytes.size());
    AppendSourceRecord(r, &bytes);
  }
  if (::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(length_)) != static_cast<ssize_t>(bytes.size())) {
    return Status::FromErrno("write " + path_, errno == 0 ? EIO : errno);
  }
  if (::fdatasync(fd_) != 0) return Status::FromErrno("fsync " + path_, errno);
  pending_end_ = length_ + bytes.size();
  *end = pending_end_;
  return Status::OK();
}

void SourceLog::Committed(uint64_t end) {
  if (end != pending_end_) return;
  for (const auto& [h, offset] : pending_) {
    if (!offsets_.try_emplace(h, offset).second) collisions_.emplace_back(h, offset);
    ++count_;
  }
  pending_.clear();
  length_ = end;
}

Status SourceLog::ReadRecordAt(uint64_t offset, SourceRecord* record) const {
  // Records are small: read a little, and more when one is longer.
  size_t want = 512;
  for (;;) {
    std::string bytes;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(want, length_ - offset));
    Status s = ReadAt(fd_, offset, n, &bytes, path_);
    if (!s.ok()) return s;
    std::string_view payload;
    size_t size = 0;
    if (NextRecord(bytes, &payload, &size)) {
      if (!DecodePayload(payload, record)) break;
      return Status::OK();
    }
    if (n == length_ - offset) break;
    want *= 4;
  }
  return Status::Corruption(fmt::format("{}: damaged record at offset {}", path_, offset));
}

bool SourceLog::Find(const std::string& key, SourceRecord* record) const {
  const uint64_t h = KeyHash(key);
  auto it = offsets_.find(h);
  if (it == offsets_.end()) return false;
  std::vector<uint64_t> candidates = {it->second};
  for (const auto& [ch, offset] : collisions_) {
    if (ch == h) candidates.push_back(offset);
  }
  for (uint64_t offset : candidates) {
    SourceRecord r;
    if (!ReadRecordAt(offset, &r).ok() || r.key != key) continue;
    if (record) *record = std::move(r);
    return true;
  }
  return false;
}

Status SourceLog::ForEach(const std::function<void(const SourceRecord&)>& fn) const {
  return ScanRecords(fd_, path_, length_, [&](const SourceRecord& r, uint64_t) { fn(r); });
}

Status SourceLog::Write(const std::string& path, const std::vector<SourceRecord>& records, uint64_t* length) {
  std::string bytes;
  for (const SourceRecord& r : records) AppendSourceRecord(r, &bytes);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create " + path, errno);
  Status s = WriteFully(fd, bytes, path);
  if (s.ok() && ::fsync(fd) != 0) s = Status::FromErrno("fsync " + path, errno);
  ::close(fd);
  if (s.ok()) *length = bytes.size();
  return s;
}

}  // namespace flowdex
