// Reads the evaluate command's input bytes, unchanged (binary-safe), from a file or stdin.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include "core/time.h"
#include "fhir/reader.h"
#include "knowledge/knowledge.h"

namespace khe::cli {

// At most `limit` bytes are read: anything larger is refused by the reader anyway, and an
// endless stream must not exhaust memory. nullopt when the file cannot be read.
std::optional<std::string> read_input(const std::string& path, std::istream& in, std::size_t limit);

// The as-of instant of a command: --as-of when given, else now. The only place the program
// reads the clock. nullopt (after writing the error) when --as-of is not a FHIR dateTime.
std::optional<Instant> resolve_as_of(const std::optional<std::string>& option, std::ostream& err);

// A --target "LOW-HIGH" in ng/mL (e.g. "8-15", "8.5-15"): two finite numbers with
// 0 <= LOW < HIGH. False, with low and high unspecified, otherwise.
bool parse_target_range(const std::string& text, double& low, double& high);

// Writes "error: <what>" for an expected failure (no patient data in it).
void print_error(std::ostream& err, const Error& e);

// The input's bytes (their hash goes into provenance) and the patient record read from them.
struct InputRecord {
  std::string bytes;
  fhir::ReadOutcome outcome;  // outcome.record is set
};

// Reads INPUT ("-" = `in`) and the record of `patient` (or the only one) in it, as every
// command that takes a FHIR input does. On failure the problems are written to `err` (no
// patient data) and nullopt is returned: the command exits with kInputUnusable.
std::optional<InputRecord> read_record(const std::string& path,
                                       const std::optional<std::string>& patient, Instant as_of,
                                       const knowledge::Knowledge& knowledge, std::istream& in,
                                       std::ostream& err);

}  // namespace khe::cli
