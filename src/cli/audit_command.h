// `khe audit verify --db PATH`: recomputes the hash chain of the store's audit log
// (src/store) and says whether it is intact. Prints counts, sequence numbers and hashes
// only: never a patient id or any other value of an entry.
#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace khe::cli {

struct AuditOptions {
  std::string db;               // the SQLite file of `khe serve`
  std::string format = "text";  // text | json
};

// Adds `audit` with its `verify` subcommand under `app`; returns `verify`.
CLI::App* add_audit_subcommand(CLI::App& app, AuditOptions& options);

// Exit 0 when the chain is intact; 4 (kAuditBroken) when it is not, naming the first bad
// entry and why; 3 when the database is missing, unreadable or not a khe store (the path
// is named on standard error). When PATH is a randomisation study file (`khe randomize`),
// checks its log, list commitment and revealed allocations instead (same exit statuses).
int audit_verify_command(const AuditOptions& options, std::ostream& out, std::ostream& err);

}  // namespace khe::cli
