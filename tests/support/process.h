// Helpers shared by every test program: files in a fresh temp folder, the built `khe` run
// as a child process, and a SHA-256 computed independently of the product.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace khe::test_support {

struct RunResult {
  int status = -1;  // exit status; -1 when the process did not exit normally
  std::string out;
  std::string err;
};

// Runs the built binary (KHE_BINARY) with `args` (argv[0] excluded); `stdin_bytes` is fed to
// its standard input (empty input when nullopt).
RunResult run_binary(const std::vector<std::string>& args,
                     const std::optional<std::string>& stdin_bytes = std::nullopt);

// The same for any program (e.g. a helper tool under build/tools).
RunResult run_binary_path(const std::string& program, const std::vector<std::string>& args,
                          const std::optional<std::string>& stdin_bytes = std::nullopt);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
// A fresh empty folder under the test temp dir, unique per process and call.
std::string make_temp_dir(const std::string& name);

// Lowercase hex SHA-256 by OpenSSL's one-shot SHA256, independent of the product's code.
std::string reference_sha256(const std::string& bytes);

}  // namespace khe::test_support
