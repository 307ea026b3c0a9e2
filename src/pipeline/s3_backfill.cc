#include "pipeline/s3_backfill.h"

#include <thread>
#include <vector>

#include <fmt/format.h>

#include "util/file_util.h"

namespace flowdex {

Status ParseS3Url(const std::string& url, std::string* bucket, std::string* prefix) {
  if (url.rfind("s3://", 0) != 0) return Status::InvalidArgument(fmt::format("'{}' is not an s3:// URL", url));
  const std::string rest = url.substr(5);
  const size_t slash = rest.find('/');
  *bucket = rest.substr(0, slash);
  *prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (bucket->empty()) return Status::InvalidArgument(fmt::format("'{}' names no bucket", url));
  return Status::OK();
}

Status RunS3Backfill(const S3Client& s3, ObjectProcessor* processor, const std::string& bucket,
                     const std::string& prefix, const S3BackfillOptions& options, S3BackfillSummary* summary) {
  std::string checkpoint;
  if (!options.checkpoint_path.empty()) {
    Status s = ReadWholeFile(options.checkpoint_path, &checkpoint);
    if (!s.ok() && !s.IsNotFound()) return s;
    while (!checkpoint.empty() && (checkpoint.back() == '\n' || checkpoint.back() == '\r')) checkpoint.pop_back();
    if (!s.ok()) checkpoint.clear();
  }
  summary->resumed_after = checkpoint;
  if (!checkpoint.empty()) {
    fmt::print(stderr, "flowdex: resuming s3://{}/{} after {} (checkpoint {})\n", bucket, prefix, checkpoint,
               options.checkpoint_path);
  }
  bool advancing = true;  // false once a key failed: the checkpoint stays before it
  std::string token;
  do {
    if (options.cancel.cancelled()) break;
    S3ListPage page;
    Status s = s3.ListObjects(bucket, prefix, token.empty() ? checkpoint : "", token, &page);
    if (!s.ok()) return s;
    token = page.next_token;
    summary->listed += page.objects.size();
    std::vector<char> ok(page.objects.size(), 0);
    std::atomic<size_t> next{0};
    auto run = [&] {
      for (size_t i = next++; i < page.objects.size(); i = next++) {
        if (options.cancel.cancelled()) return;
        S3ObjectRef ref;
        ref.bucket = bucket;
        ref.key = page.objects[i].key;  // listed keys are not URL-encoded
        ref.size = page.objects[i].size;
        ok[i] = processor->ProcessObject(ref).ok();
      }
    };
    std::vector<std::thread> threads;
    const int n = std::max(1, std::min<int>(options.workers, static_cast<int>(page.objects.size())));
    for (int i = 1; i < n; ++i) threads.emplace_back(run);
    run();
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < page.objects.size(); ++i) {
      if (!ok[i]) {
        ++summary->failed;
        advancing = false;
      } else if (advancing) {
        checkpoint = page.objects[i].key;
      }
    }
    if (!options.checkpoint_path.empty() && !checkpoint.empty()) {
      s = WriteFileAtomically(options.checkpoint_path, checkpoint + "\n");
      if (!s.ok()) return s;
    }
    // A cancelled page may have left keys unprocessed; they were not marked
    // ok, so the checkpoint stopped before them.
  } while (!token.empty());
  summary->checkpoint = checkpoint;
  return Status::OK();
}

}  // namespace flowdex
