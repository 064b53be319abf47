#include "pk/fit.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

#include "pk/doses.h"

namespace khe::pk {
namespace {

constexpr double kSecondsPerYear = 365.25 * 86400.0;

std::string fmt(double v, int precision = 3) {
  std::ostringstream s;
  s.precision(precision);
  s << v;
  return s.str();
}

std::optional<double> age_years_at(const model::Patient& p, Instant t) {
  if (p.birth_date == Date{}) return std::nullopt;  // not recorded
  const double s = static_cast<double>((t - start_of(p.birth_date)).count());
  return s / kSecondsPerYear;
}

// Standard normal draws: Box-Muller on 53-bit uniforms, the second of each pair cached, so
// the stream depends only on the seed.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : rng_(seed) {}
  double operator()() {
    if (cached_) {
      cached_ = false;
      return next_;
    }
    double u1 = 0.0;
    do {
      u1 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    } while (u1 <= 0.0);
    const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * std::acos(-1.0) * u2;
    next_ = r * std::sin(a);
    cached_ = true;
    return r * std::cos(a);
  }

 private:
  std::mt19937_64 rng_;
  bool cached_ = false;
  double next_ = 0.0;
};

// Lower Cholesky factor of an n×n row-major SPD matrix; empty if not positive definite.
std::vector<double> cholesky(const std::vector<double>& a, std::size_t n) {
  std::vector<double> l(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 0.0) || !std::isfinite(s)) return {};
        l[i * n + i] = std::sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

// Interval of the current regimen: the latest sirolimus course (not planned, not on hold)
// that started at or before as_of and carries an interval.
std::optional<double> record_interval_h(const model::Record& r, Instant as_of) {
  std::optional<Instant> best_start;
  std::optional<double> best;
  for (const auto& m : r.medications) {
    if (m.drug != "sirolimus" || !m.start || *m.start > as_of || !m.interval_h) continue;
    if (m.status == model::MedicationStatus::planned ||
        m.status == model::MedicationStatus::on_hold)
      continue;
    if (!(*m.interval_h > 0.0)) continue;
    if (!best_start || *m.start >= *best_start) {
      best_start = m.start;
      best = m.interval_h;
    }
  }
  return best;
}

const Covariates& covariates_at(const std::vector<CovariateChange>& covs, Hours t) {
  const Covariates* c = &covs.front().values;
  for (const auto& ch : covs) {
    if (ch.time <= t) c = &ch.values;
  }
  return *c;
}

void check_validity(const Model& m, const Covariates& c, const std::string& when,
                    std::vector<TdmWarning>& warnings) {
  const double kg = c.weight.value;
  if ((m.weight_kg.low && kg < *m.weight_kg.low) || (m.weight_kg.high && kg > *m.weight_kg.high)) {
    warnings.push_back({"outside_validity", "weight " + fmt(kg) + " kg " + when +
                                                " is outside the validity domain of " + m.id +
                                                " (" + fmt(m.weight_kg.low.value_or(0)) + "-" +
                                                (m.weight_kg.high ? fmt(*m.weight_kg.high) : "") +
                                                " kg)"});
  }
  if (c.age_years && ((m.age_years.low && *c.age_years < *m.age_years.low) ||
                      (m.age_years.high && *c.age_years > *m.age_years.high))) {
    warnings.push_back({"outside_validity", "age " + fmt(*c.age_years) + " years " + when +
                                                " is outside the validity domain of " + m.id +
                                                " (" + fmt(m.age_years.low.value_or(0)) + "-" +
                                                (m.age_years.high ? fmt(*m.age_years.high) : "") +
                                                " years)"});
  }
}

// Round a dose to the measurable volume step of `conc` (mg/mL).
struct Rounded {
  Milligrams dose{0.0};
  Millilitres volume{0.0};
};

Rounded round_dose(double mg, double conc, const TdmOptions& o, bool round_down_always,
                   double lower_mg, double upper_mg) {
  if (!(o.volume_step_ml > 0.0) || !(conc > 0.0)) {
    return {Milligrams(mg), Millilitres(conc > 0.0 ? mg / conc : 0.0)};
  }
  const double steps = mg / conc / o.volume_step_ml;
  // Guard against 2.9999999 steps from the division.
  const double down = std::floor(steps + 1e-9);
  const double up = std::ceil(steps - 1e-9);
  const double nearest = std::round(steps);
  double chosen = round_down_always ? down : nearest;
  auto dose_of = [&](double n) { return n * o.volume_step_ml * conc; };
  if (chosen > down) {  // rounding up
    if (dose_of(chosen) > mg * (1.0 + o.max_round_up_fraction) ||
        dose_of(chosen) > upper_mg + 1e-12)
      chosen = down;
  }
  if (dose_of(chosen) < lower_mg - 1e-12 && dose_of(up) <= upper_mg + 1e-12) chosen = up;
  if (chosen < 1.0) chosen = std::min(1.0, up);  // never round a dose to nothing
  // Round the step count to an integer exactly, then format-safe values.
  const double volume = chosen * o.volume_step_ml;
  return {Milligrams(volume * conc), Millilitres(volume)};
}

// Whole tablets summing exactly to `mg`, greedy from the largest strength (exact for the
// usual 0.5/1/2 mg series); empty when the dose is not a sum of whole tablets.
std::vector<Milligrams> tablets_for(double mg, std::vector<double> strengths) {
  std::sort(strengths.begin(), strengths.end(), std::greater<>());
  std::vector<Milligrams> out;
  double left = mg;
  for (double s : strengths) {
    if (!(s > 0.0)) continue;
    while (left >= s - 1e-9) {
      out.push_back(Milligrams(s));
      left -= s;
    }
  }
  if (std::fabs(left) > 1e-9 || out.empty()) return {};
  return out;
}

// True when the latest observation (at equal latest times: any of them) cannot show a
// level at or above `threshold`: a value below it, or a BLQ result with LLOQ ≤ it.
bool latest_below(const std::vector<TdmObservation>& obs, double threshold) {
  if (!(threshold > 0.0) || obs.empty()) return false;
  Instant latest = obs.front().time;
  for (const auto& ob : obs) latest = std::max(latest, ob.time);
  return std::any_of(obs.begin(), obs.end(), [&](const TdmObservation& ob) {
    if (ob.time != latest) return false;
    return ob.blq ? ob.lloq_ng_per_ml <= threshold : ob.value_ng_per_ml < threshold;
  });
}

Seconds to_seconds(Hours h) {
  return Seconds(static_cast<std::int64_t>(std::llround(h.count() * 3600.0)));
}

// Step 9 of `fit` (see the header): past and projected individual predictions.
Result<std::vector<CurvePoint>> concentration_curve(const Model& m, const DoseHistory& h,
                                                    const std::vector<CovariateChange>& covs,
                                                    const TdmResult& r, Instant as_of,
                                                    const TdmOptions& o) {
  const Instant first_dose = h.origin + to_seconds(h.doses.front().time);
  Instant from = first_dose;
  if (o.curve_from)
    from = *o.curve_from;
  else if (o.curve_window_days > 0.0)
    from = as_of - to_seconds(Hours(o.curve_window_days * 24.0));
  from = std::clamp(from, first_dose, std::max(first_dose, as_of));

  // Projected regimen: the recommendation, else the current regimen.
  std::vector<Dose> doses(h.doses.begin(), h.doses.end());
  std::vector<Instant> dose_points;
  Instant end = as_of;
  std::optional<Regimen> next;
  Hours horizon{0.0};
  if (r.recommendation) {
    next = Regimen{r.recommendation->dose, r.recommendation->interval};
    horizon = r.recommendation->time_to_steady_state;
  } else if (r.current) {
    next = *r.current;
    horizon = half_life(r.individual) * o.steady_state_half_lives;
  }
  const Seconds interval = next ? to_seconds(next->interval) : Seconds(0);
  if (next && interval.count() > 0 && horizon.count() > 0.0 && std::isfinite(horizon.count())) {
    Instant first = h.origin + to_seconds(h.doses.back().time) + interval;
    if (first < as_of) first = as_of;  // the schedule has lapsed: the next dose is now
    end = first + to_seconds(horizon);
    for (Instant t = first; t <= end; t += interval) {
      doses.push_back(Dose{hours_since(h.origin, t), next->dose, std::nullopt});
      dose_points.push_back(t);
    }
    if (dose_points.size() > kMaxCurveGridPoints) dose_points.clear();  // absurd interval
  }

  // Grid: widen the step so that the span holds at most kMaxCurveGridPoints points.
  Seconds step = std::max(Seconds(1), to_seconds(o.curve_step));
  const auto span = (end - from).count();
  if (span / step.count() >= static_cast<std::int64_t>(kMaxCurveGridPoints))
    step = Seconds(span / static_cast<std::int64_t>(kMaxCurveGridPoints - 1) + 1);
  std::vector<Instant> times;
  for (Instant t = from; t < as_of; t += step) times.push_back(t);
  times.push_back(as_of);
  for (const auto& ob : r.observations)
    if (ob.time >= from) times.push_back(ob.time);  // levels inside the window
  for (Instant t = as_of + step; t <= end; t += step) times.push_back(t);
  times.insert(times.end(), dose_points.begin(), dose_points.end());
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());

