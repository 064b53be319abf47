// Evaluation context: the record, the knowledge, the profile and the as-of time, with the
// selection helpers every rule shares (which values count, confounding by transfusion,
// acute findings, active medications). Internal to the engine.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/evaluate.h"
#include "engine/report.h"
#include "knowledge/knowledge.h"
#include "model/record.h"

namespace khe::engine {

using model::Analyte;
using model::LabResult;
using model::Measured;

// Three-valued comparisons that respect comparators (CMP-1): nullopt when the bound of a
// "< x" / "> x" value cannot settle the question.
std::optional<bool> below(const Measured& m, double threshold);
std::optional<bool> above(const Measured& m, double threshold);

// A value chosen for a rule, with how it was chosen.
struct Selected {
  const LabResult* lab = nullptr;
  bool confounded = false;  // within a transfusion window (§2)
  bool fallback = false;    // every fresh value was confounded; the pre-transfusion value
};

struct Selection {
  std::optional<Selected> value;
  bool all_fresh_confounded = false;
};

enum class DxClass { none, capable, unknown_type, look_alike };

class Ctx {
 public:
  Ctx(const model::Record& r, const knowledge::Knowledge& k, const knowledge::Profile& p,
      Instant as_of, Report& out, const EvaluateOptions& options = {});

  const model::Record& rec;
  const knowledge::Knowledge& kb;
  const knowledge::Profile& p;
  const Instant as_of;
  Report& out;
  const EvaluateOptions options;

  int age_days = 0;
  int corrected_age_days = 0;  // equals age_days unless AGE-1 applies
  double age_years = 0;        // calendar years (for PREG-1)

  // --- provenance and output helpers
  Provenance prov(std::string_view rule_id) const;
  // Adds the knowledge alert `code` (once per code; later calls append details).
  Alert& alert(std::string_view code, std::vector<std::string> details = {});
  bool has_alert(std::string_view code) const;
  void finding(std::string_view rule_id, std::string statement);
  void use_value(std::string name, const LabResult& lab, bool confounded);

  // --- values
  // Labs of `a` at or before as-of, oldest first.
  const std::vector<const LabResult*>& labs(Analyte a) const {
    return by_analyte_[static_cast<std::size_t>(a)];
  }
  bool is_fresh(const LabResult& l) const;
  const LabResult* latest(Analyte a) const;  // any age
  const LabResult* latest_fresh(Analyte a) const;
  // Confounding-aware choice (CONF-1) for platelets or fibrinogen.
  Selection select_platelets() const;
  Selection select_fibrinogen() const;
  bool platelet_confounded(const LabResult& l) const;
  bool fibrinogen_confounded(const LabResult& l) const;

  // --- findings
  // Acute finding (TIME-1): the latest record within the acute window decides.
  bool acute(std::string_view code) const;
  bool fever() const;
  bool infection_or_fever() const { return acute("infection") || fever(); }
  // Latest record of a non-acute finding at or before as-of.
  const model::Finding* latest_finding(std::string_view code) const;
  std::vector<std::string> sites() const;  // union of lesion-site values

  // --- medications
  bool course_active(const model::MedicationCourse& m) const;
  bool active(std::string_view drug_or_class) const;
  bool ever_given(std::string_view drug_or_class) const;
  // Start of the first course or dose of the drug given at or before as-of.
  std::optional<Instant> first_start(std::string_view drug_or_class) const;
  const model::MedicationCourse* latest_active(std::string_view drug_or_class) const;
  // Whether the drug counts as KMP-directed therapy under the profile (§8 therapy start):
  // sirolimus, or vincristine and corticosteroids where TX-7 makes them first line.
  bool kmp_directed(std::string_view drug) const;
  // Whether the medication is the drug or belongs to the class (knowledge drug classes).
  // `m` is normally one of rec.medications (resolved once); any other is looked up.
  bool is(const model::MedicationCourse& m, std::string_view drug_or_class) const;
  // The record's medications that are the drug or belong to the class, in record order;
  // computed once per drug or class and evaluation.
  const std::vector<const model::MedicationCourse*>& meds(std::string_view drug_or_class) const;

  // --- diagnosis
  DxClass dx_class = DxClass::none;
  const model::Diagnosis* dx = nullptr;  // the governing diagnosis
  bool in_list(std::string_view rule, std::string_view param, std::string_view value) const;

  // Reference limit: lab's own range first, else knowledge age bands (REF-1).
  std::optional<double> upper_limit(const LabResult& l) const;
  std::optional<double> lower_limit(const LabResult& l) const;

 private:
  // The labs of each analyte at or before as-of, oldest first: built once, so the rules
  // never rescan or re-sort the record.
  std::array<std::vector<const LabResult*>, model::kAnalyteCount> by_analyte_;
  // Parameters read once per evaluation because rules consult them for every value.
  Seconds fresh_window_{};
  Seconds platelet_window_{};
  Seconds fibrinogen_window_{};
  double administration_active_h_ = 0;
  bool consensus_first_line_ = false;  // TX-7: vincristine and corticosteroids are first line
  mutable knowledge::StringMap<std::vector<const model::MedicationCourse*>> meds_cache_;
  Selection select(Analyte a, Seconds window, const std::vector<Instant>& given) const;
  bool confounded_by(const LabResult& l, Seconds window, const std::vector<Instant>& given) const;
  // When the products of CONF-1 were given (done procedures), read once.
  std::vector<Instant> platelet_given_;
  std::vector<Instant> fibrinogen_given_;
  // The knowledge drug of each record medication (same index), resolved once: rules ask
  // "is this a corticosteroid?" hundreds of times per evaluation.
  std::vector<const knowledge::Drug*> drugs_;
};

Seconds seconds_of_days(double d);
Seconds seconds_of_hours(double h);
std::string fmt_num(double v, int max_decimals = 2);

}  // namespace khe::engine
