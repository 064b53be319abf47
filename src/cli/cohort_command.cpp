#include "cli/cohort_command.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/cohort_combine.h"
#include "cli/input.h"
#include "cli/knowledge_source.h"
#include "cohort/aggregates.h"
#include "cohort/cohort.h"
#include "cohort/run.h"
#include "cohort_write/aggregates_json.h"
#include "cohort_write/cohort_csv.h"
#include "cohort_write/cohort_html.h"
#include "cohort_write/cohort_json.h"
#include "cohort_write/cohort_text.h"
#include "engine/evaluate.h"
#include "write/number.h"

namespace khe::cli {
namespace {

constexpr const char* kEndpointNames =
    "durable_platelet_response_week4, platelet_response, fibrinogen_stabilized, relapse, "
    "time_to_platelet_response";

bool stderr_is_terminal(const std::ostream& err) {
  return &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
}

// The progress bar of a terminal: one line redrawn in place, at most ~10 times a second
// (run() already limits its calls). Counts only: never a patient id.
class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& err) : err_(err) {}

  void update(const cohort::Progress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    constexpr int kWidth = 30;
    const double fraction =
        p.total > 0 ? std::min(1.0, static_cast<double>(p.done) / static_cast<double>(p.total))
                    : 0.0;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string phase = p.phase;
    if (phase.size() < 10) phase.resize(10, ' ');  // "reading" and "evaluating" line up
    std::string line = "\r" + phase + " [" + std::string(filled, '#') +
                       std::string(kWidth - filled, '.') + "] " +
                       write::format_number(100.0 * fraction, 0) + "% " + counts(p);
    if (line.size() < last_width_) line += std::string(last_width_ - line.size(), ' ');
    last_width_ = line.size();
    err_ << line << std::flush;
    drawn_ = true;
  }

  void finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (drawn_) err_ << "\n";
    drawn_ = false;
  }

 private:
  static std::string counts(const cohort::Progress& p) {
    if (p.unit_is_bytes) {
      return write::format_number(static_cast<double>(p.done) / 1e6, 1) + " of " +
             write::format_number(static_cast<double>(p.total) / 1e6, 1) + " MB";
    }
    return std::to_string(p.done) + " of " + std::to_string(p.total) + " patients";
  }

  std::ostream& err_;
  std::mutex mutex_;
  std::size_t last_width_ = 0;
  bool drawn_ = false;
};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// One line, counts only: unusable lines are counted and the first one located (file and
// line number, never its content).
std::string summary_line(const cohort::RunOutput& run, double seconds) {
  const cohort::InputSummary& in = run.input;
  const double mb = static_cast<double>(in.bytes) / 1e6;
  std::ostringstream s;
  s << "khe cohort: " << in.files << (in.files == 1 ? " file, " : " files, ") << fixed(mb, 1)
    << " MB, " << in.patients << " patients, " << in.unreadable << " unreadable, " << in.orphans
    << " orphan resources, " << fixed(seconds > 0 ? mb / seconds : 0.0, 1) << " MB/s, "
    << fixed(seconds, 2) << " s";
  if (run.problems > 0) {
    s << "; " << run.problems << " unusable lines";
    if (!run.problem_examples.empty()) {
      s << ", the first at " << run.problem_examples.front().where << " ("
        << run.problem_examples.front().message << ")";
    }
  }
  s << "\n";
  return s.str();
}

}  // namespace

std::string render_cohort(const cohort::CohortResult& r, const std::string& format) {
  if (format == "text") return cohort_write::to_text(r);
  if (format == "csv") return cohort_write::to_csv(r);
  if (format == "html") return cohort_write::to_html(r);
  return cohort_write::to_json(r);
}

bool reference_is_a_group(const cohort::CohortResult& r, const std::string& reference,
                          const char* cohort, std::ostream& err) {
  if (reference.empty()) return true;
  std::string names;
  for (const auto& g : r.endpoints.front().groups) {
    if (g.group == reference) return true;
    names += (names.empty() ? "" : ", ") + g.group;
  }
  err << "error: --reference " << reference << " is not a group of " << cohort
      << " (groups: " << (names.empty() ? "none" : names) << ")\n";
  return false;
}

CLI::App* add_cohort_subcommand(CLI::App& app, CohortCommandOptions& o) {
  CLI::App* c = app.add_subcommand(
      "cohort", "Evaluate every patient of an export and give the study's endpoints by group");
  // Required unless --combine, which reads aggregate files instead (checked in the command).
  c->add_option("INPUT", o.inputs,
                "FHIR Bulk Data NDJSON files, folders of them, Bundle files or a khe SQLite "
                "store");
  c->add_option("--as-of", o.as_of, "Evaluation time, FHIR dateTime (default: now)");
  c->add_option("--by", o.by, "Groups: arm (default; ResearchSubject), regimen or none");
  c->add_option("--endpoint", o.endpoints,
                std::string("Endpoint, repeatable (default durable_platelet_response_week4): ") +
                    kEndpointNames)
      ->allow_extra_args(false);  // one name per --endpoint: INPUTs may follow
  c->add_option("--format", o.format, "json (default), text, csv or html");
  c->add_option("--threads", o.threads, "Worker threads (default: hardware threads)");
  c->add_option("--profile", o.profile, "Knowledge profile (default: default)");
  c->add_option("--knowledge", o.knowledge_dir, "Folder of knowledge files to use");
  c->add_option("--confidence", o.confidence, "Level of every interval (default 0.95)");
  c->add_option("--reference", o.reference,
                "The control group: each comparison with it is other minus this group");
  c->add_option("-o,--output", o.output, "Write to FILE instead of standard output");
  c->add_flag("--export-aggregates", o.export_aggregates,
              "Write this centre's aggregates (counts, no patient data) for --combine instead "
              "of the analysis");
  c->add_option("--small-cell", o.small_cell,
                "With --export-aggregates: flag cells of 1 to N patients (default 5)");
  c->add_option("--combine", o.combine,
                "Pool aggregate files of several centres into one analysis (no INPUT)");
  return c;
}

