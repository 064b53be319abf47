#include "cli/tdm_command.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/input.h"
#include "cli/knowledge_source.h"
#include "cli/sha256.h"
#include "core/time.h"
#include "engine/evaluate.h"
#include "fhir/reader.h"
#include "pk/fit.h"
#include "pk/model.h"

namespace khe::cli {
namespace {

using nlohmann::ordered_json;

// Output numbers are rounded so that the text is stable and readable (no 0.5700000000000001).
double rnd(double v, int decimals) {
  if (!std::isfinite(v)) return v;
  const double f = std::pow(10.0, decimals);
  const double r = std::round(v * f) / f;
  return r == 0.0 ? 0.0 : r;  // no "-0.0"
}

ordered_json num_or_null(double v, int decimals) {
  return std::isfinite(v) ? ordered_json(rnd(v, decimals)) : ordered_json(nullptr);
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

// "LOW-HIGH", both non-negative numbers, LOW < HIGH.
bool parse_target(const std::string& s, double& low, double& high) {
  const auto dash = s.find('-', 1);
  if (dash == std::string::npos) return false;
  return parse_number(s.substr(0, dash), low) && parse_number(s.substr(dash + 1), high) &&
         low >= 0.0 && low < high;
}

struct Target {
  double low = 0.0;
  double high = 0.0;
  std::string source;  // "--target", "TARGET-1 (kmp)"
};

ordered_json to_json(const pk::TdmResult& r, const Target& target, const std::string& engine_v,
                     const std::string& knowledge_v, Instant as_of, const std::string& sha) {
  ordered_json j;
  j["model"] = r.model_id;
  ordered_json eta = ordered_json::object(), eta_sd = ordered_json::object();
  for (std::size_t i = 0; i < r.eta_names.size(); ++i) {
    eta[r.eta_names[i]] = num_or_null(r.eta[i], 4);
    eta_sd[r.eta_names[i]] = num_or_null(r.eta_sd[i], 4);
  }
  j["eta"] = eta;
  j["eta_sd"] = eta_sd;
  j["a_priori"] = r.a_priori;
  ordered_json cov;
  cov["weight"] = {{"value", rnd(r.weight.value, 3)}, {"unit", "kg"}};
  if (r.age_years) cov["age"] = {{"value", rnd(*r.age_years, 2)}, {"unit", "a"}};
  j["covariates_at_as_of"] = cov;
  auto params = [](const pk::Individual& p) {
    ordered_json o;
    o["clearance"] = {{"value", rnd(p.cl_L_per_h, 4)}, {"unit", "L/h"}};
    o["volume"] = {{"value", rnd(p.v_L, 3)}, {"unit", "L"}};
    o["ka"] = {{"value", rnd(p.ka_per_h, 4)}, {"unit", "/h"}};
    o["half_life"] = {{"value", rnd(std::log(2.0) * p.v_L / p.cl_L_per_h, 2)}, {"unit", "h"}};
    return o;
  };
  j["individual"] = params(r.individual);
  j["typical"] = params(r.typical);
  if (r.current) {
    j["current_regimen"] = {{"dose_mg", rnd(r.current->dose.value, 4)},
                            {"interval_h", rnd(r.current->interval.count(), 3)}};
  } else {
    j["current_regimen"] = nullptr;
  }
  j["predicted_trough_ss_ng_per_mL"] =
      r.predicted_trough_ss ? ordered_json(rnd(r.predicted_trough_ss->value, 2)) : nullptr;
  j["target"] = {{"low_ng_per_mL", rnd(target.low, 3)},
                 {"high_ng_per_mL", rnd(target.high, 3)},
                 {"source", target.source}};
  if (r.recommendation) {
    const auto& rec = *r.recommendation;
    ordered_json o;
    o["dose_mg"] = rnd(rec.dose.value, 4);
    o["interval_h"] = rnd(rec.interval.count(), 3);
    o["volume_mL"] = rnd(rec.volume.value, 3);
    o["concentration_mg_per_mL"] = rnd(rec.concentration.value, 3);
    ordered_json tabs = ordered_json::array();
    for (const auto& t : rec.tablets) tabs.push_back(rnd(t.value, 3));
    o["tablets_mg"] = tabs;
    o["predicted_trough_ss_ng_per_mL"] = rnd(rec.predicted_trough_ss.value, 2);
    o["probability_in_target"] = rec.probability_in_target
                                     ? ordered_json(rnd(*rec.probability_in_target, 4))
                                     : ordered_json(nullptr);
    o["time_to_steady_state_h"] = rnd(rec.time_to_steady_state.count(), 1);
    o["unrounded_dose_mg"] = rnd(rec.unrounded_dose.value, 4);
    o["limited_by_step"] = rec.limited_by_step;
    o["limited_by_cap"] = rec.limited_by_cap;
    j["recommendation"] = o;
  } else {
    j["recommendation"] = nullptr;
  }
  j["observations_used"] = r.observations.size();
  ordered_json obs = ordered_json::array();
  for (const auto& o : r.observations) {
    ordered_json e;
    e["time"] = format_instant(o.time);
    if (o.blq) {
      e["below_ng_per_mL"] = rnd(o.lloq_ng_per_ml, 3);
    } else {
      e["value_ng_per_mL"] = rnd(o.value_ng_per_ml, 3);
    }
    e["individual_prediction_ng_per_mL"] = rnd(o.predicted_ng_per_ml, 2);
    e["population_prediction_ng_per_mL"] = rnd(o.population_ng_per_ml, 2);
    obs.push_back(e);
  }
  j["observations"] = obs;
  j["doses_used"] = r.doses_used;
  ordered_json w = ordered_json::array();
  for (const auto& x : r.warnings) w.push_back({{"code", x.code}, {"message", x.message}});
  j["warnings"] = w;
  j["notes"] = r.notes;
  j["provenance"] = {{"engine_version", engine_v},
                     {"knowledge_version", knowledge_v},
                     {"model", r.model_id},
                     {"as_of", format_instant(as_of)},
                     {"input_sha256", sha}};
  return j;
}

std::string fixed(double v, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << v;
  return s.str();
}

std::string to_text(const pk::TdmResult& r, const Target& target, Instant as_of) {
  std::ostringstream s;
  s << "Sirolimus TDM (model " << r.model_id << ", as of " << format_instant(as_of) << ")\n";
  s << "Weight " << fixed(r.weight.value, 2) << " kg";
  if (r.age_years) s << ", age " << fixed(*r.age_years, 2) << " years";
  s << "; " << r.observations.size() << " level(s) used"
    << (r.a_priori ? " (a-priori prediction only)" : "") << ".\n";
  for (std::size_t i = 0; i < r.eta_names.size(); ++i) {
    s << "eta_" << r.eta_names[i] << " = " << fixed(r.eta[i], 3);
    if (std::isfinite(r.eta_sd[i])) s << " (SD " << fixed(r.eta_sd[i], 3) << ")";
    s << "\n";
  }
  s << "Individual clearance " << fixed(r.individual.cl_L_per_h, 3) << " L/h (typical "
    << fixed(r.typical.cl_L_per_h, 3) << "), volume " << fixed(r.individual.v_L, 1)
    << " L, half-life " << fixed(std::log(2.0) * r.individual.v_L / r.individual.cl_L_per_h, 1)
    << " h.\n";
  if (r.current) {
    s << "Current regimen " << fixed(r.current->dose.value, 3) << " mg every "
      << fixed(r.current->interval.count(), 1) << " h: predicted steady-state trough "
      << fixed(r.predicted_trough_ss->value, 1) << " ng/mL.\n";
  }
  s << "Target " << fixed(target.low, 1) << "-" << fixed(target.high, 1) << " ng/mL ("
    << target.source << ").\n";
  if (r.recommendation) {
    const auto& rec = *r.recommendation;
    s << "Suggested: " << fixed(rec.dose.value, 3) << " mg every " << fixed(rec.interval.count(), 1)
      << " h = " << fixed(rec.volume.value, 2) << " mL of " << fixed(rec.concentration.value, 2)
      << " mg/mL; predicted steady-state trough " << fixed(rec.predicted_trough_ss.value, 1)
      << " ng/mL";
    if (!rec.tablets.empty()) {
      s << " (or whole tablets, for a child who can swallow them:";
      for (const auto& t : rec.tablets) s << " " << fixed(t.value, 1) << " mg";
      s << ")";
    }
    if (rec.probability_in_target)
      s << ", probability in target " << fixed(100.0 * *rec.probability_in_target, 0) << "%";
    s << ".\nNew steady state in about " << fixed(rec.time_to_steady_state.count() / 24.0, 1)
      << " days; draw the next trough after that.\n";
  }
  for (const auto& w : r.warnings) s << "Warning: " << w.message << "\n";
  for (const auto& n : r.notes) s << "Note: " << n << "\n";
  s << "This suggests and explains; the clinician decides.\n";
  return s.str();
}

}  // namespace

int tdm_command(const TdmCommandOptions& o, std::istream& in, std::ostream& out,
                std::ostream& err) {
  if (o.format != "json" && o.format != "text") {
    err << "error: --format must be json or text\n";
    return kUsageError;
  }
  Target target;
  if (o.target) {
    if (!parse_target(*o.target, target.low, target.high)) {
      err << "error: --target must be LOW-HIGH in ng/mL with 0 <= LOW < HIGH, e.g. 8-15\n";
      return kUsageError;
    }
    target.source = "--target";
  }
  const auto resolved = resolve_as_of(o.as_of, err);
  if (!resolved) return kUsageError;
  const Instant as_of = *resolved;

  auto knowledge = load_knowledge(std::nullopt);
  if (!knowledge) {
    print_error(err, knowledge.error());
    return kUsageError;
  }
  const knowledge::Profile* profile = knowledge->profile(o.profile);
  if (profile == nullptr) {
    err << "error: unknown profile '" << o.profile << "'; available: " << profile_list(*knowledge)
        << "\n";
    return kUsageError;
  }
  auto models = pk::load_default_models(*knowledge);
  if (!models) {
    print_error(err, models.error());
    return kInternalError;
  }
  const pk::Model* model = o.model ? models->find(*o.model) : models->default_model();
  if (model == nullptr) {
    err << "error: unknown --model; available:";
    for (const auto& [id, m] : models->by_id) err << " " << id;
    err << "\n";
    return kUsageError;
  }

  const auto input = read_record(o.input, o.patient, as_of, *knowledge, in, err);
  if (!input) return kInputUnusable;
  const fhir::ReadOutcome& outcome = input->outcome;

  // Default target: TARGET-1's range of the child's phase as the engine assesses it; without
  // a sirolimus level (no phase) the KMP range.
  if (!o.target) {
    const engine::Report report = engine::evaluate(*outcome.record, *knowledge, *profile, as_of);
    if (report.sirolimus_trough && report.sirolimus_trough->target_high > 0.0) {
      target.low = report.sirolimus_trough->target_low;
      target.high = report.sirolimus_trough->target_high;
      target.source = "TARGET-1 (" + report.sirolimus_trough->phase + ")";
    } else {
      const auto& kmp = profile->numbers("TARGET-1", "kmp");
      if (kmp.size() != 2) {
        err << "error: knowledge: TARGET-1 kmp must hold two numbers\n";
        return kInternalError;
      }
      target.low = kmp[0];
      target.high = kmp[1];
      target.source = "TARGET-1 (kmp, no phase assessed)";
    }
  }

  pk::TdmOptions topt = pk::tdm_options_from_profile(*profile);
  topt.target_low_ng_per_ml = target.low;
  topt.target_high_ng_per_ml = target.high;
  auto result = pk::fit(*outcome.record, *models, model->id, as_of, topt);
  if (!result) {
    print_error(err, result.error());
    return kInputUnusable;
  }
  if (o.format == "json") {
    out << to_json(*result, target, engine::engine_version(), knowledge->version, as_of,
                   sha256_hex(input->bytes))
               .dump(2)
        << "\n";
  } else {
    out << to_text(*result, target, as_of);
  }
  out.flush();
  return out ? kOk : kInternalError;
}

}  // namespace khe::cli