  std::vector<Hours> hours;
  hours.reserve(times.size());
  for (Instant t : times) hours.push_back(hours_since(h.origin, t));
  auto c = predict(m, doses, covs, r.eta, hours);
  if (!c) return c.error();
  std::vector<CurvePoint> out;
  out.reserve(times.size());
  for (std::size_t i = 0; i < times.size(); ++i)
    out.push_back(CurvePoint{times[i], (*c)[i], times[i] > as_of});
  return out;
}

// The member of Individual a structural parameter name sets ("CL", "V", "ka", "Q", "V2";
// the loader accepts no other).
double Individual::*member_of(const std::string& name) {
  if (name == "CL") return &Individual::cl_L_per_h;
  if (name == "V") return &Individual::v_L;
  if (name == "ka") return &Individual::ka_per_h;
  if (name == "Q") return &Individual::q_L_per_h;
  return &Individual::v2_L;
}

}  // namespace

TdmOptions tdm_options_from_profile(const knowledge::Profile& p) {
  TdmOptions o;
  o.max_step_fraction = p.num("DOSE-SIR-ADJ-1", "max_step_fraction");
  o.cap_mg = p.num("DOSE-SIR-1", "cap");
  o.solution_mg_per_ml = p.num("DOSE-SIR-1", "solution");
  o.dilution_mg_per_ml = p.num("DOSE-SIR-1", "dilution");
  o.dilution_below_mg = p.num("DOSE-SIR-1", "dilution_below");
  o.default_interval_h = p.num("DOSE-SIR-1", "interval");
  o.tablet_strengths_mg = p.numbers("DOSE-SIR-1", "tablets");
  o.volume_step_ml = p.num("DOSE-RND-1", "volume_step");
  o.max_round_up_fraction = p.num("DOSE-RND-1", "max_round_up_fraction");
  o.round_down_below_days = p.num("DOSE-RND-1", "round_down_below");
  o.steady_state_half_lives = p.num("DOSE-SIR-ADJ-1", "steady_state_half_lives");
  o.dose_not_recent_intervals = p.num("DOSE-SIR-ADJ-1", "dose_not_recent_intervals");
  o.no_increase_below_ng_per_ml = p.num("DOSE-SIR-ADJ-1", "no_increase_below");
  o.curve_step = Hours(p.num("DOSE-SIR-ADJ-1", "curve_step"));
  o.curve_window_days = p.num("DOSE-SIR-ADJ-1", "curve_window");
  return o;
}

