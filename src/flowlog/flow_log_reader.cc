#include "flowlog/flow_log_reader.h"

#include <cstring>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "flowlog/parquet_flow_reader.h"
#include "io/file_source.h"
#include "io/gzip_source.h"
#include "io/memory_source.h"
#include "parquet/parquet_file.h"

namespace flowdex {

namespace {

constexpr size_t kReadChunk = 1 << 20;

// Replays bytes already read (to sniff the format) before the rest of `inner`.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(const uint8_t* prefix, size_t n, ByteSource* inner) : prefix_(prefix, prefix + n), inner_(inner) {}
  Status Read(uint8_t* buf, size_t capacity, size_t* n) override {
    if (pos_ < prefix_.size()) {
      *n = std::min(capacity, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, *n);
      pos_ += *n;
      return Status::OK();
    }
    return inner_->Read(buf, capacity, n);
  }
  uint64_t bytes_consumed() const override { return inner_->bytes_consumed() - (prefix_.size() - pos_); }

 private:
  std::vector<uint8_t> prefix_;
  size_t pos_ = 0;
  ByteSource* inner_;
};

}  // namespace

void FlowReadStats::Add(const FlowReadStats& o) {
  records += o.records;
  bad_lines += o.bad_lines;
  header_lines += o.header_lines;
  blank_lines += o.blank_lines;
  bytes_read += o.bytes_read;
  bytes_decoded += o.bytes_decoded;
  gzip = gzip || o.gzip;
}

FlowLogReader::FlowLogReader(FlowReadOptions options)
    : options_(options), buffer_(kReadChunk + options.max_line_bytes) {}

FlowLogReader::~FlowLogReader() = default;

Status FlowLogReader::ReadFile(const std::string& path, FlowRecordSink* sink, FlowReadStats* stats) {
  std::unique_ptr<FileSource> file;
  Status s = FileSource::Open(path, &file);
  if (!s.ok()) return s;
  return Read(file.get(), path == "-" ? std::string_view("<stdin>") : std::string_view(path), sink, stats);
}

Status FlowLogReader::ReadParquet(ByteSource* source, std::string_view name, const uint8_t* head, size_t head_len,
                                  FlowRecordSink* sink, FlowReadStats* stats) {
  FlowReadStats local;
  ParquetFlowReader reader(options_);
  Status s;
  if (RandomAccessSource* ra = source->random_access()) {
    s = reader.Read(ra, name, sink, &local);
  } else {
    std::string bytes(reinterpret_cast<const char*>(head), head_len);
    for (;;) {
      if (bytes.size() > options_.max_parquet_bytes) {
        stats->Add(local);
        return Status::LimitExceeded(
            fmt::format("{}: a Parquet file read from a stream is held in memory, and this one "
                        "is over {} bytes: give its path instead",
                        name, options_.max_parquet_bytes));
      }
      const size_t at = bytes.size();
      bytes.resize(at + kReadChunk);
      size_t n = 0;
      s = source->Read(reinterpret_cast<uint8_t*>(bytes.data() + at), kReadChunk, &n);
      bytes.resize(at + n);
      if (!s.ok() || n == 0) break;
    }
    if (s.ok()) {
      MemorySource memory(std::move(bytes));
      s = reader.Read(memory.random_access(), name, sink, &local);
    }
  }
  local.bytes_read = source->bytes_consumed();
  stats->Add(local);
  return s;
}

void FlowLogReader::ReportBad(const Status& reason) {
  ++stats_->bad_lines;
  sink_->OnBadLine(ctx_, reason);
}

namespace {

// The "message" of a JSON-wrapped record.
Status UnwrapJsonLine(std::string_view line, std::string* message) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument(fmt::format("a JSON line that does not parse ({} at column {})",
                                               rapidjson::GetParseError_En(doc.GetParseError()),
                                               doc.GetErrorOffset() + 1));
  }
  if (!doc.IsObject()) return Status::InvalidArgument("a JSON line that is not an object");
  auto it = doc.FindMember("message");
  if (it == doc.MemberEnd() || !it->value.IsString()) {
    return Status::InvalidArgument("a JSON line without a \"message\" string");
  }
  message->assign(it->value.GetString(), it->value.GetStringLength());
  return Status::OK();
}

}  // namespace

