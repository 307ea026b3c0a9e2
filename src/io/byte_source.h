// ByteSource: a pull-based stream of bytes (a file, standard input, a
// decompressor over another source, later an S3 object body).
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/status.h"

namespace flowdex {

class RandomAccessSource;

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `capacity` bytes into `buf` and stores the count in *n.
  // *n == 0 with an OK status means the end of the stream. After an error,
  // the source is finished: later calls return the same kind of error.
  virtual Status Read(uint8_t* buf, size_t capacity, size_t* n) = 0;

  // Bytes consumed from the underlying medium so far (compressed bytes for a
  // decompressor), for progress and error offsets.
  virtual uint64_t bytes_consumed() const = 0;

  // The same bytes readable at any offset (a regular file, an S3 object), or
  // nullptr when the source can only be streamed (a pipe, a decompressor).
  // Formats that keep their index at the end (Parquet) use it to read only
  // what they need.
  virtual RandomAccessSource* random_access() { return nullptr; }
};

// Bytes readable at any offset: a file with pread, an object with ranged GETs.
class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  // The total size in bytes.
  virtual uint64_t size() const = 0;
  // Reads exactly `n` bytes at `offset` into `buf`; reading past size() or a
  // short read is an error (IoError, Corruption for a truncated medium).
  virtual Status ReadAt(uint64_t offset, size_t n, uint8_t* buf) = 0;
};

}  // namespace flowdex
