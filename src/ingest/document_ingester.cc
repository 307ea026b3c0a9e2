#include "ingest/document_ingester.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "ingest/document_writer.h"
#include "io/file_source.h"
#include "io/gzip_source.h"
#include "schema/document_id.h"

namespace flowdex {

namespace {

constexpr size_t kMaxDocumentBytes = 16u << 20;

struct FileResult {
  uint64_t records = 0, bad_lines = 0, bytes_read = 0, bytes_decoded = 0;
};

// Reads `path` line by line into the writer. Returns the read error, if any,
// after every complete line before it was handled.
Status ReadDocuments(const std::string& path, const std::string& key, DocumentWriter* writer, FileResult* result,
                     const IngestOptions& options, IngestSummary* summary) {
  std::unique_ptr<FileSource> file;
  Status s = FileSource::Open(path, &file);
  if (!s.ok()) return s;
  // Sniff gzip by its magic number, as flow-log files are.
  uint8_t head[2];
  size_t head_len = 0;
  s = file->Read(head, 2, &head_len);
  if (!s.ok()) return s;
  std::string pending(reinterpret_cast<char*>(head), head_len);
  std::unique_ptr<FileSource> reopened;
  std::unique_ptr<GzipSource> gzip;
  ByteSource* text = file.get();
  if (GzipSource::LooksLikeGzip(head, head_len)) {
    s = FileSource::Open(path, &reopened);
    if (!s.ok()) return s;
    gzip = std::make_unique<GzipSource>(reopened.get(), path);
    text = gzip.get();
    pending.clear();
  }
  uint64_t line_number = 0, offset = 0;
  std::vector<uint8_t> buf(1 << 20);
  auto handle = [&](std::string_view line) {
    ++line_number;
    const uint64_t at = offset;
    offset += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    MappingError error;
    DocumentWriter::Origin origin{key, at};
    if (writer->Add(line, DocumentIdFor(key, at), &error, &origin)) {
      ++result->records;
      return;
    }
    ++result->bad_lines;
    if (summary->bad_line_samples.size() < options.bad_lines_kept) {
      summary->bad_line_samples.push_back(fmt::format("{}:{}: {}: {}", path, line_number, error.type, error.reason));
    }
  };
  Status read_status;
  for (;;) {
    size_t n = 0;
    read_status = text->Read(buf.data(), buf.size(), &n);
    if (!read_status.ok() || n == 0) break;
    result->bytes_decoded += n;
    pending.append(reinterpret_cast<char*>(buf.data()), n);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      handle(std::string_view(pending).substr(start, nl - start));
    }
    pending.erase(0, start);
    if (pending.size() > kMaxDocumentBytes) {
      ++result->bad_lines;
      read_status = Status::InvalidArgument(
          fmt::format("{}:{}: document longer than {} bytes", path, line_number + 1, kMaxDocumentBytes));
      break;
    }
  }
  if (read_status.ok() && !pending.empty()) handle(pending);
  result->bytes_read = (gzip ? reopened->bytes_consumed() : file->bytes_consumed());
  return read_status;
}

}  // namespace

Status IngestDocumentFiles(Store* store, const std::vector<std::string>& files, const IngestOptions& options,
                           IngestProgress* progress, IngestSummary* summary) {
  Status s = ValidateIndexName(options.index);
  if (!s.ok()) return s;
  IndexMapping mapping;
  const std::string committed = store->Mapping(options.index);
  MappingError error;
  if (!committed.empty() && !IndexMapping::FromJson(committed, &mapping, &error)) {
    return Status::Corruption("the mapping of " + options.index + " is damaged: " + error.reason);
  }
  DocumentWriter::Options wo;
  wo.index = options.index;
  wo.zstd_level = options.zstd_level;
  wo.max_open_bytes = options.memory_budget / 2;
  wo.parse_date = options.parse_date;
  DocumentWriter writer(store, wo, mapping);
  CommitBatch pending;
  uint64_t pending_records = 0, pending_files = 0;
  auto commit = [&]() -> Status {
    if (pending.sources.empty()) return Status::OK();
    Status st = writer.Finish(&pending);
    if (st.ok()) st = store->Commit(pending);
    if (!st.ok()) return st;
    summary->records += pending_records;
    summary->files += pending_files;
    summary->segments += pending.segments.size();
    for (const SegmentRef& r : pending.segments) summary->bytes_on_disk += r.bytes;
    pending = CommitBatch{};
    pending_records = pending_files = 0;
    return Status::OK();
  };
  for (const std::string& path : files) {
    if (options.cancel.cancelled()) {
      summary->cancelled = true;
      return Status::OK();  // the open batch is dropped: whole files only
    }
    const std::string key = SourceKeyForPath(path);
    SourceRecord done;
    if (store->HasSource(key, &done)) {
      ++summary->files_skipped;
      summary->duplicate_records += done.records;
      continue;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) progress->total_bytes += static_cast<uint64_t>(st.st_size);
    FileResult result;
    Status r = ReadDocuments(path, key, &writer, &result, options, summary);
    if (!writer.status().ok()) return writer.status();
    progress->bytes_read += result.bytes_read;
    progress->records += result.records;
    progress->files_done += 1;
    summary->bytes_read += result.bytes_read;
    summary->bytes_decoded += result.bytes_decoded;
    summary->bad_lines += result.bad_lines;
    if (!r.ok()) {
      ++summary->files_failed;
      summary->errors.push_back(std::string(r.message()));
      if (result.bytes_decoded == 0) continue;
    }
    SourceRecord src;
    src.key = key;
    src.size = result.bytes_read;
    src.records = result.records;
    src.bad_lines = result.bad_lines;
    src.index = options.index;
    pending.sources.push_back(src);
    pending_records += result.records;
    pending_files += r.ok() ? 1 : 0;
    // Documents with many distinct fields make many columns: commit before
    // their buffers outgrow half the memory budget.
    if (writer.rows() >= options.batch_rows || writer.memory_usage() >= options.memory_budget / 2) {
      s = commit();
      if (!s.ok()) return s;
    }
  }
  return commit();
}

}  // namespace flowdex
