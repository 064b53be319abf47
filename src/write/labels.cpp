#include "write/labels.h"

namespace khe::write {

const char* comparator_symbol(model::Comparator c) {
  switch (c) {
    case model::Comparator::lt:
      return "<";
    case model::Comparator::le:
      return "<=";
    case model::Comparator::gt:
      return ">";
    case model::Comparator::ge:
      return ">=";
    case model::Comparator::none:
      break;
  }
  return "";
}

const char* certainty_name(model::Certainty c) {
  return c == model::Certainty::suspected ? "suspected" : "confirmed";
}

const char* issue_severity_name(model::IssueSeverity s) {
  return s == model::IssueSeverity::info ? "info" : "warning";
}

}  // namespace khe::write

namespace khe::write {

std::string analyte_label(std::string_view analyte) {
  struct Label {
    std::string_view analyte;
    std::string_view label;
  };
  static constexpr Label kLabels[] = {
      {"platelets", "Platelets"},
      {"fibrinogen", "Fibrinogen"},
      {"ddimer_feu", "D-dimer (FEU)"},
      {"ddimer_ddu", "D-dimer (DDU)"},
      {"hemoglobin", "Hemoglobin"},
      {"sirolimus_level", "Sirolimus trough"},
      {"neutrophils", "Neutrophils"},
      {"lymphocytes", "Lymphocytes"},
      {"alt", "ALT"},
      {"triglycerides", "Triglycerides"},
      {"cholesterol", "Cholesterol"},
      {"lesion_diameter", "Lesion largest diameter"},
      {"weight", "Weight"},
      {"height", "Height"},
  };
  for (const auto& l : kLabels)
    if (l.analyte == analyte) return std::string(l.label);
  return std::string(analyte);
}

}  // namespace khe::write
