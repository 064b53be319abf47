#include "engine/report.h"

namespace khe::engine {

const char* name(KmpStatus s) {
  switch (s) {
    case KmpStatus::present:
      return "present";
    case KmpStatus::absent:
      return "absent";
    case KmpStatus::indeterminate:
      return "indeterminate";
    case KmpStatus::suspected:
      return "suspected";
    case KmpStatus::not_expected:
      return "not_expected";
    case KmpStatus::not_applicable:
      return "not_applicable";
  }
  return "";
}
const char* name(Band b) {
  switch (b) {
    case Band::severe:
      return "severe";
    case Band::moderate:
      return "moderate";
    case Band::mild:
      return "mild";
  }
  return "";
}
const char* name(Urgency u) {
  switch (u) {
    case Urgency::emergent:
      return "emergent";
    case Urgency::urgent:
      return "urgent";
    case Urgency::routine:
      return "routine";
  }
  return "";
}
const char* name(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::info:
      return "info";
    case AlertSeverity::warning:
      return "warning";
    case AlertSeverity::critical:
      return "critical";
  }
  return "";
}
const char* name(Regimen r) {
  switch (r) {
    case Regimen::sirolimus_prednisolone:
      return "sirolimus_prednisolone";
    case Regimen::sirolimus:
      return "sirolimus";
    case Regimen::observation:
      return "observation";
    case Regimen::add_vincristine:
      return "add_vincristine";
    case Regimen::reassess_diagnosis:
      return "reassess_diagnosis";
    case Regimen::specialist_evaluation:
      return "specialist_evaluation";
    case Regimen::vincristine_corticosteroid:
      return "vincristine_corticosteroid";
  }
  return "";
}

}  // namespace khe::engine
