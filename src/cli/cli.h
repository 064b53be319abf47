// The `khe` command. Streams and arguments are parameters so tests can drive the whole
// command in-process; main() only forwards the real ones.
#pragma once

#include <iosfwd>

namespace khe::cli {

// Exit statuses of the contract (shared contract report.md). kAuditBroken: `khe audit
// verify` found the audit log's hash chain broken.
enum ExitCode : int {
  kOk = 0,
  kInternalError = 1,
  kUsageError = 2,
  kInputUnusable = 3,
  kAuditBroken = 4
};

// Runs `khe` with argv[0..argc). Reads standard input from `in` (INPUT "-"), writes the
// report to `out` and diagnostics to `err`. Never throws. This is the only place of the
// product that reads the clock (the default --as-of).
int run(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace khe::cli
