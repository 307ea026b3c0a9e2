#include "test_util.h"

#include <libdeflate.h>
#include <algorithm>
#include <cstring>

namespace flowdex::testing {

Status MemorySource::Read(uint8_t* buf, size_t capacity, size_t* n) {
  *n = std::min({capacity, chunk_, data_.size() - pos_});
  std::memcpy(buf, data_.data() + pos_, *n);
  pos_ += *n;
  return Status::OK();
}

std::string Gzip(const std::string& text, int level) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::string out(libdeflate_gzip_compress_bound(c, text.size()), '\0');
  out.resize(libdeflate_gzip_compress(c, text.data(), text.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

std::string ReadAll(ByteSource* source, Status* status, size_t buffer) {
  std::string out;
  std::vector<uint8_t> buf(buffer);
  for (;;) {
    size_t n = 0;
    *status = source->Read(buf.data(), buf.size(), &n);
    out.append(reinterpret_cast<char*>(buf.data()), n);
    if (!status->ok() || n == 0) {
      if (status->ok()) return out;
      // Drain: output decoded before an error arrives before it.
      return out;
    }
  }
}

void CollectingSink::OnRecord(const FlowRecord& record, const LineContext& ctx) {
  records.push_back({ctx.line_number, ctx.offset, std::string(ctx.line), ""});
  src_addrs.emplace_back(record.text(FlowField::kSrcAddr));
  bytes.push_back(record.bytes());
}

void CollectingSink::OnBadLine(const LineContext& ctx, const Status& reason) {
  bad.push_back({ctx.line_number, ctx.offset, std::string(ctx.line), std::string(reason.message())});
}

}  // namespace flowdex::testing
