// SHA-256 of the input bytes, stamped into the report so a report can be matched to the
// exact input it was computed from.
#pragma once

#include <string>
#include <string_view>

namespace khe::cli {

// Lowercase hexadecimal digest (64 characters).
std::string sha256_hex(std::string_view bytes);

}  // namespace khe::cli
