// Reading a cohort at scale and evaluating every patient (issue 6, item 3).
//
// Inputs: NDJSON files (any mix of resource types; Bulk Data exports are one file per type),
// folders of them (recursively, `.ndjson` and `.json` files, sorted by path), Bundle JSON
// files (each Bundle may hold several patients), and khe SQLite stores (opened read-only).
// Resources are attached to their patient by `subject`, `patient` or `individual`
// (`Patient/<id>`, or a Bundle's `urn:uuid:` fullUrl of a Patient); a resource naming no
// patient of the input is counted as an orphan and not used.
//
// Streaming with bounded memory: pass 1 reads every input in large blocks (pread, no mmap),
// hashes it (SHA-256, the order given), finds each line's patient key and appends small index
// entries to temporary bucket files (by hash of the patient id, under TMPDIR, removed at the
// end). Pass 2 processes the buckets on `threads` threads: each patient's lines are read back,
// read by fhir::read, evaluated by engine::evaluate and reduced by outcome_of(); only the
// PatientOutcome is kept. The outcomes are sorted by patient id, so the result does not depend
// on the number of threads or buckets. No clock is read: as-of is a parameter.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cohort/cohort.h"
#include "core/result.h"
#include "core/time.h"
#include "knowledge/knowledge.h"

namespace khe::cohort {

// Progress of a run, for a progress bar: at most about ten calls a second, from any thread
// (one at a time). Counts only, never an identifier.
struct Progress {
  const char* phase = "";  // "reading" (bytes of input) or "evaluating" (patients)
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  bool unit_is_bytes = true;
};
using ProgressCallback = std::function<void(const Progress&)>;

struct RunOptions {
  std::vector<std::string> inputs;  // files, folders, Bundles, SQLite stores, in this order
  Instant as_of{};                  // chosen by the caller; the run reads no clock
  Grouping by = Grouping::arm;
  // The engine's model-based dosing (engine::EvaluateOptions): off, since no endpoint reads
  // it and it is most of a treated child's evaluation time. Tests turn it on to show the
  // outcomes do not change.
  bool model_based_dosing = false;
  int threads = 1;  // pass 2 workers (pass 1 reads with up to this many threads too)
  // Test hooks: 0 = chosen from the input size (a bucket is ~48 MB of input).
  int buckets = 0;
  std::string temp_dir;                // "" = $TMPDIR, else /tmp
  std::size_t block_bytes = 8u << 20;  // pass 1 read size per file
};

// A line (or Bundle entry) that could not be used: not JSON, or no resourceType.
struct InputProblem {
  std::string where;    // "file.ndjson:12" (line number), never the line's content
  std::string message;  // "not JSON", "no resourceType"
};

struct RunOutput {
  InputSummary input;
  std::vector<PatientOutcome> outcomes;        // one per Patient, sorted by patient_id
  std::uint64_t problems = 0;                  // unusable lines and entries
  std::vector<InputProblem> problem_examples;  // the first few
};

// Errors: an input that does not exist or cannot be read, a store that cannot be opened, a
// temporary directory that cannot be written. Unusable lines and records are counted, never
// an error.
Result<RunOutput> run(const RunOptions& options, const knowledge::Knowledge& knowledge,
                      const knowledge::Profile& profile, const ProgressCallback& progress = {});

}  // namespace khe::cohort
