#include "write/tdm_json.h"

#include <cstdint>
#include <string>

#include "core/time.h"

namespace khe::write {
namespace {

// A rounded number, as everywhere in the report.
void num(JsonStream& j, double v, int decimals) { j.rounded(v, decimals); }

void quantity(JsonStream& j, double v, int decimals, const char* unit) {
  j.begin_object();
  j.key("value");
  num(j, v, decimals);
  j.key("unit");
  j.value(unit);
  j.end_object();
}

void parameters(JsonStream& j, const pk::Individual& p) {
  j.begin_object();
  j.key("clearance");
  quantity(j, p.cl_L_per_h, 4, "L/h");
  j.key("volume");
  quantity(j, p.v_L, 3, "L");
  j.key("ka");
  quantity(j, p.ka_per_h, 4, "/h");
  j.key("half_life");
  quantity(j, pk::half_life(p).count(), 2, "h");
  j.end_object();
}

void recommendation(JsonStream& j, const pk::TdmRecommendation& rec) {
  j.begin_object();
  j.key("dose_mg");
  num(j, rec.dose.value, 4);
  j.key("interval_h");
  num(j, rec.interval.count(), 3);
  j.key("volume_mL");
  num(j, rec.volume.value, 3);
  j.key("concentration_mg_per_mL");
  num(j, rec.concentration.value, 3);
  j.key("tablets_mg");
  j.begin_array();
  for (const auto& t : rec.tablets) num(j, t.value, 3);
  j.end_array();
  j.key("predicted_trough_ss_ng_per_mL");
  num(j, rec.predicted_trough_ss.value, 2);
  j.key("probability_in_target");
  rec.probability_in_target ? num(j, *rec.probability_in_target, 4) : j.null();
  j.key("time_to_steady_state_h");
  num(j, rec.time_to_steady_state.count(), 1);
  j.key("unrounded_dose_mg");
  num(j, rec.unrounded_dose.value, 4);
  j.key("limited_by_step");
  j.value(rec.limited_by_step);
  j.key("limited_by_cap");
  j.value(rec.limited_by_cap);
  j.key("increase_withheld");
  j.value(rec.increase_withheld);
  j.end_object();
}

}  // namespace

void write_tdm_members(JsonStream& j, const pk::TdmResult& r, std::string_view target_source) {
  j.key("model");
  j.value(r.model_id);
  j.key("eta");
  j.begin_object();
  for (std::size_t i = 0; i < r.eta_names.size(); ++i) {
    j.key(r.eta_names[i]);
    num(j, r.eta[i], 4);
  }
  j.end_object();
  j.key("eta_sd");
  j.begin_object();
  for (std::size_t i = 0; i < r.eta_names.size(); ++i) {
    j.key(r.eta_names[i]);
    num(j, r.eta_sd[i], 4);
  }
  j.end_object();
  j.key("a_priori");
  j.value(r.a_priori);
  j.key("covariates_at_as_of");
  j.begin_object();
  j.key("weight");
  quantity(j, r.weight.value, 3, "kg");
  if (r.age_years) {
    j.key("age");
    quantity(j, *r.age_years, 2, "a");
  }
  j.end_object();
  j.key("individual");
  parameters(j, r.individual);
  j.key("typical");
  parameters(j, r.typical);
  j.key("current_regimen");
  if (r.current) {
    j.begin_object();
    j.key("dose_mg");
    num(j, r.current->dose.value, 4);
    j.key("interval_h");
    num(j, r.current->interval.count(), 3);
    j.end_object();
  } else {
    j.null();
  }
  j.key("predicted_trough_ss_ng_per_mL");
  r.predicted_trough_ss ? num(j, r.predicted_trough_ss->value, 2) : j.null();
  j.key("target");
  j.begin_object();
  j.key("low_ng_per_mL");
  num(j, r.target_low_ng_per_ml, 3);
  j.key("high_ng_per_mL");
  num(j, r.target_high_ng_per_ml, 3);
  j.key("source");
  j.value(target_source);
  j.end_object();
  j.key("recommendation");
  r.recommendation ? recommendation(j, *r.recommendation) : j.null();
  j.key("observations_used");
  j.value(static_cast<std::int64_t>(r.observations.size()));
  j.key("observations");
  j.begin_array();
  for (const auto& o : r.observations) {
    j.begin_object();
    j.key("time");
    j.value(format_instant(o.time));
    j.key(o.blq ? "below_ng_per_mL" : "value_ng_per_mL");
    num(j, o.blq ? o.lloq_ng_per_ml : o.value_ng_per_ml, 3);
    j.key("individual_prediction_ng_per_mL");
    num(j, o.predicted_ng_per_ml, 2);
    j.key("population_prediction_ng_per_mL");
    num(j, o.population_ng_per_ml, 2);
    j.end_object();
  }
  j.end_array();
  j.key("doses_used");
  j.value(static_cast<std::int64_t>(r.doses_used));
  j.key("curve");
  j.begin_array();
  for (const auto& p : r.curve) {
    j.begin_object();
    j.key("time");
    j.value(format_instant(p.time));
    j.key("ng_per_mL");
    num(j, p.concentration.value, 3);
    j.key("projected");
    j.value(p.projected);
    j.end_object();
  }
  j.end_array();
  j.key("warnings");
  j.begin_array();
  for (const auto& w : r.warnings) {
    j.begin_object();
    j.key("code");
    j.value(w.code);
    j.key("message");
    j.value(w.message);
    j.end_object();
  }
  j.end_array();
  j.key("notes");
  j.begin_array();
  for (const auto& n : r.notes) j.value(n);
  j.end_array();
}

}  // namespace khe::write
