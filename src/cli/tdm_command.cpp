#include "cli/tdm_command.h"

#include <chrono>
#include <cmath>
#include <iomanip>
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
#include "write/json_stream.h"
#include "write/tdm_json.h"

namespace khe::cli {
namespace {

struct Target {
  double low = 0.0;
  double high = 0.0;
  std::string source;  // "--target", "TARGET-1 (kmp)"
};

std::string to_json(const pk::TdmResult& r, const Target& target, const std::string& engine_v,
                    const std::string& knowledge_v, Instant as_of, const std::string& sha) {
  std::string out;
  write::JsonStream j(out);
  j.begin_object();
  write::write_tdm_members(j, r, target.source);
  j.key("provenance");
  j.begin_object();
  j.key("engine_version");
  j.value(engine_v);
  j.key("knowledge_version");
  j.value(knowledge_v);
  j.key("model");
  j.value(r.model_id);
  j.key("as_of");
  j.value(format_instant(as_of));
  j.key("input_sha256");
  j.value(sha);
  j.end_object();
  j.end_object();
  out += "\n";
  return out;
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
    << " L, half-life " << fixed(pk::half_life(r.individual).count(), 1) << " h.\n";
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
    if (!parse_target_range(*o.target, target.low, target.high)) {
      err << "error: --target must be LOW-HIGH in ng/mL with 0 <= LOW < HIGH, e.g. 8-15\n";
      return kUsageError;
    }
    target.source = "--target";
  }
  const auto resolved = resolve_as_of(o.as_of, err);
  if (!resolved) return kUsageError;
  const Instant as_of = *resolved;

  const auto loaded = load_command_knowledge(o.knowledge_dir, o.profile, err);
  if (!loaded) return kUsageError;
  const knowledge::Knowledge* knowledge = &loaded->knowledge;
  const knowledge::Profile* profile = loaded->profile;
  const pk::Models* models = &knowledge->pk_models;
  if (models->by_id.empty()) {
    err << "error: the knowledge has no PK model (pk/*.json)\n";
    return kUsageError;
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

  // The engine runs the same fit for DOSE-SIR-ADJ-1 (default model, TARGET-1 of the phase):
  // without --model or --target its result is this command's result, not a second fit.
  const engine::Report report = engine::evaluate(*outcome.record, *knowledge, *profile, as_of);
  const engine::ModelBasedDosing* engine_fit =
      report.sirolimus_trough && report.sirolimus_trough->model_based
          ? &*report.sirolimus_trough->model_based
          : nullptr;

  // Default target: TARGET-1's range of the child's phase as the engine assesses it; without
  // a sirolimus level (no phase) the KMP range.
  if (!o.target) {
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

  std::optional<pk::TdmResult> result;
  if (engine_fit && engine_fit->fit && engine_fit->fit->model_id == model->id && !o.target) {
    result = *engine_fit->fit;
  } else {
    pk::TdmOptions topt = pk::tdm_options_from_profile(*profile);
    topt.target_low_ng_per_ml = target.low;
    topt.target_high_ng_per_ml = target.high;
    auto fitted = pk::fit(*outcome.record, *models, model->id, as_of, topt);
    if (!fitted) {
      print_error(err, fitted.error());
      return kInputUnusable;
    }
    result = std::move(*fitted);
    // What the engine knows beyond the PK module: the interacting drugs (DOSE-SIR-ADJ-1).
    if (engine_fit && engine_fit->fit)
      for (const auto& w : engine_fit->fit->warnings)
        if (w.code == "interacting_drug") result->warnings.push_back(w);
  }
  if (o.format == "json") {
    out << to_json(*result, target, engine::engine_version(), knowledge->version, as_of,
                   sha256_hex(input->bytes));
  } else {
    out << to_text(*result, target, as_of);
  }
  out.flush();
  return out ? kOk : kInternalError;
}

}  // namespace khe::cli
