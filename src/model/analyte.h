// Laboratory and vital-sign analytes. Every value of an analyte is stored in the analyte's
// canonical unit (below), converted once by the reader through the UCUM layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace khe::model {

// Canonical units (the `canonical_unit` of knowledge/analytes.json must match these):
enum class Analyte : std::uint8_t {
  platelets,        // 10*9/L
  hemoglobin,       // g/dL
  fibrinogen,       // g/L
  ddimer_feu,       // mg/L  (FEU; never mixed with DDU)
  ddimer_ddu,       // ng/mL (DDU)
  pt,               // s
  inr,              // 1
  aptt,             // s
  neutrophils,      // 10*9/L
  lymphocytes,      // 10*9/L
  alt,              // U/L
  triglycerides,    // mg/dL
  cholesterol,      // mg/dL
  creatinine,       // mg/dL
  crp,              // mg/L
  bilirubin,        // mg/dL
  glucose,          // mg/dL
  urine_protein,    // mg/dL
  sirolimus_level,  // ng/mL (whole blood)
  weight,           // kg
  height,           // cm
  temperature,      // Cel
  bp_systolic,      // mm[Hg]
  bp_diastolic,     // mm[Hg]
  lesion_diameter,  // cm (finding lesion-largest-diameter)
  gestational_age,  // wk (finding gestational-age-at-birth)
  count_
};

constexpr std::size_t kAnalyteCount = static_cast<std::size_t>(Analyte::count_);

// Stable snake_case names used in knowledge files and reports.
std::string_view analyte_name(Analyte a);
std::optional<Analyte> analyte_from_name(std::string_view name);

}  // namespace khe::model
