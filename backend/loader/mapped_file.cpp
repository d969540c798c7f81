#include "backend/loader/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ossvk {
namespace {

host::Status file_error(const std::string& path, const std::string& what) {
  return host::Status::bad_file(path + ": " + what);
}

// The descriptor closes with the object.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `path` for reading without blocking (a FIFO's open would wait for a writer) and refuses
// anything but a regular file.
host::Status open_regular(const std::string& path, Fd& fd, struct stat& st) {
  fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd.fd < 0) return file_error(path, std::string("cannot open: ") + std::strerror(errno));
  if (fstat(fd.fd, &st) != 0)
    return file_error(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return file_error(path, S_ISDIR(st.st_mode) ? "is a folder, not a file"
                                                : "not a regular file (a pipe, socket or device)");
  return host::Status();
}

}  // namespace

host::Result<std::unique_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  Fd fd;
  struct stat st {};
  OSSVK_RETURN_IF_ERROR(open_regular(path, fd, st));
  std::unique_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  if (st.st_size > 0) {
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.fd, 0);
    if (p == MAP_FAILED)
      return file_error(path, std::string("cannot map: ") + std::strerror(errno));
    f->data_ = p;
    f->size_ = static_cast<size_t>(st.st_size);
  }
  return f;
}

MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
}

host::Result<std::string> read_text_file(const std::string& path, uint64_t max_bytes) {
  Fd fd;
  struct stat st {};
  OSSVK_RETURN_IF_ERROR(open_regular(path, fd, st));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    return file_error(path, std::to_string(size) + " bytes, more than the " +
                                std::to_string(max_bytes) + " this file may hold");
  std::string text(size, '\0');
  uint64_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd.fd, text.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(path, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;  // the file shrank while it was read
    done += static_cast<uint64_t>(n);
  }
  text.resize(done);
  return text;
}

}  // namespace ossvk
