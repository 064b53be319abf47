// `khe cohort INPUT...`: every patient of a registry or trial export evaluated by the
// engine, the study's endpoints by group (src/cohort), written as JSON, text, CSV or HTML
// (src/cohort_write). Standard error shows a progress bar when it is a terminal and one
// summary line at the end (counts, MB/s, seconds): never a patient id. See docs/cohort.md.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace khe::cli {

struct CohortCommandOptions {
  std::vector<std::string> inputs;     // NDJSON files, folders, Bundles, a khe SQLite store
  std::optional<std::string> as_of;    // FHIR dateTime; unset = now (as khe evaluate)
  std::string by = "arm";              // arm | regimen | none
  std::vector<std::string> endpoints;  // empty = durable_platelet_response_week4
  std::string format = "json";         // json | text | csv | html
  std::optional<int> threads;          // unset = hardware threads
  std::string profile = "default";
  std::optional<std::string> knowledge_dir;
  double confidence = 0.95;
  std::string reference;              // --reference: the control group of every comparison
  std::optional<std::string> output;  // -o FILE; unset = standard output
  // Federated analysis (docs/cohort.md): write the centre's aggregates instead of the
  // analysis, flagging cells of 1..small_cell patients; or pool aggregate files (no INPUT).
  bool export_aggregates = false;
  int small_cell = 5;
  std::vector<std::string> combine;  // --combine FILE...
};

// Adds `cohort` with its options to `app`; returns it.
CLI::App* add_cohort_subcommand(CLI::App& app, CohortCommandOptions& options);

// Returns the process exit status (cli.h ExitCode). With `combine` set, runs
// cohort_combine_command (cohort_combine.h). The progress bar is drawn only when
// `err` is the process's standard error and that is a terminal.
int cohort_command(const CohortCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace khe::cli
