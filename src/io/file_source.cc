#include "io/file_source.h"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>

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
