// `khe evaluate`: input bytes -> FHIR reader -> engine -> writer.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace khe::cli {

struct EvaluateOptions {
  std::string input;                 // a path, or "-" for standard input
  std::optional<std::string> as_of;  // FHIR dateTime; unset = now
  std::string profile = "default";
  std::optional<std::string> patient;
  std::string format = "json";  // json | text | html
  std::optional<std::string> knowledge_dir;
};

// Returns the process exit status (cli.h ExitCode).
int evaluate_command(const EvaluateOptions& options, std::istream& in, std::ostream& out,
                     std::ostream& err);

}  // namespace khe::cli