int cohort_command(const CohortCommandOptions& o, std::ostream& out, std::ostream& err) {
  if (!o.combine.empty()) return cohort_combine_command(o, out, err);
  // Options first: a usage error costs nothing and says what is wrong.
  if (o.inputs.empty()) {
    err << "error: cohort: INPUT is required (or --combine FILE...)\n";
    return kUsageError;
  }
  if (o.small_cell < 0) {
    err << "error: --small-cell must be at least 0\n";
    return kUsageError;
  }
  if (o.format != "json" && o.format != "text" && o.format != "csv" && o.format != "html") {
    err << "error: --format must be json, text, csv or html\n";
    return kUsageError;
  }
  const auto by = cohort::parse_grouping(o.by);
  if (!by) {
    err << "error: --by must be arm, regimen or none\n";
    return kUsageError;
  }
  std::vector<cohort::Endpoint> endpoints;
  for (const auto& name : o.endpoints) {
    const auto e = cohort::parse_endpoint(name);
    if (!e) {
      err << "error: --endpoint: unknown endpoint '" << name << "'; valid: " << kEndpointNames
          << "\n";
      return kUsageError;
    }
    if (std::find(endpoints.begin(), endpoints.end(), *e) == endpoints.end()) {
      endpoints.push_back(*e);
    }
  }
  if (endpoints.empty()) endpoints.push_back(cohort::Endpoint::durable_platelet_response_week4);
  if (!(o.confidence > 0.0 && o.confidence < 1.0)) {
    err << "error: --confidence must be strictly between 0 and 1, e.g. 0.95\n";
    return kUsageError;
  }
  if (o.threads && *o.threads < 1) {
    err << "error: --threads must be at least 1\n";
    return kUsageError;
  }
  const auto as_of = resolve_as_of(o.as_of, err);
  if (!as_of) return kUsageError;
  const auto loaded = load_command_knowledge(o.knowledge_dir, o.profile, err);
  if (!loaded) return kUsageError;

  // Open -o before the long run, so a typo in the path is found at once.
  std::ofstream file;
  if (o.output) {
    file.open(*o.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      err << "error: -o: cannot write " << *o.output << "\n";
      return kUsageError;
    }
  }

  cohort::RunOptions run_options;
  run_options.inputs = o.inputs;
  run_options.as_of = *as_of;
  run_options.by = *by;
  run_options.threads =
      o.threads ? *o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  ProgressBar bar(err);
  const bool terminal = stderr_is_terminal(err);
  cohort::ProgressCallback progress;
  if (terminal) progress = [&bar](const cohort::Progress& p) { bar.update(p); };

  // Throughput for the summary line only; it changes nothing in the output.
  const auto started = std::chrono::steady_clock::now();
  auto ran = cohort::run(run_options, loaded->knowledge, *loaded->profile, progress);
  if (terminal) bar.finish();
  if (!ran) {
    print_error(err, ran.error());
    return kInputUnusable;
  }
  if (ran->input.patients == 0) {
    err << "error: no Patient resource in the input (" << ran->input.files << " files, "
        << ran->input.resources << " resources read)\n";
    return kInputUnusable;
  }
  const double seconds_run =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (o.export_aggregates) {
    // Counts only leave the centre: --format and --reference apply where they are combined.
    cohort::Provenance provenance{engine::engine_version(), loaded->knowledge.version,
                                  loaded->profile->id, *as_of};
    const auto aggregates =
        cohort::make_aggregates(provenance, ran->input, *by, o.confidence, o.small_cell,
                                cohort::tally(ran->outcomes, endpoints));
    std::ostream& sink = o.output ? static_cast<std::ostream&>(file) : out;
    sink << cohort_write::to_aggregates_json(aggregates);
    sink.flush();
    err << summary_line(*ran, seconds_run);
    return sink ? kOk : kInternalError;
  }
  cohort::CohortResult result;
  result.provenance.engine_version = engine::engine_version();
  result.provenance.knowledge_version = loaded->knowledge.version;
  result.provenance.profile = loaded->profile->id;
  result.provenance.as_of = *as_of;
  result.input = ran->input;
  result.by = *by;
  result.confidence = o.confidence;
  result.endpoints = cohort::analyse(ran->outcomes, endpoints, o.confidence, o.reference);
  if (!reference_is_a_group(result, o.reference, "this cohort", err)) return kUsageError;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const std::string text = render_cohort(result, o.format);
  std::ostream& sink = o.output ? static_cast<std::ostream&>(file) : out;
  sink << text;
  sink.flush();
  err << summary_line(*ran, seconds);
  return sink ? kOk : kInternalError;
}

}  // namespace khe::cli