Result<TdmResult> fit(const model::Record& record, const Models& models,
                      const std::string& model_id, Instant as_of, const TdmOptions& o) {
  const Model* mp = models.find(model_id);
  if (mp == nullptr) return Error{"pk/fit", "unknown PK model '" + model_id + "'"};
  const Model& m = *mp;
  const bool want_rec = o.target_low_ng_per_ml != 0.0 || o.target_high_ng_per_ml != 0.0;
  if (want_rec &&
      (!(o.target_low_ng_per_ml >= 0.0) || !(o.target_high_ng_per_ml > o.target_low_ng_per_ml) ||
       !std::isfinite(o.target_high_ng_per_ml)))
    return Error{"pk/fit", "invalid target range"};

  TdmResult r;
  r.model_id = m.id;
  r.eta_names = m.eta_names;
  r.target_low_ng_per_ml = o.target_low_ng_per_ml;
  r.target_high_ng_per_ml = o.target_high_ng_per_ml;

  // 1. Doses.
  DoseHistoryOptions dho;
  dho.drug = m.drug;
  dho.steady_state_at_start = o.steady_state_at_start;
  auto hist = dose_history(record, as_of, dho);
  if (!hist) return hist.error();
  const DoseHistory& h = *hist;
  r.notes = h.notes;
  r.doses_used = h.doses.size();

  // 2. Covariates.
  std::vector<CovariateChange> covs;
  for (const auto& lab : record.labs) {
    if (lab.analyte != model::Analyte::weight || lab.time > as_of) continue;
    if (lab.value.comparator != model::Comparator::none || !(lab.value.value > 0.0)) continue;
    CovariateChange c;
    c.time = hours_since(h.origin, lab.time);
    c.values.weight = Kilograms(lab.value.value);
    c.values.age_years = age_years_at(record.patient, lab.time);
    c.values.categories = o.categories;
    if (!covs.empty() && covs.back().time == c.time)
      covs.back() = c;
    else
      covs.push_back(c);
  }
  if (covs.empty()) return Error{"pk/fit", "no body weight recorded at or before as-of"};
  std::stable_sort(
      covs.begin(), covs.end(),
      [](const CovariateChange& a, const CovariateChange& b) { return a.time < b.time; });
  const Hours t_asof = hours_since(h.origin, as_of);
  Covariates at_asof = covariates_at(covs, t_asof);
  at_asof.age_years = age_years_at(record.patient, as_of);
  r.weight = at_asof.weight;
  r.age_years = at_asof.age_years;

  // 3. Observations.
  const std::optional<Hours> first_dose =
      h.doses.empty() ? std::nullopt : std::optional<Hours>(h.doses.front().time);
  std::vector<MapObservation> obs;
  std::vector<Hours> times;
  std::size_t skipped_before = 0, skipped_gt = 0, skipped_early = 0;
  std::vector<const model::LabResult*> levels;  // in time order (stable)
  for (const auto& lab : record.labs)
    if (lab.analyte == model::Analyte::sirolimus_level && lab.time <= as_of) levels.push_back(&lab);
  std::stable_sort(
      levels.begin(), levels.end(),
      [](const model::LabResult* a, const model::LabResult* b) { return a->time < b->time; });
  for (const model::LabResult* level : levels) {
    const model::LabResult& lab = *level;
    const Hours t = hours_since(h.origin, lab.time);
    if (!first_dose || t < *first_dose) {
      ++skipped_before;
      continue;
    }
    if (o.observations_from && lab.time < *o.observations_from) {
      ++skipped_early;
      continue;
    }
    const auto cmp = lab.value.comparator;
    if (cmp == model::Comparator::gt || cmp == model::Comparator::ge) {
      ++skipped_gt;
      continue;
    }
    TdmObservation to;
    to.time = lab.time;
    to.t = t;
    MapObservation mo;
    mo.time = t.count();
    if (cmp == model::Comparator::lt || cmp == model::Comparator::le) {
      if (!(lab.value.value > 0.0)) continue;
      mo.blq = true;
      mo.lloq = lab.value.value;
      to.blq = true;
      to.lloq_ng_per_ml = lab.value.value;
    } else {
      mo.value = lab.value.value;
      to.value_ng_per_ml = lab.value.value;
    }
    obs.push_back(mo);
    times.push_back(t);
    r.observations.push_back(to);
  }
  if (skipped_before > 0)
    r.notes.push_back(std::to_string(skipped_before) +
                      " sirolimus level(s) before the first recorded dose not used");
  if (skipped_gt > 0)
    r.notes.push_back(std::to_string(skipped_gt) +
                      " sirolimus level(s) reported above a limit (\">\") not used");
  if (skipped_early > 0)
    r.notes.push_back(
        std::to_string(skipped_early) + " sirolimus level(s) before " +
        format_instant(*o.observations_from) + " not used" +
        (o.observations_from_reason.empty() ? "" : ": " + o.observations_from_reason));

  // 4. MAP.
  std::vector<double> omega;
  for (const auto& name : m.eta_names)
    omega.push_back(m.parameters.at(name).omega_sd.value_or(0.0));
  const MapPrior prior = MapPrior::diagonal(omega);
  ResidualError err;
  err.additive_sd = m.residual.additive_sd;
  err.proportional_sd = m.residual.proportional_sd;
  const PredictFn f = [&](std::span<const double> eta) -> Result<std::vector<double>> {
    auto p = predict(m, h.doses, covs, eta, times);
    if (!p) return p.error();
    std::vector<double> out;
    out.reserve(p->size());
    for (const auto& c : *p) out.push_back(c.value);
    return out;
  };
  auto est = map_estimate(obs, f, prior, err, o.map);
  if (!est) return est.error();
  r.eta = est->eta;
  r.eta_sd = est->eta_sd;
  r.objective = est->objective;
  r.a_priori = obs.empty();
  if (r.a_priori)
    r.warnings.push_back({"a_priori_only",
                          "no sirolimus level to fit: the a-priori (typical) prediction for the "
                          "child's weight is shown"});
  for (std::size_t i = 0; i < est->at_bound.size(); ++i) {
    if (est->at_bound[i])
      r.warnings.push_back({"eta_at_bound", "the estimate of eta_" + m.eta_names[i] +
                                                " lies at its bound: the levels are far from "
                                                "what the model expects; check the data"});
  }
  if (!obs.empty() && !est->hessian_positive_definite)
    r.warnings.push_back(
        {"uncertainty_unavailable", "the posterior uncertainty could not be computed"});
  if (!times.empty()) {
    auto ind = f(r.eta);
    const std::vector<double> zero(m.eta_names.size(), 0.0);
    auto pop = f(zero);
    if (!ind) return ind.error();
    if (!pop) return pop.error();
    for (std::size_t i = 0; i < r.observations.size(); ++i) {
      r.observations[i].predicted_ng_per_ml = (*ind)[i];
      r.observations[i].population_ng_per_ml = (*pop)[i];
    }
  }

  // Validity: at each observation and at as_of (one warning per distinct message).
  {
    std::vector<TdmWarning> v;
    for (const auto& ob : r.observations) {
      Covariates c = covariates_at(covs, ob.t);
      c.age_years = age_years_at(record.patient, ob.time);
      check_validity(m, c, "at a sirolimus level", v);
    }
    check_validity(m, at_asof, "at as-of", v);
    for (auto& w : v) {
      const bool dup = std::any_of(r.warnings.begin(), r.warnings.end(),
                                   [&](const TdmWarning& x) { return x.message == w.message; });
      if (!dup) r.warnings.push_back(std::move(w));
    }
  }

  auto ind = individual_parameters(m, at_asof, r.eta);
  if (!ind) return ind.error();
  r.individual = *ind;
  auto typ = individual_parameters(m, at_asof, {});
  if (!typ) return typ.error();
  r.typical = *typ;

  // 5. Current regimen.
  if (!h.doses.empty()) {
    Regimen reg;
    reg.dose = h.doses.back().amount;
    if (auto iv = record_interval_h(record, as_of)) {
      reg.interval = Hours(*iv);
    } else if (h.doses.size() >= 2) {
      reg.interval = h.doses.back().time - h.doses[h.doses.size() - 2].time;
    } else {
      reg.interval = Hours(o.default_interval_h);
    }
    if (reg.interval.count() > 0.0 && reg.dose.value > 0.0) {
      if (t_asof - h.doses.back().time > reg.interval * o.dose_not_recent_intervals)
        r.warnings.push_back(
            {"last_dose_not_recent", "the latest recorded dose is more than " +
                                         fmt(o.dose_not_recent_intervals) +
                                         " intervals before as-of: check that the course is still "
                                         "given"});
      r.current = reg;
      r.predicted_trough_ss = steady_state_trough(r.individual, reg.dose, reg.interval);
    }
  }
  if (!r.current)
    r.warnings.push_back(
        {"no_current_regimen", "no current sirolimus dose and interval: no dose recommendation"});

  // 6. Recommendation.
  if (want_rec && r.current) {
    const Regimen& cur = *r.current;
    const double per_mg = steady_state_trough(r.individual, Milligrams(1.0), cur.interval).value;
    if (per_mg > 0.0 && std::isfinite(per_mg)) {
      TdmRecommendation rec;
      rec.interval = cur.interval;
      const double mid = 0.5 * (o.target_low_ng_per_ml + o.target_high_ng_per_ml);
      const double raw = mid / per_mg;
      rec.unrounded_dose = Milligrams(raw);
      double lower = cur.dose.value * (1.0 - o.max_step_fraction);
      double upper = cur.dose.value * (1.0 + o.max_step_fraction);
      if (o.max_step_fraction <= 0.0) {
        lower = 0.0;
        upper = std::numeric_limits<double>::infinity();
      }
      // DOSE-SIR-ADJ-1: a latest level below the threshold never raises the dose.
      if (latest_below(r.observations, o.no_increase_below_ng_per_ml)) {
        rec.increase_withheld = raw > cur.dose.value;
        upper = std::min(upper, cur.dose.value);
      }
      double dose = std::clamp(raw, lower, upper);
      rec.limited_by_step = dose != raw && !rec.increase_withheld;
      if (o.cap_mg > 0.0 && dose > o.cap_mg) {
        dose = o.cap_mg;
        upper = std::min(upper, o.cap_mg);
        rec.limited_by_cap = true;
      }
      rec.diluted = o.dilution_mg_per_ml > 0.0 && dose < o.dilution_below_mg;
      const double conc = rec.diluted ? o.dilution_mg_per_ml : o.solution_mg_per_ml;
      const bool young = r.age_years && o.round_down_below_days > 0.0 &&
                         *r.age_years * 365.25 < o.round_down_below_days;
      const Rounded rd = round_dose(dose, conc, o, young, lower, upper);
      rec.dose = rd.dose;
      rec.volume = rd.volume;
      rec.concentration = MgPerMl(conc);
      rec.tablets = tablets_for(rec.dose.value, o.tablet_strengths_mg);
      rec.predicted_trough_ss = steady_state_trough(r.individual, rec.dose, rec.interval);
      rec.time_to_steady_state = half_life(r.individual) * o.steady_state_half_lives;
      if (rec.limited_by_step)
        r.warnings.push_back({"step_limited", "the recommended change is limited to " +
                                                  fmt(100.0 * o.max_step_fraction) +
                                                  "% of the current dose per step"});
      if (rec.limited_by_cap)
        r.warnings.push_back({"cap_limited", "the recommended dose is limited to the cap of " +
                                                 fmt(o.cap_mg) + " mg"});
      if (rec.increase_withheld)
        r.warnings.push_back({"check_adherence_and_sampling",
                              "the latest level is below " + fmt(o.no_increase_below_ng_per_ml) +
                                  " ng/mL: check adherence and sampling before raising the dose"});

      // 7. Probability in target under the Laplace posterior.
      const std::size_t n = r.eta.size();
      const std::vector<double> l =
          (n > 0 && !est->cov.empty()) ? cholesky(est->cov, n) : std::vector<double>{};
      if (n == 0) {
        const double c = rec.predicted_trough_ss.value;
        rec.probability_in_target =
            (c >= o.target_low_ng_per_ml && c <= o.target_high_ng_per_ml) ? 1.0 : 0.0;
      } else if (!l.empty() && o.draws > 0) {
        Normal normal(o.seed);
        std::vector<double> z(n), eta(n);
        std::uint64_t in = 0;
        // individual = typical · exp(η) for the parameters with an η, in the same order of
        // operations as individual_parameters (so bit for bit the same), without its
        // per-draw covariate and name lookups.
        std::vector<double Individual::*> scaled;
        for (const auto& name : m.eta_names) scaled.push_back(member_of(name));
        for (std::uint64_t d = 0; d < o.draws; ++d) {
          for (auto& zi : z) zi = normal();
          for (std::size_t i = 0; i < n; ++i) {
            double s = r.eta[i];
            for (std::size_t k = 0; k <= i; ++k) s += l[i * n + k] * z[k];
            eta[i] = s;
          }
          Individual p = r.typical;
          for (std::size_t i = 0; i < n; ++i) p.*scaled[i] *= std::exp(eta[i]);
          const double c = steady_state_trough(p, rec.dose, rec.interval).value;
          if (c >= o.target_low_ng_per_ml && c <= o.target_high_ng_per_ml) ++in;
        }
        rec.probability_in_target = static_cast<double>(in) / static_cast<double>(o.draws);
      }
      r.recommendation = rec;
    }
  }

  // 9. Concentration curve.
  if (o.curve_step.count() > 0.0 && !h.doses.empty()) {
    auto curve = concentration_curve(m, h, covs, r, as_of, o);
    if (!curve) return curve.error();
    r.curve = std::move(curve).value();
  }
  return r;
}

}  // namespace khe::pk
