// FileSource: a ByteSource over a file descriptor (a path, or standard input).
#pragma once

#include <string>

#include "io/byte_source.h"

namespace flowdex {

class FileSource final : public ByteSource, private RandomAccessSource {
 public:
  // Opens `path` for reading; "-" means standard input (not closed at the end).
  static Status Open(const std::string& path, std::unique_ptr<FileSource>* out);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Status Read(uint8_t* buf, size_t capacity, size_t* n) override;
  uint64_t bytes_consumed() const override { return consumed_; }
  // Regular files only (not standard input or a pipe). ReadAt counts its
  // bytes in bytes_consumed() too.
  RandomAccessSource* random_access() override { return regular_ ? this : nullptr; }

 private:
  FileSource(int fd, bool owned, std::string path);
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* buf) override;
  int fd_;
  bool owned_;
  std::string path_;
  uint64_t consumed_ = 0;
  bool regular_ = false;
  uint64_t size_ = 0;
};

}  // namespace flowdex
