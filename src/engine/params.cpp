// Every knowledge parameter the engine reads, with its kind and the unit the engine wants
// it in. knowledge::load converts each number to this unit and refuses a knowledge set in
// which any is missing, so the rules can read parameters without error handling.
#include "engine/evaluate.h"

namespace khe::engine {

using knowledge::ParamKind;
using knowledge::ParamSpec;

const std::vector<ParamSpec>& parameter_specs() {
  static const std::vector<ParamSpec> specs = [] {
    constexpr auto N = ParamKind::number;
    constexpr auto B = ParamKind::boolean;
    constexpr auto T = ParamKind::text;
    constexpr auto L = ParamKind::text_list;
    constexpr auto V = ParamKind::number_list;
    return std::vector<ParamSpec>{
        {"TIME-1", "fresh_lab", N, "d"}, {"TIME-1", "acute_window", N, "h"},
        {"TIME-1", "platelets_stale_in_acute_kmp", N, "h"}, {"TIME-1", "administration_active", N, "h"},
        {"CONF-1", "platelet_window", N, "d"}, {"CONF-1", "fibrinogen_window", N, "d"},
        {"CONF-1", "fallback_max_age", N, "d"}, {"CONF-1", "platelet_products", L, ""},
        {"CONF-1", "fibrinogen_products", L, ""},
        {"AGE-1", "month", N, "d"}, {"AGE-1", "preterm_below", N, "wk"}, {"AGE-1", "term", N, "wk"},
        {"AGE-1", "correct_until", N, "d"},
        {"BODY-1", "stale_age_bands", V, "d"}, {"BODY-1", "stale_after", V, "d"},
        {"BODY-1", "weight_change_fraction", N, ""}, {"BODY-1", "weight_change_window", N, "d"},
        {"BODY-1", "mosteller_divisor", N, ""},
        {"DX-1", "kmp_capable", L, ""}, {"DX-1", "unknown_type", L, ""}, {"DX-1", "look_alikes", L, ""},
        {"DX-1", "differential", L, ""},
        {"DX-2", "mimics", L, ""}, {"DX-2", "atypical_features", L, ""}, {"DX-2", "neonatal_below", N, "d"},
        {"DX-2", "neonatal_causes", L, ""},
        {"KMP-1", "present_below", N, "10*9/L"}, {"KMP-1", "response_above", N, "10*9/L"},
        {"KMP-1", "research_at_or_below", N, "10*9/L"},
        {"KMP-2", "severe_below", N, "10*9/L"}, {"KMP-2", "moderate_below", N, "10*9/L"},
        {"KMP-3", "fibrinogen_below", N, "g/L"}, {"KMP-3", "ddimer_uln_multiple", N, ""},
        {"KMP-3", "severe_fibrinogen_below", N, "g/L"},
        {"KMP-4", "severe_below", N, "g/dL"},
        {"RISK-1", "high_risk_sites", L, ""}, {"RISK-1", "deep_sites", L, ""}, {"RISK-1", "airway_sites", L, ""},
        {"RISK-1", "diameter_above", N, "cm"}, {"RISK-1", "diameter_tag", T, ""},
        {"URG-1", "vital_compressions", L, ""}, {"URG-1", "bleeding_platelets_below", N, "10*9/L"},
        {"URG-1", "profound_below", N, "10*9/L"}, {"URG-1", "fibrinogen_below", N, "g/L"},
        {"TX-1", "evidence", T, ""}, {"TX-1m", "regimen", T, ""}, {"TX-2", "high_risk_treats", B, ""},
        {"TX-3", "infant_below", N, "d"}, {"TX-3", "note", T, ""},
        {"TX-4", "min_days", N, "d"}, {"TX-4", "improvement_ratio", N, ""}, {"TX-4", "lookback", N, "d"},
        {"TX-4", "min_levels_in_target", N, ""}, {"TX-4", "levels_apart", N, "d"},
        {"TX-4", "last_level_within", N, "d"}, {"TX-4", "checks", L, ""},
        {"TX-4b", "after_day", N, "d"}, {"TX-4b", "bleeding_transfusions", N, ""}, {"TX-4b", "window", N, "d"},
        {"TX-4b", "products", L, ""},
        {"TX-6", "context", L, ""}, {"TX-6", "interferon_below", N, "d"},
        {"TX-7", "kmp_first_line", T, ""},
        {"RESP-1", "baseline_window", N, "d"}, {"RESP-1", "week4_first_day", N, "d"},
        {"RESP-1", "week4_last_day", N, "d"}, {"RESP-1", "resolution_gap", N, "d"}, {"TX-8", "steroid_after_response", N, "d"},
        {"DOSE-RND-1", "volume_step", N, "mL"}, {"DOSE-RND-1", "max_round_up_fraction", N, ""},
        {"DOSE-RND-1", "round_down_below", N, "d"},
        {"DOSE-SIR-1", "mg_per_m2", N, "mg/m2"}, {"DOSE-SIR-1", "interval", N, "h"}, {"DOSE-SIR-1", "route", T, ""},
        {"DOSE-SIR-1", "cap", N, "mg"}, {"DOSE-SIR-1", "solution", N, "mg/mL"}, {"DOSE-SIR-1", "solution_name", T, ""},
        {"DOSE-SIR-1", "dilution", N, "mg/mL"}, {"DOSE-SIR-1", "dilution_name", T, ""},
        {"DOSE-SIR-1", "dilution_below", N, "mg"}, {"DOSE-SIR-1", "tablets", V, "mg"},
        {"DOSE-SIR-2", "corrected_below", N, "d"}, {"DOSE-SIR-2", "weight_below", N, "kg"},
        {"DOSE-SIR-3", "corrected_below", N, "d"}, {"DOSE-SIR-3", "factor", N, ""},
        {"DOSE-SIR-3", "alternatives", L, ""}, {"DOSE-SIR-3", "first_trough", T, ""},
        {"DOSE-PRED-1", "prednisolone_per_kg_day", N, "mg/kg/d"}, {"DOSE-PRED-1", "prednisolone_cap", N, "mg/d"},
        {"DOSE-PRED-1", "prednisolone_interval", N, "h"}, {"DOSE-PRED-1", "solution", N, "mg/mL"},
        {"DOSE-PRED-1", "solution_name", T, ""},
        {"DOSE-PRED-1", "methylprednisolone_per_kg_day", N, "mg/kg/d"},
        {"DOSE-PRED-1", "methylprednisolone_cap", N, "mg/d"}, {"DOSE-PRED-1", "methylprednisolone_interval", N, "h"},
        {"TAPER-1", "course", N, "d"}, {"TAPER-1", "stress_window", N, "d"},
        {"DOSE-VCR-1", "weight_threshold", N, "kg"}, {"DOSE-VCR-1", "mg_per_kg", N, "mg/kg"},
        {"DOSE-VCR-1", "mg_per_m2", N, "mg/m2"}, {"DOSE-VCR-1", "cap", N, "mg"},
        {"DOSE-VCR-1", "concentration", N, "mg/mL"}, {"DOSE-VCR-1", "concentration_name", T, ""},
        {"DOSE-VCR-1", "interval", N, "h"}, {"DOSE-VCR-1", "min_spacing", N, "d"}, {"DOSE-VCR-1", "route", T, ""},
        {"DOSE-VCR-1", "checks", L, ""},
        {"TARGET-1", "kmp", V, "ng/mL"}, {"TARGET-1", "no_kmp", V, "ng/mL"}, {"TARGET-1", "long_term", V, "ng/mL"},
        {"TARGET-1", "maintenance", V, "ng/mL"},
        {"PJP-1", "combined_severity", T, ""}, {"PJP-1", "alone_severity", T, ""},
        {"PJP-2", "tmp_smx_from", N, "d"}, {"PJP-2", "tmp_mg_per_m2_day", N, "mg/m2/d"}, {"PJP-2", "tmp_cap", N, "mg/d"},
        {"PJP-2", "doses_per_day", N, ""}, {"PJP-2", "days_per_week", N, ""}, {"PJP-2", "alternatives", L, ""},
        {"INF-1", "fever_from", N, "Cel"}, {"INF-1", "emergent_below_age", N, "d"},
        {"INF-1", "neutrophils_below", N, "10*9/L"},
        {"VAX-1", "steroid_days", N, "d"}, {"VAX-1", "steroid_per_kg_day", N, "mg/kg/d"},
        {"VAX-1", "steroid_mg_day", N, "mg/d"}, {"VAX-1", "steroid_weight_from", N, "kg"}, {"VAX-1", "vaccines", L, ""},
        {"HEP-1", "alt_uln_multiple", N, ""}, {"LIP-1", "triglycerides_above", N, "mg/dL"},
        {"PREG-1", "from_age_years", N, ""}, {"SUP-1", "pre_procedure_below", N, "10*9/L"},
        {"SUP-2", "fibrinogen_below", N, "g/L"}, {"SUP-3", "thresholds", L, ""},
    };
  }();
  return specs;
}

}  // namespace khe::engine
