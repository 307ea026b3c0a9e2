#include "aws/s3_client.h"

#include <fmt/format.h>

#include "aws/sigv4.h"
#include "aws/xml_document.h"

namespace flowdex {

namespace {

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

// The region named by a wrong-region answer, or "".
std::string RedirectRegion(const HttpResponse& resp, const AwsError& err) {
  std::string_view h = resp.Header("x-amz-bucket-region");
  if (!h.empty()) return std::string(h);
  if (err.code == "AuthorizationHeaderMalformed" || err.code == "PermanentRedirect") {
    XmlElement root;
    if (ParseXml(resp.body, &root).ok()) {
      std::string r = root.ChildText("Region");
      if (r.empty()) r = root.ChildText("BucketRegion");
      return r;
    }
  }
  return "";
}

}  // namespace

S3Client::S3Client(AwsConfig config) : config_(std::move(config)) {}

std::string S3Client::Url(const std::string& bucket, const std::string& key, const std::string& region,
                          const std::string& query) const {
  const std::string path = key.empty() ? "" : UriEncode(key, true);
  std::string url;
  // Path-style: the bucket itself is "/bucket" (no trailing slash), as the SDKs send it.
  if (!config_.s3_endpoint.empty()) {
    url = fmt::format("{}/{}{}{}", config_.s3_endpoint, UriEncode(bucket, false), key.empty() ? "" : "/", path);
  } else if (bucket.find('.') != std::string::npos) {
    url = fmt::format("https://s3.{}.amazonaws.com/{}{}{}", region, bucket, key.empty() ? "" : "/", path);
  } else {
    url = fmt::format("https://{}.s3.{}.amazonaws.com/{}", bucket, region, path);
  }
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string S3Client::RegionOf(const S3ObjectRef& ref) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = bucket_regions_.find(ref.bucket);
    if (it != bucket_regions_.end()) return it->second;
  }
  if (!ref.region.empty()) return ref.region;
  return config_.region.empty() ? "us-east-1" : config_.region;
}

void S3Client::RememberRegion(const std::string& bucket, const std::string& region) const {
  std::lock_guard<std::mutex> lock(mu_);
  bucket_regions_[bucket] = region;
}

Status S3Client::StartGet(const S3ObjectRef& ref, uint64_t offset, const std::string& etag, HttpStream* stream,
                          AwsError* error, uint64_t length) const {
  const std::string what = fmt::format("S3 GetObject s3://{}/{}", ref.bucket, ref.key);
  AwsError last;
  bool region_retried = false;
  for (int attempt = 0;; ++attempt) {
    const std::string region = RegionOf(ref);
    HttpRequest req;
    req.url =
        Url(ref.bucket, ref.key, region, ref.version_id.empty() ? "" : "versionId=" + UriEncode(ref.version_id, false));
    req.timeout_ms = 0;  // a large object may take long; stalls are caught by the low-speed limit
    req.cancel = config_.cancel;
    if (length > 0) {
      req.headers.emplace_back("Range", fmt::format("bytes={}-{}", offset, offset + length - 1));
    } else if (offset > 0) {
      req.headers.emplace_back("Range", fmt::format("bytes={}-", offset));
    }
    if ((offset > 0 || length > 0) && !etag.empty()) req.headers.emplace_back("If-Match", "\"" + etag + "\"");
    Credentials creds;
    Status s = config_.credentials->Get(&creds);
    if (!s.ok()) return Status::InvalidArgument(fmt::format("{}: {}", what, s.message()));
    SigV4Options opt;
    opt.s3_rules = true;
    opt.unsigned_payload = false;  // GET: the empty body's hash
    s = SignRequest(&req, creds, SigV4Scope{region, "s3"}, opt);
    if (!s.ok()) return s;
    s = stream->Open(req, 60);
    if (s.ok() && (stream->status() == 200 || stream->status() == 206)) return Status::OK();
    if (s.ok()) {
      HttpResponse resp;
      resp.status = stream->status();
      resp.headers = stream->headers();
      stream->ReadAll(&resp.body, 64 << 10);
      last = ParseAwsError(resp);
      const std::string redirect = RedirectRegion(resp, last);
      if (!redirect.empty() && redirect != region && !region_retried) {
        RememberRegion(ref.bucket, redirect);
        region_retried = true;
        --attempt;
        continue;
      }
      if ((last.code == "ExpiredToken" || last.code == "ExpiredTokenException") && attempt == 0) {
        config_.credentials->Invalidate();
        continue;
      }
    } else {
      last = AwsError();
      last.message = std::string(s.message());
      last.retryable = IsTransient(s);
    }
    if (!last.retryable || attempt + 1 >= config_.max_attempts || !BackoffSleep(config_, attempt)) break;
  }
  if (error) *error = last;
  if (last.code == "NoSuchKey" || last.code == "NoSuchBucket" || last.code == "NoSuchVersion" ||
      last.http_status == 404) {
    return Status::NotFound(fmt::format("{}: {}", what, last.ToString()));
  }
  if (last.code == "AccessDenied") {
    return Status::InvalidArgument(
        fmt::format("{}: {} (S3 also answers AccessDenied for a missing key when s3:ListBucket is not granted)", what,
                    last.ToString()));
  }
  if (last.http_status >= 400 && last.http_status < 500) {
    return Status::InvalidArgument(fmt::format("{}: {}", what, last.ToString()));
  }
  return Status::IoError(fmt::format("{}: {}", what, last.ToString()));
}

