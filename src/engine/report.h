// The engine's output. Writers (JSON, text, CDS cards) render it; none of them decides
// anything clinical. Every finding, alert and dose carries the rule ID and sources that
// produced it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/quantity.h"
#include "core/time.h"
#include "model/record.h"
#include "pk/fit.h"

namespace khe::engine {

enum class KmpStatus { present, absent, indeterminate, suspected, not_expected, not_applicable };
enum class Band { severe, moderate, mild };
enum class Urgency { routine, urgent, emergent };  // ordered: max() = most urgent
enum class AlertSeverity { info, warning, critical };
enum class Regimen {
  sirolimus_prednisolone,
  sirolimus,
  observation,
  add_vincristine,
  reassess_diagnosis,
  specialist_evaluation,
  vincristine_corticosteroid
};

const char* name(KmpStatus s);
const char* name(Band b);
const char* name(Urgency u);
const char* name(AlertSeverity s);
const char* name(Regimen r);

// Where a statement comes from: the rule and its sources (ids into knowledge sources).
struct Provenance {
  std::string rule_id;
  std::vector<std::string> sources;
  std::string evidence_tag;    // "", "SECONDARY" or "UNVERIFIED"
  bool local_default = false;  // a local default, not evidence
};

// A rule that fired and what it concluded, in words: the explanation trail.
struct Finding {
  Provenance why;
  std::string statement;
};

// A value the engine used, with its age at as-of.
struct UsedValue {
  std::string name;  // "platelets", "fibrinogen", "weight", ...
  model::Measured value;
  std::string unit;  // canonical UCUM unit
  Instant time{};
  double age_hours = 0;
  bool confounded = false;  // within the transfusion window (§2)
  model::SourceRef source;
};

struct Alert {
  std::string code;
  AlertSeverity severity = AlertSeverity::info;
  std::string message;
  std::vector<std::string> details;  // lists the rule asks for (mimics, checks, alternatives)
  Provenance why;
};

struct BodySize {
  std::optional<Kilograms> weight;
  std::optional<Instant> weight_time;
  std::optional<Centimetres> height;
  std::optional<Instant> height_time;
  std::optional<SquareMetres> bsa;  // Mosteller
};

struct Dose {
  std::string drug;       // "sirolimus", "prednisolone", ...
  Milligrams dose;        // per administration, rounded to what can be measured
  Milligrams calculated;  // before rounding (after halving and caps)
  double interval_h = 0;
  std::string route;                     // "oral", "intravenous"
  std::string basis;                     // "0.8 mg/m2 x 0.31 m2"
  std::optional<Milligrams> daily;       // per day, when the drug is dosed per day
  std::optional<Millilitres> volume;     // of the stated concentration
  std::optional<MgPerMl> concentration;  // never a volume without it
  std::string formulation;               // "oral solution 1 mg/mL", "pharmacy dilution 0.1 mg/mL"
  bool capped = false;
  bool halved = false;             // DOSE-SIR-3
  bool current = false;            // the child already receives it: current dose shown
  BodySize body;                   // what the dose used
  std::vector<std::string> notes;  // tablets, timing, warnings
  Provenance why;
};

// The lesion's largest diameter against its baseline (RESP-2). Invariant: baseline > 0.
struct LesionResponse {
  model::Measured baseline;  // cm
  Instant baseline_time{};
  model::Measured latest;  // cm
  Instant latest_time{};
  double change_percent = 0;  // (latest - baseline) / baseline x 100
  std::string category;       // "resolved", "regression", "stable" or "progression"
  Provenance why;             // RESP-2
};

struct Response {
  std::optional<Date> therapy_start;
  std::optional<bool> platelet_response;
  std::optional<bool> durable_platelet_response_week4;
  std::optional<int> days_to_platelet_response;
  std::optional<bool> fibrinogen_stabilized;
  bool relapse = false;
  std::optional<Date> resolution_date;
  std::optional<LesionResponse> lesion;  // RESP-2: null without a baseline and a later size
  Provenance why;                        // RESP-1
};

// The model-based estimate of DOSE-SIR-ADJ-1 ("a model-based estimate replaces this rule
// where its model covers the child"): the Bayesian MAP fit of the knowledge's default
// sirolimus PK model on every level so far (src/pk), the same result `khe tdm` gives for the
// same record, as-of and target. Invariant: used_for_dose implies covers_child and a fit
// with a recommendation.
struct ModelBasedDosing {
  std::optional<pk::TdmResult> fit;  // absent when the fit failed (not_covered_because says why)
  std::string target_source;         // "TARGET-1 (kmp)"
  bool covers_child = false;         // fit sound, child inside the model's domain, regimen known
  std::vector<std::string> not_covered_because;
  // Interacting drugs given during or within the interaction window before the latest level
  // (the estimate cannot guide the dose). Older exposures only remove the levels they
  // affected from the fit (a note of the estimate says so).
  std::vector<std::string> interacting_drugs;
  bool used_for_dose = false;  // the trough's adjustment came from this estimate
  Provenance why;              // DOSE-SIR-ADJ-1, with the model's source
};

// The latest sirolimus level against its target (TARGET-1), whether it can guide a dose
// change (DOSE-SIR-ADJ-1), and the new dose when it can.
struct TroughAssessment {
  model::Measured value;  // ng/mL, whole blood
  Instant time{};
  model::SourceRef source;
  std::string phase;           // "kmp", "no_kmp", "long_term" or "maintenance"
  double target_low = 0;       // ng/mL
  double target_high = 0;      // ng/mL
  std::string status;          // "below", "in_range", "above" or "unknown"
  bool interpretable = false;  // every DOSE-SIR-ADJ-1 condition holds
  std::vector<std::string> not_interpretable_because;
  std::optional<Dose> adjustment;               // the suggested new dose
  std::optional<ModelBasedDosing> model_based;  // when the profile enables it
  Provenance why;                               // TARGET-1
};

// One test that is due under the monitoring rules (MON-1..5): when it was last done and
// when it is due next. `overdue` when the due time has passed at as-of.
struct MonitoringItem {
  std::string test;             // analyte name, e.g. "platelets", "sirolimus_level"
  std::optional<Instant> last;  // the latest result at or before as-of
  Instant due{};                // next due (as-of itself when never done)
  double interval_h = 0;
  bool overdue = false;
  Provenance why;
};

// An adverse event by CTCAE v5, with its possible causes: graded from a laboratory value or
// vital sign (AE-1), recorded with its grade by the team, or an infection (AE-2).
struct AdverseEvent {
  std::string term;                         // "neutrophil_count_decreased", "infection", ...
  std::optional<int> grade = std::nullopt;  // 1..5; null when the data cannot decide it
  std::optional<model::Measured> value = std::nullopt;  // null for an event without a number
  std::string unit;                                     // of `value`; "" without one
  Instant time{};
  model::SourceRef source;
  std::vector<std::string> attribution;  // drugs given (and other causes) that may explain it
  std::vector<std::string> notes;        // what the grade could not take into account
  Provenance why;
};

// One drug given without interruption (§8 therapy episodes): requests, statements and
// administrations of the same drug that overlap or touch are merged into one episode, so a
// course recorded three ways counts once. Invariant: start <= end when end is set.
struct DoseStep {
  Instant time{};                    // from when this dose was given
  std::optional<Milligrams> dose;    // per administration, when recorded
  std::optional<double> interval_h;  // when recorded
};

struct TherapyEpisode {
  std::string drug;                       // knowledge drug id ("sirolimus", "prednisolone", ...)
  bool counts_for_therapy_start = false;  // a KMP-directed drug that can set day 0 (§8)
  Instant start{};
  std::optional<Instant> end;          // null while the drug is still given at as-of
  std::vector<DoseStep> doses;         // the dose at start, then each change, in time order
  int administrations = 0;             // MedicationAdministration records inside the episode
  std::vector<std::string> resources;  // every record merged into it ("MedicationRequest/x")
};

// A measured series for the course chart (all values up to as-of, in canonical units).
// A point of a course series. Display data: the values the rules used carry their source
// in `values_used`; a point is found in the input by analyte and time.
struct SeriesPoint {
  Instant time{};
  model::Measured value;
  bool confounded = false;  // within a transfusion window (§2): not a response
};

struct Series {
  std::string analyte;  // analyte name: "platelets", "fibrinogen", ...
  std::string unit;     // canonical UCUM unit
  std::vector<SeriesPoint> points;
};

// A horizontal line the team reads the series against (response, severity thresholds).
struct ThresholdLine {
  std::string analyte;
  double value = 0;     // in the analyte's canonical unit
  std::string meaning;  // "response", "severe", "low", ...
  Provenance why;
};

// The sirolimus target range in force over a stretch of time (TARGET-1 phases).
struct TargetBand {
  Instant from{};
  Instant to{};
  double low = 0;     // ng/mL
  double high = 0;    // ng/mL
  std::string phase;  // "kmp", "no_kmp", "long_term", "maintenance"
  Provenance why;
};

// A dated event drawn on the course: transfusions and procedures.
struct CourseEvent {
  std::string code;  // procedure code: "platelet-transfusion", "surgical-resection", ...
  Instant time{};
  model::SourceRef source;
};

struct Timeline {
  std::vector<Series> series;
  std::vector<ThresholdLine> thresholds;
  std::vector<TargetBand> target_bands;
  std::vector<CourseEvent> events;
};

struct Report {
  // kmp
  KmpStatus kmp_status = KmpStatus::not_applicable;
  std::optional<Band> kmp_severity;
  std::optional<model::Measured> platelets;  // the value the status used (10*9/L)
  std::string kmp_definition;                // "screen", "consumptive", "research" or ""
  std::string diagnosis;                     // governing diagnosis code, or ""
  std::optional<model::Certainty> diagnosis_certainty;

