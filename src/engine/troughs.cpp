// Sirolimus troughs: the target of the child's phase (TARGET-1), whether the latest level
// can guide a dose change and the new dose (DOSE-SIR-ADJ-1), and high levels (DOSE-SIR-TOX-1).
#include <algorithm>
#include <cmath>

#include "engine/rounding.h"
#include "engine/rules.h"

namespace khe::engine {
namespace {

bool is_course(const model::MedicationCourse& m) {
  return m.source_kind != model::MedicationSource::administration;
}

// The sirolimus course in force when the sample was taken: the latest course started at or
// before it. A dose change is recorded as a new course, so its start is when the dose began.
const model::MedicationCourse* course_at(const Ctx& c, Instant t) {
  const model::MedicationCourse* best = nullptr;
  for (const auto* m : c.meds("sirolimus"))
    if (is_course(*m) && m->start && *m->start <= t &&
        m->status != model::MedicationStatus::planned && (!best || *m->start >= *best->start))
      best = m;
  return best;
}

// A drug of DOSE-SIR-ADJ-1's interaction classes (CYP3A4/P-gp inhibitors and inducers).
bool interacts(const Ctx& c, const model::MedicationCourse& m) {
  for (const auto& cls : c.p.list("DOSE-SIR-ADJ-1", "interaction_classes"))
    if (c.is(m, cls)) return true;
  return false;
}

// Why the level cannot guide a dose change; empty when it can (DOSE-SIR-ADJ-1).
std::vector<std::string> adjustment_obstacles(const Ctx& c, const LabResult& level,
                                              const model::MedicationCourse* course) {
  const auto& P = c.p;
  std::vector<std::string> why;
  // "the value is above the assay's lower limit": a value equal to it is not, and neither
  // is a "< x" result whose bound cannot show it.
  if (!above(level.value, P.num("DOSE-SIR-ADJ-1", "assay_lower_limit")).value_or(false))
    why.push_back("the level is at or below the assay's lower limit");

  std::optional<Instant> last_dose;
  for (const auto* m : c.meds("sirolimus"))
    if (!is_course(*m) && m->start && *m->start <= level.time &&
        (!last_dose || *m->start > *last_dose))
      last_dose = m->start;
  if (!last_dose) {
    why.push_back("the time of the last dose before the sample is not recorded");
  } else {
    double h = static_cast<double>((level.time - *last_dose).count()) / 3600.0;
    if (h < P.num("DOSE-SIR-ADJ-1", "trough_from") || h > P.num("DOSE-SIR-ADJ-1", "trough_to"))
      why.push_back("sampled " + fmt_num(h, 1) + " h after the last dose, not a trough (" +
                    fmt_num(P.num("DOSE-SIR-ADJ-1", "trough_from")) + "-" +
                    fmt_num(P.num("DOSE-SIR-ADJ-1", "trough_to")) + " h)");
  }

  if (!course || !course->dose) {
    why.push_back("the current sirolimus dose is not recorded");
  } else {
    const bool infant = c.corrected_age_days < P.num("DOSE-SIR-ADJ-1", "infant_below");
    double need = P.num("DOSE-SIR-ADJ-1", infant ? "steady_state_infant" : "steady_state");
    double on = static_cast<double>((level.time - *course->start).count()) / 86400.0;
    if (on < need)
      why.push_back("only " + fmt_num(on, 1) + " days at the current dose (at least " +
                    fmt_num(need) + " needed for a steady state)");
  }

  const Seconds window = seconds_of_days(P.num("DOSE-SIR-ADJ-1", "interaction_window"));
  for (const auto& m : c.rec.medications) {
    if (!interacts(c, m)) continue;
    for (const auto& t : {m.start, m.end})
      if (t && *t <= level.time && level.time - *t <= window) {
        why.push_back(m.drug + " started or stopped within " +
                      fmt_num(P.num("DOSE-SIR-ADJ-1", "interaction_window")) +
                      " days before the sample");
        break;
      }
  }
  return why;
}

// The linear adjustment toward the middle of the target, limited per step.
std::optional<Dose> adjusted_dose(Ctx& c, const TroughAssessment& t,
                                  const model::MedicationCourse& course) {
  const auto& P = c.p;
  const double current = course.dose->value;
  const double mid = (t.target_low + t.target_high) / 2;
  const double f = P.num("DOSE-SIR-ADJ-1", "max_step_fraction");
  const double raw = current * mid / t.value.value;
  const double limited = std::clamp(raw, current * (1 - f), current * (1 + f));
  if (limited > current && t.value.value < P.num("DOSE-SIR-ADJ-1", "no_increase_below")) {
    c.alert("check_adherence_and_sampling");
    return std::nullopt;
  }
  Dose d;
  d.drug = "sirolimus";
  d.why = c.prov("DOSE-SIR-ADJ-1");
  d.calculated = Milligrams(limited);
  d.basis = fmt_num(current, 4) + " mg x " + fmt_num(mid, 2) + " / " + fmt_num(t.value.value, 2) +
            " ng/mL" + (limited != raw ? " (limited to " + fmt_num(f * 100) + "% per step)" : "");
  const Milligrams cap(P.num("DOSE-SIR-1", "cap"));
  if (d.calculated > cap) d.calculated = cap, d.capped = true;
  const bool dilute = d.calculated.value < P.num("DOSE-SIR-1", "dilution_below");
  const MgPerMl conc(P.num("DOSE-SIR-1", dilute ? "dilution" : "solution"));
  Measurable m = measurable(c, d.calculated, conc, cap);
  d.dose = m.dose;
  d.volume = m.volume;
  d.concentration = conc;
  d.formulation = P.text("DOSE-SIR-1", dilute ? "dilution_name" : "solution_name");
  d.interval_h = course.interval_h.value_or(P.num("DOSE-SIR-1", "interval"));
  d.route = P.text("DOSE-SIR-1", "route");
  d.body = c.out.body;
  return d;
}

// The model-based estimate (DOSE-SIR-ADJ-1): the MAP fit of the knowledge's default
// sirolimus model toward the middle of the phase's target, and whether it covers the child.
ModelBasedDosing model_based_dosing(const Ctx& c, const TroughAssessment& t) {
  const auto& P = c.p;
  ModelBasedDosing mb;
  mb.why = c.prov("DOSE-SIR-ADJ-1");
  mb.target_source = "TARGET-1 (" + t.phase + ")";
  const pk::Model* model = c.kb.pk_models.default_model();
  if (model == nullptr || model->drug != "sirolimus") {
    mb.not_covered_because.push_back("the knowledge has no sirolimus PK model");
    return mb;
  }
  mb.why.sources.push_back(model->source);
  pk::TdmOptions o = pk::tdm_options_from_profile(P);
  o.target_low_ng_per_ml = t.target_low;
  o.target_high_ng_per_ml = t.target_high;

  // The model has no term for an interacting drug. Levels drawn while one was given, or
  // within the interaction window after it stopped, are left out of the fit; if that is
  // the latest level, the estimate cannot guide the dose (the drug is named).
  const Seconds window = seconds_of_days(P.num("DOSE-SIR-ADJ-1", "interaction_window"));
  std::optional<Instant> clear_from;  // the first time no interaction can affect a level
  std::vector<std::string> exposed;
  for (const auto& m : c.rec.medications) {
    if (!interacts(c, m) || !m.start || *m.start > c.as_of) continue;
    const Instant until = std::min(m.end.value_or(c.as_of), c.as_of) + window;
    if (!clear_from || until > *clear_from) clear_from = until;
    if (until > t.time && std::find(mb.interacting_drugs.begin(), mb.interacting_drugs.end(),
                                    m.drug) == mb.interacting_drugs.end())
      mb.interacting_drugs.push_back(m.drug);
    if (std::find(exposed.begin(), exposed.end(), m.drug) == exposed.end())
      exposed.push_back(m.drug);
  }
  if (clear_from && mb.interacting_drugs.empty()) {
    o.observations_from = *clear_from;
    std::string names;
    for (const auto& d : exposed) names += (names.empty() ? "" : ", ") + d;
    o.observations_from_reason = "measured while " + names + " (interacting) was given or within " +
                                 fmt_num(P.num("DOSE-SIR-ADJ-1", "interaction_window")) +
                                 " days after";
  }

  auto fitted = pk::fit(c.rec, c.kb.pk_models, model->id, c.as_of, o);
  if (!fitted) {
    mb.not_covered_because.push_back("the model could not be fitted: " + fitted.error().message);
    return mb;
  }
  pk::TdmResult& fit = fitted.value();
  for (const auto& drug : mb.interacting_drugs)
    fit.warnings.push_back(
        {"interacting_drug", drug + " (an interacting drug) was given within " +
                                 fmt_num(P.num("DOSE-SIR-ADJ-1", "interaction_window")) +
                                 " days before the latest level; the model does not include it"});
  const auto& blocking = P.list("DOSE-SIR-ADJ-1", "model_not_used_with");
  // interacting_drug is never the centre's choice to ignore: the model cannot see it.
  for (const auto& w : fit.warnings)
    if (w.code == "interacting_drug" ||
        std::find(blocking.begin(), blocking.end(), w.code) != blocking.end())
      mb.not_covered_because.push_back(w.message);
  if (!fit.recommendation && mb.not_covered_because.empty())
    mb.not_covered_because.push_back("the model gives no dose recommendation");
  // The model shrinks toward the typical child: it must never move the dose against the
  // measured level (raise it on a level above the target, lower it on one below).
  if (fit.recommendation && fit.current) {
    const double now = fit.current->dose.value, next = fit.recommendation->dose.value;
    if ((t.status == "above" && next > now) || (t.status == "below" && next < now))
      mb.not_covered_because.push_back("the model's dose goes against the measured level (" +
                                       t.status + " the target)");
  }
  mb.covers_child = mb.not_covered_because.empty();
  mb.fit = std::move(fit);
  return mb;
}

// The model's recommendation as the trough's adjustment; nullopt when it would raise the
// dose on a level below no_increase_below (the check comes first, as in the linear rule).
std::optional<Dose> model_dose(Ctx& c, ModelBasedDosing& mb) {
  const auto& P = c.p;
  const pk::TdmResult& f = *mb.fit;
  const pk::TdmRecommendation& rec = *f.recommendation;
  if (rec.increase_withheld) {
    c.alert("check_adherence_and_sampling");
    return std::nullopt;
  }
  Dose d;
  d.drug = "sirolimus";
  d.why = mb.why;
  d.dose = rec.dose;
  d.calculated = rec.unrounded_dose;
  d.interval_h = rec.interval.count();
  d.volume = rec.volume;
  d.concentration = rec.concentration;
  d.formulation = P.text("DOSE-SIR-1", rec.diluted ? "dilution_name" : "solution_name");
  d.route = P.text("DOSE-SIR-1", "route");
  d.capped = rec.limited_by_cap;
  d.body = c.out.body;
  d.basis = "model " + f.model_id + " (MAP on " + std::to_string(f.observations.size()) +
            " level(s)): clearance " + fmt_num(f.individual.cl_L_per_h, 3) + " L/h (typical " +
            fmt_num(f.typical.cl_L_per_h, 3) + "); " + fmt_num(rec.unrounded_dose.value, 4) +
            " mg reaches the middle of the target" +
            (rec.limited_by_step
                 ? " (limited to " + fmt_num(P.num("DOSE-SIR-ADJ-1", "max_step_fraction") * 100) +
                       "% per step)"
                 : "");
  d.notes.push_back(
      "predicted steady-state trough " + fmt_num(rec.predicted_trough_ss.value, 1) + " ng/mL" +
      (rec.probability_in_target
           ? ", probability in target " + fmt_num(*rec.probability_in_target * 100, 0) + "%"
           : std::string()));
  d.notes.push_back("new steady state in about " +
                    fmt_num(rec.time_to_steady_state.count() / 24.0, 1) +
                    " days: draw the next trough then");
  if (!rec.tablets.empty()) {
    std::string tabs;
    for (const auto& tab : rec.tablets)
      tabs += (tabs.empty() ? "" : " + ") + fmt_num(tab.value) + " mg";
    d.notes.push_back(tablet_option_note(tabs));
  }
  mb.used_for_dose = true;
  return d;
}

// Mucositis or pneumonitis recorded by the team (AE-2 codes) recently: with a very high
// trough it calls for emergent review like an infection does (DOSE-SIR-TOX-1).
bool toxicity_recorded(const Ctx& c) {
  const Seconds within = seconds_of_days(c.p.num("DOSE-SIR-TOX-1", "toxicity_findings_within"));
  for (const auto& code : c.p.list("DOSE-SIR-TOX-1", "toxicity_findings")) {
    const model::Finding* f = c.latest_finding(code);
    if (f && f->time >= c.as_of - within && (f->grade || f->flag.value_or(false))) return true;
  }
  return false;
}

}  // namespace

std::string target_phase(const Ctx& c, Instant first_sirolimus) {
  // "KMP present 8-15; KMP absent or after resolution 5-15; long-term (> 12 months) 2-5".
  // Suspected KMP is treated as present, and so is KMP that was there at therapy start and
  // has not resolved while no fresh count shows its status (indeterminate): neither is
  // "absent or after resolution" (the safer reading).
  const auto& resp = c.out.response;
  const bool unresolved = resp && resp->therapy_start && !resp->resolution_date;
  if (c.out.kmp_status == KmpStatus::present || c.out.kmp_status == KmpStatus::suspected ||
      (c.out.kmp_status == KmpStatus::indeterminate && unresolved))
    return "kmp";
  if (c.as_of - first_sirolimus > seconds_of_days(c.p.num("TARGET-1", "long_term_after")))
    return c.p.text("TARGET-1", "long_term_range");
  return "no_kmp";
}

void assess_trough(Ctx& c) {
  const auto& P = c.p;
  const auto first = c.first_start("sirolimus");
  const auto& levels = c.labs(Analyte::sirolimus_level);
  if (!first || levels.empty() || levels.back()->time < *first) return;
  const LabResult& level = *levels.back();
  c.use_value("sirolimus_level", level, false);

  TroughAssessment t;
  t.value = level.value;
  t.time = level.time;
  t.source = level.source;
  t.why = c.prov("TARGET-1");
  t.phase = target_phase(c, *first);
  const auto& range = P.numbers("TARGET-1", t.phase);
  t.target_low = range.front();
  t.target_high = range.back();
  auto low = below(level.value, t.target_low);
  auto high = above(level.value, t.target_high);
  t.status = low.value_or(false)    ? "below"
             : high.value_or(false) ? "above"
             : (low && high)        ? "in_range"
                                    : "unknown";
  const std::string target =
      fmt_num(t.target_low) + "-" + fmt_num(t.target_high) + " ng/mL (" + t.phase + ")";
  if (t.status == "below")
    c.alert("trough_below_target", {fmt_num(level.value.value, 2) + " ng/mL; target " + target});
  if (t.status == "above")
    c.alert("trough_above_target", {fmt_num(level.value.value, 2) + " ng/mL; target " + target});

  // DOSE-SIR-TOX-1
  if (above(level.value, P.num("DOSE-SIR-TOX-1", "high_above")).value_or(false))
    c.alert("sirolimus_trough_high", {P.text("DOSE-SIR-TOX-1", "advice")});
  if (above(level.value, P.num("DOSE-SIR-TOX-1", "emergent_above")).value_or(false) &&
      (c.infection_or_fever() || toxicity_recorded(c))) {
    c.alert("sirolimus_toxicity_emergent_review");
    c.out.urgency = Urgency::emergent;
    c.out.urgency_reasons.push_back("DOSE-SIR-TOX-1: sirolimus trough above " +
                                    fmt_num(P.num("DOSE-SIR-TOX-1", "emergent_above")) +
                                    " ng/mL with an infection");
  }

  if (P.flag("DOSE-SIR-ADJ-1", "model_based") && c.options.model_based_dosing)
    t.model_based = model_based_dosing(c, t);

  // DOSE-SIR-ADJ-1: only a level outside the target can change the dose.
  if (t.status == "below" || t.status == "above") {
    const model::MedicationCourse* course = course_at(c, level.time);
    t.not_interpretable_because = adjustment_obstacles(c, level, course);
    t.interpretable = t.not_interpretable_because.empty();
    if (!t.interpretable) {
      c.alert("trough_not_interpretable", t.not_interpretable_because);
      // "a trough < 3 ng/mL never triggers an automatic increase (check_adherence_and_sampling)":
      // a low level that cannot guide the dose still asks for the check.
      if (t.status == "below" &&
          below(level.value, P.num("DOSE-SIR-ADJ-1", "no_increase_below")).value_or(false))
        c.alert("check_adherence_and_sampling");
    } else if (auto d = t.model_based && t.model_based->covers_child
                            ? model_dose(c, *t.model_based)
                            : adjusted_dose(c, t, *course)) {
      c.alert("sirolimus_dose_adjustment",
              {fmt_num(d->dose.value, 4) + " mg = " + fmt_num(d->volume->value, 2) + " mL of " +
               d->formulation + " every " + fmt_num(d->interval_h) + " h (" + d->basis + ")"});
      t.adjustment = std::move(d);
    }
  }
  c.out.sirolimus_trough = std::move(t);
}

}  // namespace khe::engine
