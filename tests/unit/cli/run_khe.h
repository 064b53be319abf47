// Test helpers: run `khe` as a real process (KHE_BINARY) or in-process through
// khe::cli::run, capturing exit status, stdout and stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace khe::cli::testing {

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the built binary with `args` (argv[0] excluded); `stdin_bytes` is fed to its
// standard input (empty input when nullopt).
RunResult run_binary(const std::vector<std::string>& args,
                     const std::optional<std::string>& stdin_bytes = std::nullopt);

// Same, in-process.
RunResult run_in_process(const std::vector<std::string>& args, const std::string& stdin_bytes = "");

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
// A fresh empty folder under the test temp dir.
std::string make_temp_dir(const std::string& name);

std::string example_path(const std::string& file);
// Lowercase hex SHA-256 computed independently of the product (OpenSSL one-shot SHA256).
std::string reference_sha256(const std::string& bytes);

}  // namespace khe::cli::testing
