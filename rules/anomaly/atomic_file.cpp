#include "rules/anomaly/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fg::anomaly {

namespace {

bool make_dirs(const std::string& dir, std::string& error) {
  if (dir.empty()) return true;
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) {
      error = part + ": cannot create directory: " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& content, std::string& error) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (!make_dirs(dir, error)) return false;
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = tmp + ": cannot create: " + std::strerror(errno);
    return false;
  }
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = tmp + ": write failed: " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  // The data must be on disk before the rename makes it the file's content.
  if (::fsync(fd) != 0) {
    error = tmp + ": fsync failed: " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": rename failed: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  // And the rename itself must survive a power cut: sync the directory entry.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || ::fsync(dfd) != 0) {
    error = dir + ": fsync of the directory failed: " + std::strerror(errno);
    if (dfd >= 0) ::close(dfd);
    return false;
  }
  ::close(dfd);
  return true;
}

}  // namespace fg::anomaly
