// `khe cohort --combine FILE...`: pools the aggregate files of several centres (written by
// `khe cohort --export-aggregates`) into one analysis, rendered as a patient-level one
// (cohort::combine, cohort_write/). See docs/cohort.md ("Federated analysis").
#pragma once

#include <iosfwd>
#include <string>

#include "cli/cohort_command.h"
#include "cohort/cohort.h"

namespace khe::cli {

// Exit statuses: 0 written; 2 usage (INPUT or --export-aggregates with --combine, a bad
// --format, files that do not describe the same analysis, a --reference that is no group,
// -o not writable); 3 a file missing, unreadable or not a valid aggregate file (the error
// names the file and the field).
int cohort_combine_command(const CohortCommandOptions& options, std::ostream& out,
                           std::ostream& err);

// The analysis in --format `format` (json, text, csv, html); shared with cohort_command.
std::string render_cohort(const cohort::CohortResult& result, const std::string& format);

// True when --reference is empty or names a group of `result`; otherwise writes "error:
// --reference X is not a group of <cohort> (groups: ...)" to `err`. Shared with
// cohort_command.
bool reference_is_a_group(const cohort::CohortResult& result, const std::string& reference,
                          const char* cohort, std::ostream& err);

}  // namespace khe::cli
