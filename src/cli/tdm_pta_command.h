// `khe tdm pta`: probability of target attainment of a weight-based sirolimus dosing rule
// under a population PK model (src/pk/pta.h), for a centre to compare dosing rules.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace khe::cli {

struct TdmPtaOptions {
  std::optional<std::string> model;          // default: the knowledge's default model
  std::optional<std::string> knowledge_dir;  // a centre's knowledge folder; unset = built in
  double weight_min_kg = 0.0;
  double weight_max_kg = 0.0;
  double mg_per_kg_day = 0.0;
  double interval_h = 0.0;
  std::string target;  // "LOW-HIGH" in ng/mL
  std::uint64_t n = 100000;
  std::uint64_t seed = 1;
  std::string format = "json";  // json | text
};

// Adds the `pta` subcommand and its options under `tdm`; returns it.
CLI::App* add_tdm_pta_subcommand(CLI::App& tdm, TdmPtaOptions& options);

// Exit statuses as `khe evaluate`: 0, 2 for usage errors (bad or inconsistent arguments,
// unknown model), 1 for internal errors.
int tdm_pta_command(const TdmPtaOptions& options, std::ostream& out, std::ostream& err);

}  // namespace khe::cli
