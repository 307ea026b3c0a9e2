// S3Client: GetObject as a stream and ListObjectsV2, over AwsConfig.
//
// Addressing: AWS endpoints are virtual-hosted (https://bucket.s3.region.amazonaws.com/key;
// path-style for bucket names with dots, which break the TLS wildcard); a
// custom endpoint (emulators, MinIO, Ceph) is path-style (endpoint/bucket/key).
// Keys go into the path encoded once (every byte but unreserved ones and '/'),
// and are signed exactly so. Each bucket is signed with its own region: a
// wrong-region answer (301, or 400 AuthorizationHeaderMalformed) is retried
// with the region S3 names, remembered per bucket.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/aws_client.h"
#include "io/byte_source.h"

namespace flowdex {

struct S3ObjectRef {
  std::string bucket;
  std::string key;         // decoded
  std::string version_id;  // "" : the current version
  std::string region;      // hint from the notification ("" : the configured region)
  uint64_t size = 0;       // from the notification or listing (0: unknown)
};

class S3Client;

// An object's body as a ByteSource. A transfer cut off midway is resumed
// with a ranged GET (If-Match the first answer's ETag, so a concurrent
// overwrite cannot splice two versions) up to a few times. It also reads at
// any offset with ranged GETs of the same version (random_access()), for
// formats read from the end (Parquet's footer first).
class S3ObjectReader final : public ByteSource, private RandomAccessSource {
 public:
  Status Read(uint8_t* buf, size_t capacity, size_t* n) override;
  uint64_t bytes_consumed() const override { return position_ + ranged_bytes_; }
  RandomAccessSource* random_access() override { return size_ > 0 ? this : nullptr; }

  const std::string& etag() const { return etag_; }              // without quotes
  const std::string& version_id() const { return version_id_; }  // "" when unversioned
  uint64_t size() const override { return size_; }               // Content-Length of the object
  int resumes() const { return resumes_; }
  int ranged_gets() const { return ranged_gets_; }

 private:
  friend class S3Client;
  Status ReadAt(uint64_t offset, size_t n, uint8_t* buf) override;
  const S3Client* client_ = nullptr;
  S3ObjectRef ref_;
  HttpStream stream_;
  std::string etag_, version_id_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
  int resumes_ = 0;
  uint64_t ranged_bytes_ = 0;
  int ranged_gets_ = 0;
};

struct S3ListedObject {
  std::string key;  // as listed (never URL-decoded)
  uint64_t size = 0;
  std::string etag;
};

struct S3ListPage {
  std::vector<S3ListedObject> objects;
  std::string next_token;  // "" : last page
};

class S3Client {
 public:
  explicit S3Client(AwsConfig config);

  // Starts GetObject and reads the answer's headers. NotFound for NoSuchKey /
  // NoSuchBucket (and for AccessDenied, which S3 answers for a missing key
  // without s3:ListBucket; the message says so); InvalidArgument for other
  // 4xx; IoError when S3 could not be reached after retries.
  Status OpenObject(const S3ObjectRef& ref, std::unique_ptr<S3ObjectReader>* out, AwsError* error = nullptr) const;

  // One page of ListObjectsV2 (up to 1000 keys) below `prefix`, after
  // `start_after` or from `continuation_token`.
  Status ListObjects(const std::string& bucket, const std::string& prefix, const std::string& start_after,
                     const std::string& continuation_token, S3ListPage* page, AwsError* error = nullptr) const;

  const AwsConfig& config() const { return config_; }

 private:
  friend class S3ObjectReader;
  // URL of `key` in `bucket` ("" key: the bucket itself), with a raw query.
  std::string Url(const std::string& bucket, const std::string& key, const std::string& region,
                  const std::string& query) const;
  std::string RegionOf(const S3ObjectRef& ref) const;
  void RememberRegion(const std::string& bucket, const std::string& region) const;
  // One GET attempt of the object from byte `offset` (`length` bytes, 0: to
  // the end), If-Match `etag` when given (a resume or a ranged read).
  Status StartGet(const S3ObjectRef& ref, uint64_t offset, const std::string& etag, HttpStream* stream, AwsError* error,
                  uint64_t length = 0) const;

  AwsConfig config_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::string> bucket_regions_;
};

}  // namespace flowdex
