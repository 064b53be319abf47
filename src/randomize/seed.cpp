#include "randomize/seed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace khe::randomize {
namespace {

Seed to_seed(std::string_view bytes) {
  Seed s{};
  std::memcpy(s.data(), bytes.data(), s.size());
  return s;
}

}  // namespace

Result<Seed> read_seed_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{path, "cannot read the seed file"};
  std::string bytes;
  char buf[256];
  while (bytes.size() <= 256) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return Error{path, "cannot read the seed file"};
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (bytes.size() == 32) return to_seed(bytes);
  while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r' || bytes.back() == ' ')) {
    bytes.pop_back();
  }
  if (bytes.size() == 64) {
    if (auto raw = from_hex(bytes)) return to_seed(*raw);
  }
  return Error{path, "not a seed file (64 hex characters or 32 bytes expected)"};
}

Result<Seed> create_seed_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Error{path, "cannot create the seed file (does it exist already?)"};
  const std::string raw = random_bytes(32);
  const std::string text = to_hex(raw) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return Error{path, "cannot write the seed file"};
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    ::unlink(path.c_str());
    return Error{path, "cannot write the seed file"};
  }
  return to_seed(raw);
}

bool seed_file_is_shared(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

}  // namespace khe::randomize
