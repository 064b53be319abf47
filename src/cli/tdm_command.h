// `khe tdm`: input bytes -> FHIR reader -> pk::fit (MAP fit of the sirolimus troughs and the
// dose recommendation) -> JSON or a short text summary. See README.md "khe tdm".
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace khe::cli {

struct TdmCommandOptions {
  std::string input;                  // a path, or "-" for standard input
  std::optional<std::string> as_of;   // FHIR dateTime; unset = now
  std::optional<std::string> model;   // PK model id; unset = the default model
  std::optional<std::string> target;  // "LOW-HIGH" in ng/mL; unset = TARGET-1 of the phase
  std::optional<std::string> patient;
  std::optional<std::string> knowledge_dir;  // a centre's knowledge folder; unset = built in
  std::string profile = "default";
  std::string format = "json";  // json | text
};

// Returns the process exit status (cli.h ExitCode).
int tdm_command(const TdmCommandOptions& options, std::istream& in, std::ostream& out,
                std::ostream& err);

}  // namespace khe::cli
