// FileSource: a ByteSource over a file descriptor (a path, or standard input).
#pragma once

#include <string>

#include "io/byte_source.h"

namespace flowdex {

class FileSource final : public ByteSource {
 public:
  // Opens `path` for reading; "-" means standard input (not closed at the end).
  static Status Open(const std::string& path, std::unique_ptr<FileSource>* out);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Status Read(uint8_t* buf, size_t capacity, size_t* n) override;
  uint64_t bytes_consumed() const override { return consumed_; }

 private:
  FileSource(int fd, bool owned, std::string path) : fd_(fd), owned_(owned), path_(std::move(path)) {}
  int fd_;
  bool owned_;
  std::string path_;
  uint64_t consumed_ = 0;
};

}  // namespace flowdex
