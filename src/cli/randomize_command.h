// `khe randomize init|next|log|verify`: stratified permuted-block randomisation with a
// sealed allocation list and a hash-chained log (src/randomize, docs/randomize.md).
// The only place that reads the clock for it (the time of each log entry).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace khe::cli {

struct RandomizeOptions {
  std::string study;      // the study file (SQLite)
  std::string seed_file;  // 32 secret bytes (64 hex); created by init when absent
  std::string format = "text";
  std::string by;  // who is acting
  // init
  std::string arms;
  std::string ratio;
  std::string block_sizes;
  std::vector<std::string> strata;
  long long size_per_stratum = 0;
  // next
  std::string subject;
  std::string stratum;
};

// Adds `randomize` with its four subcommands under `app`; returns `randomize`.
CLI::App* add_randomize_subcommand(CLI::App& app, RandomizeOptions& options);

// Runs whichever subcommand of `randomize` was given. Exit 0 done; 2 usage (bad design,
// stratum, subject or option); 3 study or seed file missing, unreadable or not this study's,
// subject already randomised, stratum's list used up; 4 the study file fails verification.
int randomize_command(CLI::App& randomize, const RandomizeOptions& options, std::ostream& out,
                      std::ostream& err);

// `khe randomize verify` (and `khe audit verify --db` on a study file): 0 intact, 4 broken
// (naming the first bad log or list entry), 3 unreadable or wrong seed.
int randomize_verify_report(const std::string& study, const std::optional<std::string>& seed_file,
                            const std::string& format, std::ostream& out, std::ostream& err);

}  // namespace khe::cli
