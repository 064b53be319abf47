// The patient record: everything the engine may use, already unit-normalised. Facts are
// kept whatever their time; the engine decides what counts at its as-of time.
// Invariant: every fact carries `source` (resource type/id and JSON path) so any finding
// can be traced to the input that caused it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/quantity.h"
#include "core/time.h"
#include "model/analyte.h"

namespace khe::model {

enum class Comparator : std::uint8_t { none, lt, le, gt, ge };

// A measured value in its analyte's canonical unit. With a comparator the true value is
// only known to lie beyond `value` ("< 10" means somewhere below 10).
struct Measured {
  double value = 0;
  Comparator comparator = Comparator::none;
};

struct SourceRef {
  std::string resource;  // "Observation/abc" (or "Observation[#12]" when it has no id)
  std::string path;      // JSON path within the input, e.g. "entry[3].resource.valueQuantity"
};

struct LabResult {
  Analyte analyte{};
  Measured value;
  Instant time{};
  std::optional<Measured> ref_low;   // referenceRange[0].low, canonical unit
  std::optional<Measured> ref_high;  // referenceRange[0].high, canonical unit
  SourceRef source;
};

enum class Certainty : std::uint8_t { suspected, confirmed };

struct Diagnosis {
  std::string code;  // product diagnosis code: "khe", "tufted-angioma", ...
  Certainty certainty = Certainty::confirmed;
  bool matched_by_text = false;  // found through the free-text synonym list
  std::optional<Instant> recorded;
  std::vector<std::string> basis;  // "basis-histology", ...
  SourceRef source;
};

// A coded clinical fact from the `finding` code system (booleans, coded values and the
// CTCAE grades of clinician-recorded adverse events; the quantity findings
// lesion-largest-diameter and gestational-age-at-birth are LabResults).
struct Finding {
  std::string code;          // "active-bleeding", "lesion-site", "ae-constipation", ...
  std::optional<bool> flag;  // valueBoolean
  std::string value_code;    // valueCodeableConcept code, e.g. "site-retroperitoneal"
  std::optional<int> grade = std::nullopt;  // valueInteger 1..5 of an `ae-` finding (CTCAE v5)
  Instant time{};
  SourceRef source;
};

enum class ProcedureStatus : std::uint8_t { planned, done };

struct ProcedureEvent {
  std::string code;  // "platelet-transfusion", "surgical-resection", ...
  ProcedureStatus status = ProcedureStatus::done;
  std::optional<Instant> start;
  std::optional<Instant> end;
  std::string indication;  // "indication-active-bleeding", ... or empty when none recorded
  SourceRef source;
};

enum class MedicationSource : std::uint8_t { request, statement, administration };
enum class MedicationStatus : std::uint8_t {
  active,
  completed,
  stopped,
  on_hold,
  planned,
  unknown
};

// One medication record. Requests and statements describe a course (start..end);
// an administration is one given dose (start == end == time given).
struct MedicationCourse {
  std::string drug;  // knowledge drug id ("sirolimus", "fluconazole", ...)
  bool matched_by_text = false;
  MedicationSource source_kind = MedicationSource::statement;
  MedicationStatus status = MedicationStatus::unknown;
  std::optional<Instant> start;
  std::optional<Instant> end;        // set only when the course is closed
  std::optional<Milligrams> dose;    // per administration
  std::optional<double> interval_h;  // from timing.repeat (period / frequency), in hours
  std::string route;                 // route code or text, lowercase ("oral", "intravenous")
  SourceRef source;
};

enum class Gender : std::uint8_t { female, male, other, unknown };

struct Patient {
  std::string id;
  Date birth_date{};
  Gender gender = Gender::unknown;
};

enum class IssueSeverity : std::uint8_t { info, warning };

// A data-quality problem found while reading: the value was not used.
struct DataIssue {
  std::string code;  // "value_rejected", "unit_ambiguous", "implausible_value", ...
  IssueSeverity severity = IssueSeverity::warning;
  SourceRef source;
  std::string message;
  // Set when a laboratory value was refused: which analyte, taken when. The engine uses it
  // to warn when a refused value is newer than the one it had to use instead.
  std::optional<Analyte> analyte = std::nullopt;
  std::optional<Instant> time = std::nullopt;
};

struct Record {
  Patient patient;
  std::vector<Diagnosis> diagnoses;
  std::vector<LabResult> labs;  // sorted by time, then input order
  std::vector<Finding> findings;
  std::vector<ProcedureEvent> procedures;
  std::vector<MedicationCourse> medications;
  std::vector<DataIssue> issues;
};

}  // namespace khe::model