void FlowLogReader::ProcessLine(std::string_view line) {
  ++ctx_.line_number;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ctx_.line = line;
  // A record wrapped in JSON ({"message": "2 123456789012 eni-..."}), as
  // CloudWatch Logs exports, Firehose and Elastic's own test files have it.
  if (!line.empty() && line.front() == '{') {
    Status s = UnwrapJsonLine(line, &json_message_);
    if (!s.ok()) {
      ReportBad(s);
      return;
    }
    line = json_message_;
    ctx_.line = line;
  }
  size_t column = 0, count = 0;
  if (!TokenizeCleanFlowLine(line, tokens_, kMaxLineTokens, &count, &column)) {
    ReportBad(Status::InvalidArgument(
        fmt::format("unreadable byte 0x{:02x} at column {}", static_cast<unsigned char>(line[column - 1]), column)));
    return;
  }
  if (count == 0) {
    ++stats_->blank_lines;
    return;
  }
  if (count > kMaxLineTokens) {
    ReportBad(Status::InvalidArgument(fmt::format("too many fields ({})", count)));
    return;
  }
  // S3 objects start with a header naming the fields; files concatenated
  // together may hold several.
  const char first = tokens_[0][0];
  if (first >= 'a' && first <= 'z') {
    Status header_error;
    if (FlowFormat::ParseHeaderLine(line, &header_format_, &header_error)) {
      if (!header_error.ok()) {
        ReportBad(header_error);
        return;
      }
      has_header_ = true;
      ++stats_->header_lines;
      return;
    }
  }
  const FlowFormat* format;
  if (has_header_) {
    format = &header_format_;
  } else if (options_.user_format != nullptr) {
    format = options_.user_format;
  } else if (count == FlowFormat::DefaultV2().size()) {
    format = &FlowFormat::DefaultV2();
  } else {
    format = FlowFormat::FormatForTokenCount(count);
    if (format == nullptr) format = &FlowFormat::DefaultV2();  // for the error message
  }
  Status s = ParseFlowTokens(tokens_, count, *format, &record_);
  if (!s.ok()) {
    ReportBad(s);
    return;
  }
  ++stats_->records;
  if (options_.enricher != nullptr) options_.enricher->Enrich(&record_);
  sink_->OnRecord(record_, ctx_);
}

Status FlowLogReader::Read(ByteSource* source, std::string_view name, FlowRecordSink* sink, FlowReadStats* stats) {
  sink_ = sink;
  if (options_.enricher != nullptr) options_.enricher->BeginStream();
  FlowReadStats local;
  stats_ = &local;
  ctx_ = LineContext{};
  ctx_.source = name;
  has_header_ = false;

  // Sniff the first bytes for the gzip and Parquet magic numbers.
  uint8_t head[4];
  size_t head_len = 0;
  Status status;
  while (head_len < sizeof(head)) {
    size_t n = 0;
    status = source->Read(head + head_len, sizeof(head) - head_len, &n);
    if (!status.ok() || n == 0) break;
    head_len += n;
  }
  if (status.ok() && parquet::LooksLikeParquet(head, head_len)) {
    sink_ = nullptr;
    stats_ = nullptr;
    return ReadParquet(source, name, head, head_len, sink, stats);
  }
  PrefixedSource prefixed(head, head_len, source);
  std::unique_ptr<GzipSource> gzip;
  ByteSource* text = &prefixed;
  if (status.ok() && GzipSource::LooksLikeGzip(head, head_len)) {
    gzip = std::make_unique<GzipSource>(&prefixed, std::string(name));
    text = gzip.get();
    local.gzip = true;
  }

  char* buf = buffer_.data();
  const size_t cap = buffer_.size();
  size_t filled = 0;      // bytes of an unfinished line at the front of buf
  uint64_t base = 0;      // stream offset of buf[0]
  bool skipping = false;  // discarding the rest of an over-long line
  while (status.ok()) {
    if (options_.cancel.cancelled()) {
      status = Status::Cancelled(std::string(name) + ": stopped");
      break;
    }
    if (options_.on_progress) options_.on_progress(source->bytes_consumed());
    size_t n = 0;
    status = text->Read(reinterpret_cast<uint8_t*>(buf + filled), cap - filled, &n);
    if (!status.ok()) break;
    local.bytes_decoded += n;
    if (n == 0) {
      if (filled > 0 && !skipping) {
        ctx_.offset = base;
        ProcessLine(std::string_view(buf, filled));
      }
      filled = 0;
      break;
    }
    char* p = buf;
    char* end = buf + filled + n;
    if (skipping) {
      char* nl = static_cast<char*>(std::memchr(buf + filled, '\n', n));
      if (nl == nullptr) {
        base += filled + n;
        filled = 0;
        continue;
      }
      skipping = false;
      p = nl + 1;
    }
    for (;;) {
      char* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) break;
      ctx_.offset = base + static_cast<uint64_t>(p - buf);
      ProcessLine(std::string_view(p, static_cast<size_t>(nl - p)));
      p = nl + 1;
    }
    const size_t tail = static_cast<size_t>(end - p);
    base += static_cast<uint64_t>(p - buf);
    if (tail >= options_.max_line_bytes) {
      ++ctx_.line_number;
      ctx_.offset = base;
      ctx_.line = std::string_view(p, std::min<size_t>(tail, 64));
      ReportBad(Status::InvalidArgument(fmt::format("line longer than {} bytes", options_.max_line_bytes)));
      skipping = true;
      base += tail;
      filled = 0;
      continue;
    }
    std::memmove(buf, p, tail);
    filled = tail;
  }
  if (!status.ok() && !status.IsCancelled() && filled > 0 && !skipping) {
    // The damage cut this line short: it is not data, but it is counted.
    ++ctx_.line_number;
    ctx_.offset = base;
    ctx_.line = std::string_view(buf, filled);
    ReportBad(Status::Corruption("line cut off by damaged input"));
  }
  local.bytes_read = source->bytes_consumed();
  stats->Add(local);
  sink_ = nullptr;
  stats_ = nullptr;
  return status;
}

}  // namespace flowdex
