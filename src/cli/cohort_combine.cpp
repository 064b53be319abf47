#include "cli/cohort_combine.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/input.h"
#include "cli/sha256.h"
#include "cohort/aggregates.h"
#include "cohort/combine.h"

namespace khe::cli {
namespace {

// Far above any cohort's aggregates (a few kB per endpoint and group), and a bound on what a
// damaged or hostile file can make us hold.
constexpr std::size_t kMaxAggregateBytes = 64u << 20;

}  // namespace

int cohort_combine_command(const CohortCommandOptions& o, std::ostream& out, std::ostream& err) {
  if (!o.inputs.empty() || o.export_aggregates) {
    err << "error: --combine reads aggregate files only: give no INPUT and no "
           "--export-aggregates\n";
    return kUsageError;
  }
  if (o.format != "json" && o.format != "text" && o.format != "csv" && o.format != "html") {
    err << "error: --format must be json, text, csv or html\n";
    return kUsageError;
  }
  std::ofstream file;
  if (o.output) {
    file.open(*o.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      err << "error: -o: cannot write " << *o.output << "\n";
      return kUsageError;
    }
  }
  std::vector<cohort::AggregateFile> files;
  std::string all_bytes;  // the files' bytes in the order given, for the provenance's hash
  for (const std::string& path : o.combine) {
    std::istringstream no_stdin;
    const auto bytes = read_input(path, no_stdin, kMaxAggregateBytes);
    if (!bytes) {
      err << "error: --combine: cannot read " << path << "\n";
      return kInputUnusable;
    }
    auto read = cohort::read_aggregates(*bytes);
    if (!read) {
      const Error& e = read.error();
      err << "error: " << path
          << ": not a valid aggregate file: " << (e.where.empty() ? "" : e.where + ": ")
          << e.message << "\n";
      return kInputUnusable;
    }
    all_bytes += *bytes;
    files.push_back({path, std::move(read).value()});
  }
  auto combined = cohort::combine(files, o.reference);
  if (!combined) {
    print_error(err, combined.error());
    return kUsageError;
  }
  cohort::CohortResult result = std::move(combined).value();
  result.input.sha256 = sha256_hex(all_bytes);
  if (!reference_is_a_group(result, o.reference, "the combined cohort", err)) return kUsageError;
  std::ostream& sink = o.output ? static_cast<std::ostream&>(file) : out;
  sink << render_cohort(result, o.format);
  sink.flush();
  // Counts only, as the patient-level run's summary line.
  err << "khe cohort: combined " << files.size() << " aggregate files, " << result.input.patients
      << " patients\n";
  return sink ? kOk : kInternalError;
}

}  // namespace khe::cli
