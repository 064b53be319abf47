#include "cli/audit_command.h"

#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/randomize_command.h"
#include "randomize/study.h"
#include "store/store.h"

namespace khe::cli {

CLI::App* add_audit_subcommand(CLI::App& app, AuditOptions& options) {
  CLI::App* audit = app.add_subcommand("audit", "Check the audit log of a khe store");
  audit->require_subcommand(1);
  CLI::App* verify =
      audit->add_subcommand("verify", "Recompute the audit log's hash chain (exit 4 if broken)");
  verify->add_option("--db", options.db, "The store: a SQLite file or a postgresql:// URL")
      ->required();
  verify->add_option("--format", options.format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  return verify;
}

int audit_verify_command(const AuditOptions& options, std::ostream& out, std::ostream& err) {
  // A randomisation study file (src/randomize), told apart by its schema: its log and list.
  if (auto study = randomize::is_study_file(options.db); study && *study) {
    return randomize_verify_report(options.db, std::nullopt, options.format, out, err);
  }
  // Read-only: verifying never creates, migrates or writes the file.
  auto store = store::Store::open(options.db, {.create_if_missing = false, .read_only = true});
  if (!store) {
    err << "error: " << store.error().to_string() << "\n";
    return kInputUnusable;
  }
  auto check = (*store)->verify_audit();
  if (!check) {
    err << "error: " << check.error().to_string() << "\n";
    return kInputUnusable;
  }
  const store::AuditCheck& c = *check;
  if (options.format == "json") {
    nlohmann::ordered_json j;
    j["entries"] = c.entries;
    j["intact"] = c.intact();
    if (c.intact()) {
      j["head"] = c.head;
    } else {
      j["first_bad_seq"] = c.first_bad_seq ? nlohmann::ordered_json(*c.first_bad_seq) : nullptr;
      j["why"] = c.why;
    }
    out << j.dump(2) << "\n";
  } else if (c.intact()) {
    out << "audit: " << c.entries << " entries, chain intact\n";
    out << "head: " << c.head << "\n";
  } else {
    out << "audit: " << c.entries << " entries, chain BROKEN";
    if (c.first_bad_seq) out << " at entry " << *c.first_bad_seq;
    out << ": " << c.why << "\n";
  }
  return c.intact() ? kOk : kAuditBroken;
}

}  // namespace khe::cli
