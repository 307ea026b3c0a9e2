#include "io/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

#include <fmt/format.h>

namespace flowdex {

Status FileSource::Open(const std::string& path, std::unique_ptr<FileSource>* out) {
  if (path == "-") {
    out->reset(new FileSource(STDIN_FILENO, false, "<stdin>"));
    return Status::OK();
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(path, errno);
  // Flow-log files are read once, front to back.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  out->reset(new FileSource(fd, true, path));
  return Status::OK();
}

FileSource::FileSource(int fd, bool owned, std::string path) : fd_(fd), owned_(owned), path_(std::move(path)) {
  struct stat st;
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    regular_ = true;
    size_ = static_cast<uint64_t>(st.st_size);
  }
}

Status FileSource::ReadAt(uint64_t offset, size_t n, uint8_t* buf) {
  if (offset > size_ || n > size_ - offset) {
    return Status::Corruption(
        fmt::format("{}: read of {} bytes at {} is past the end ({} bytes)", path_, n, offset, size_));
  }
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(path_, errno);
    }
    if (r == 0)
      return Status::Corruption(fmt::format("{}: file shrank while being read (at byte {})", path_, offset + done));
    done += static_cast<size_t>(r);
  }
  consumed_ += n;
  return Status::OK();
}

FileSource::~FileSource() {
  if (owned_) ::close(fd_);
}

Status FileSource::Read(uint8_t* buf, size_t capacity, size_t* n) {
  for (;;) {
    ssize_t r = ::read(fd_, buf, capacity);
    if (r >= 0) {
      *n = static_cast<size_t>(r);
      consumed_ += *n;
      return Status::OK();
    }
    if (errno == EINTR) continue;
    *n = 0;
    return Status::FromErrno(path_, errno);
  }
}

}  // namespace flowdex
