// Synthetic FHIR R4 Bulk Data exports of a KHE/KMP study cohort, for the cohort tests and
// the `khe cohort` benchmark. All data are synthetic; no real patient is described.
//
// One NDJSON file per resource type, as EHRs export them (Patient, Condition, Observation,
// MedicationRequest, Procedure, ResearchSubject), every resource referring to its child by
// `Patient/<id>` (`subject`, or `individual` for ResearchSubject). Deterministic: the same
// options give the same bytes (std::mt19937_64 seeded with `seed`; no clock).
//
// Every child has KHE with KMP (platelets < 100 x10^9/L on day 0), a confirmed diagnosis
// Condition, a ResearchSubject with assignedArm = actualArm = the arm's name, sirolimus
// (0.8 mg/m2 every 12 h by BSA) from day 0 and, in an arm whose name contains
// "prednisolone", prednisolone 2 mg/kg/day for 4 weeks then 1 mg/kg/day for 2 weeks.
// Platelets are drawn on day 0 and about weekly, with a count on days 25-31 for everyone,
// so that every child is evaluable for the trial's primary endpoint (clinical spec §8,
// durable platelet response at week 4). Exactly `responders` children of each arm respond;
// the non-responders vary: never above 100, a response that dips before week 4, a fall at
// week 4, exactly 100 at week 4, a week-4 count confounded by a platelet transfusion, two
// counts in the window of which the last is low.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace khe::cohort_gen {

struct Arm {
  std::string name;    // ResearchSubject.actualArm and assignedArm
  int patients = 0;    // children in the arm
  int responders = 0;  // of them, durable platelet responders at week 4 (0..patients)
};

// The Blood 2022 trial (sirolimus + prednisolone vs sirolimus): 35/37 vs 24/36.
std::vector<Arm> trial_replica_arms();
// `patients` children split over the trial's two arms in the trial's proportions, with the
// trial's response rates (rounded): for a benchmark export of any size.
std::vector<Arm> scaled_trial_arms(int patients);

struct Options {
  std::vector<Arm> arms;  // empty: trial_replica_arms()
  // Observations per child, at least the core course (about 25: platelets, fibrinogen,
  // hemoglobin, D-dimer, sirolimus troughs, weight, height, lesion site); follow-up labs
  // after week 4 fill up to the target. 0: the core course only.
  int observations_per_patient = 0;
  std::uint64_t seed = 20220104;
  std::string out_dir;  // created when missing; the six files are overwritten
  // Shuffle each file's lines within windows of `interleave_window` consecutive children
  // (a cohort smaller than the window is shuffled whole), so one child's resources are
  // spread through each file. Off: each file lists the children in enrolment order.
  bool interleave = false;
  int interleave_window = 1024;
  bool troughs = true;                  // sirolimus trough Observations (weeks 1, 2 and 4)
  bool keep_truth = true;               // fill Summary::truth (one entry per child)
  std::size_t buffer_bytes = 1u << 20;  // per file; flushed with one write when full
};

// What one child was generated to show (the test's ground truth).
struct PatientTruth {
  std::string id;   // Patient.id
  std::string arm;  // ResearchSubject.actualArm
  bool durable_week4 = false;
  int days_to_response = -1;  // first non-confounded count > 100 after day 0 by day 31; -1 none
  std::string pattern;        // "responder", "never_above_100", "dip_before_week4", ...
  std::string therapy_start;  // day 0, YYYY-MM-DD
};

struct FileSummary {
  std::string path;
  std::string resource_type;
  std::uint64_t resources = 0;
  std::uint64_t bytes = 0;
};

struct Summary {
  std::vector<FileSummary> files;  // in the order Patient, Condition, Observation,
                                   // MedicationRequest, Procedure, ResearchSubject
  std::uint64_t patients = 0;
  std::uint64_t resources = 0;
  std::uint64_t bytes = 0;
  std::string as_of;                // a FHIR dateTime after every generated time (for --as-of)
  std::vector<PatientTruth> truth;  // in enrolment order (empty unless keep_truth)
};

// Writes the export into options.out_dir. Errors: bad options, a file that cannot be
// created or written.
Result<Summary> generate(const Options& options);

// Parses "NAME:N:RESPONDERS" (the tool's --arm).
Result<Arm> parse_arm(const std::string& text);

}  // namespace khe::cohort_gen
