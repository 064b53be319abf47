#include "model/analyte.h"

#include <array>

namespace khe::model {
namespace {
constexpr std::array<std::string_view, kAnalyteCount> kNames = {"platelets",
                                                                "hemoglobin",
                                                                "fibrinogen",
                                                                "ddimer_feu",
                                                                "ddimer_ddu",
                                                                "pt",
                                                                "inr",
                                                                "aptt",
                                                                "neutrophils",
                                                                "lymphocytes",
                                                                "alt",
                                                                "triglycerides",
                                                                "cholesterol",
                                                                "creatinine",
                                                                "crp",
                                                                "bilirubin",
                                                                "glucose",
                                                                "urine_protein",
                                                                "sirolimus_level",
                                                                "weight",
                                                                "height",
                                                                "temperature",
                                                                "bp_systolic",
                                                                "bp_diastolic",
                                                                "lesion_diameter",
                                                                "gestational_age"};
}  // namespace

std::string_view analyte_name(Analyte a) { return kNames[static_cast<std::size_t>(a)]; }

std::optional<Analyte> analyte_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<Analyte>(i);
  return std::nullopt;
}

}  // namespace khe::model