  // coagulopathy
  std::optional<bool> coagulopathy;
  std::optional<bool> severe_hypofibrinogenemia;
  std::vector<std::string> coagulopathy_criteria;

  // anemia (KMP-4)
  std::optional<bool> anemia;
  std::optional<bool> severe_anemia;

  // risk
  bool high_risk = false;
  std::vector<std::string> risk_reasons;

  Urgency urgency = Urgency::routine;
  std::vector<std::string> urgency_reasons;

  // recommendation
  std::optional<Regimen> regimen;
  std::string regimen_null_reason;   // "data_missing" or "nothing_to_recommend" when null
  std::vector<Dose> doses;           // start doses of drugs not yet given
  std::vector<Dose> current_doses;   // drugs already given, as recorded
  std::vector<std::string> context;  // TX-6 context lines, evidence behind the regimen
  std::optional<Provenance> regimen_why;

  std::vector<Alert> alerts;
  std::optional<Response> response;                  // null before any KMP-directed therapy
  std::optional<TroughAssessment> sirolimus_trough;  // null without a level on sirolimus
  std::vector<MonitoringItem> monitoring;            // what is due, most urgent phase first
  std::vector<AdverseEvent> adverse_events;          // AE-1, latest fresh values only
  std::vector<TherapyEpisode> therapy;               // every drug's episodes, by start
  Timeline timeline;                                 // what the course chart draws

  std::vector<Finding> findings;
  std::vector<UsedValue> values_used;
  BodySize body;
  std::optional<int> age_days;
  std::optional<int> corrected_age_days;
  std::vector<model::DataIssue> data_issues;

  // provenance (engine_version, knowledge_version, profile, as_of); the input hash is
  // added by the adapter that read the bytes.
  std::string engine_version;
  std::string knowledge_version;
  std::string profile;
  Instant as_of{};
  std::string input_sha256;
};

}  // namespace khe::engine
