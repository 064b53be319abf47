// The seed file: 32 secret bytes, stored as 64 hex characters and a newline (or read as 32
// raw bytes), mode 0600. Whoever holds it can read the whole allocation list: keep it with
// the unblinded statistician, never next to the study file.
#pragma once

#include <string>

#include "core/result.h"
#include "randomize/crypto.h"

namespace khe::randomize {

// Reads a seed file. Errors name the file, never its content.
Result<Seed> read_seed_file(const std::string& path);

// Creates `path` (refusing to overwrite anything) with 32 bytes from OpenSSL's RAND_bytes,
// mode 0600, written and fsync'd before returning.
Result<Seed> create_seed_file(const std::string& path);

// True when the file can be read by its group or others (a warning for the CLI).
bool seed_file_is_shared(const std::string& path);

}  // namespace khe::randomize
