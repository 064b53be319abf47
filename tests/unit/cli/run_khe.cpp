#include "cli/run_khe.h"

#include <sstream>

#include "cli/cli.h"

namespace khe::cli::testing {

RunResult run_in_process(const std::vector<std::string>& args, const std::string& stdin_bytes) {
  std::vector<const char*> argv = {"khe"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::istringstream in(stdin_bytes);
  std::ostringstream out, err;
  RunResult r;
  r.status = run(static_cast<int>(argv.size()), argv.data(), in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string example_path(const std::string& file) {
  return std::string(KHE_SHARED_DIR) + "/examples/" + file;
}

}  // namespace khe::cli::testing
