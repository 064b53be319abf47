#include "cli/input.h"

#include <filesystem>
#include <fstream>
#include <istream>

namespace khe::cli {
namespace {

std::optional<std::string> read_stream(std::istream& s, std::size_t limit) {
  std::string bytes;
  char buf[1 << 16];
  while (bytes.size() < limit && s) {
    const std::size_t want = std::min(sizeof buf, limit - bytes.size());
    s.read(buf, static_cast<std::streamsize>(want));
    bytes.append(buf, static_cast<std::size_t>(s.gcount()));
  }
  if (s.bad()) return std::nullopt;
  return bytes;
}

}  // namespace

std::optional<std::string> read_input(const std::string& path, std::istream& in,
                                      std::size_t limit) {
  if (path == "-") return read_stream(in, limit);
  // A file, or a pipe given by name (`khe evaluate <(fetch-bundle)`, a named FIFO);
  // never a directory or a device, which could block or never end.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !(std::filesystem::is_regular_file(status) || std::filesystem::is_fifo(status)))
    return std::nullopt;
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return read_stream(file, limit);
}

}  // namespace khe::cli