Status S3Client::OpenObject(const S3ObjectRef& ref, std::unique_ptr<S3ObjectReader>* out, AwsError* error) const {
  auto reader = std::unique_ptr<S3ObjectReader>(new S3ObjectReader());
  reader->client_ = this;
  reader->ref_ = ref;
  Status s = StartGet(ref, 0, "", &reader->stream_, error);
  if (!s.ok()) return s;
  reader->etag_ = Unquote(reader->stream_.headers().empty() ? "" : FindHeader(reader->stream_.headers(), "etag"));
  reader->version_id_ = std::string(FindHeader(reader->stream_.headers(), "x-amz-version-id"));
  if (reader->version_id_ == "null") reader->version_id_.clear();
  std::string_view len = FindHeader(reader->stream_.headers(), "content-length");
  reader->size_ = len.empty() ? 0 : std::strtoull(std::string(len).c_str(), nullptr, 10);
  *out = std::move(reader);
  return Status::OK();
}

Status S3ObjectReader::Read(uint8_t* buf, size_t capacity, size_t* n) {
  for (;;) {
    Status s = stream_.Read(buf, capacity, n);
    if (s.ok()) {
      position_ += *n;
      if (*n == 0 && size_ > 0 && position_ < size_) {
        s = Status::IoError(
            fmt::format("s3://{}/{}: connection closed after {} of {} bytes", ref_.bucket, ref_.key, position_, size_));
      } else {
        return s;
      }
    }
    // Resume where the transfer stopped.
    if (!IsTransient(s) || resumes_ >= 3) return s;
    ++resumes_;
    S3ObjectRef exact = ref_;
    if (!version_id_.empty()) exact.version_id = version_id_;
    Status r = client_->StartGet(exact, position_, etag_, &stream_, nullptr);
    if (!r.ok())
      return Status::IoError(fmt::format("{} (resuming at byte {} failed: {})", s.message(), position_, r.message()));
    if (stream_.status() != 206) {
      return Status::IoError(
          fmt::format("s3://{}/{}: ranged GET to resume answered HTTP {}", ref_.bucket, ref_.key, stream_.status()));
    }
  }
}

Status S3ObjectReader::ReadAt(uint64_t offset, size_t n, uint8_t* buf) {
  if (offset > size_ || n > size_ - offset) {
    return Status::Corruption(fmt::format("s3://{}/{}: read of {} bytes at {} is past the end ({} bytes)", ref_.bucket,
                                          ref_.key, n, offset, size_));
  }
  if (n == 0) return Status::OK();
  S3ObjectRef exact = ref_;
  if (!version_id_.empty()) exact.version_id = version_id_;
  Status last;
  for (int attempt = 0; attempt < 4; ++attempt) {
    HttpStream stream;
    ++ranged_gets_;
    last = client_->StartGet(exact, offset, etag_, &stream, nullptr, n);
    if (!last.ok()) {
      if (IsTransient(last)) continue;
      return last;
    }
    if (stream.status() != 206 && !(stream.status() == 200 && offset == 0 && n == size_)) {
      return Status::IoError(fmt::format("s3://{}/{}: ranged GET of bytes {}-{} answered HTTP {}", ref_.bucket,
                                         ref_.key, offset, offset + n - 1, stream.status()));
    }
    size_t done = 0;
    while (done < n) {
      size_t got = 0;
      last = stream.Read(buf + done, n - done, &got);
      if (!last.ok() || got == 0) break;
      done += got;
    }
    if (done == n) {
      ranged_bytes_ += n;
      return Status::OK();
    }
    if (last.ok()) {
      last = Status::IoError(
          fmt::format("s3://{}/{}: ranged GET ended after {} of {} bytes", ref_.bucket, ref_.key, done, n));
    }
    if (!IsTransient(last)) return last;
  }
  return last;
}

Status S3Client::ListObjects(const std::string& bucket, const std::string& prefix, const std::string& start_after,
                             const std::string& continuation_token, S3ListPage* page, AwsError* error) const {
  *page = S3ListPage();
  std::string query = "list-type=2&max-keys=1000";
  if (!prefix.empty()) query += "&prefix=" + UriEncode(prefix, false);
  if (!continuation_token.empty()) {
    query += "&continuation-token=" + UriEncode(continuation_token, false);
  } else if (!start_after.empty()) {
    query += "&start-after=" + UriEncode(start_after, false);
  }
  const std::string what = fmt::format("S3 ListObjectsV2 s3://{}/{}", bucket, prefix);
  S3ObjectRef ref{bucket, "", "", ""};
  HttpResponse resp;
  Status s;
  for (int tries = 0; tries < 2; ++tries) {
    const std::string region = RegionOf(ref);
    HttpRequest req;
    req.url = Url(bucket, "", region, query);
    SigV4Options opt;
    opt.s3_rules = true;
    AwsError err;
    s = CallAws(config_, what, req, SigV4Scope{region, "s3"}, opt, &resp, &err);
    if (s.ok()) break;
    const std::string redirect = RedirectRegion(resp, err);
    if (redirect.empty() || redirect == region) {
      if (error) *error = err;
      return s;
    }
    RememberRegion(bucket, redirect);
  }
  if (!s.ok()) return s;
  XmlElement root;
  s = ParseXml(resp.body, &root);
  if (!s.ok()) return Status::Corruption(fmt::format("{}: {}", what, s.message()));
  for (const XmlElement& c : root.children) {
    if (c.name != "Contents") continue;
    S3ListedObject o;
    o.key = c.ChildText("Key");
    o.size = std::strtoull(c.ChildText("Size").c_str(), nullptr, 10);
    o.etag = Unquote(c.ChildText("ETag"));
    page->objects.push_back(std::move(o));
  }
  if (root.ChildText("IsTruncated") == "true") page->next_token = root.ChildText("NextContinuationToken");
  return Status::OK();
}

}  // namespace flowdex
