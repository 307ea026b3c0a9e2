// ByteSource: a pull-based stream of bytes (a file, standard input, a
// decompressor over another source, later an S3 object body).
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/status.h"

namespace flowdex {

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
};

}  // namespace flowdex
