// Reads the evaluate command's input bytes, unchanged (binary-safe), from a file or stdin.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace khe::cli {

// At most `limit` bytes are read: anything larger is refused by the reader anyway, and an
// endless stream must not exhaust memory. nullopt when the file cannot be read.
std::optional<std::string> read_input(const std::string& path, std::istream& in, std::size_t limit);

}  // namespace khe::cli
