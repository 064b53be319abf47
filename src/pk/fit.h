// Therapeutic drug monitoring of sirolimus (issue 5, items 3, 4 and 6): from a patient
// record, the Bayesian MAP fit of the child's η (map.h) on the measured troughs, the
// individual parameters, the current regimen and its individual steady-state trough, and
// the dose whose steady-state trough is closest to the middle of the target range.
//
// Steps of `fit`:
//  1. Dose history (doses.h) up to as_of; times are hours since its origin.
//  2. Covariates: every weight lab (model::Analyte::weight) at or before as_of, in time
//     order (last value carried forward, the first also applies before it); age from the
//     birth date at each change (validity checks only). No weight → error.
//  3. Observations: sirolimus levels (Analyte::sirolimus_level) at or before as_of and not
//     before the first dose nor before options.observations_from. "< x" / "≤ x" → BLQ
//     with LLOQ x (M3); "> x" is not used (noted).
//  4. MAP estimate of η with map_estimate over predict(); no observation → η = 0, the
//     a-priori (typical) prediction, and a warning.
//  5. Current regimen: the latest dose and the interval of the latest sirolimus course
//     with one (else the gap between the last two doses, else options.default_interval).
//     Its individual steady-state trough at the weight in effect at as_of.
//  6. Recommendation (linear model: trough ∝ dose): dose = middle of target / trough per
//     mg, limited to ±max_step_fraction of the current dose and to the cap, rounded to
//     volume_step of the oral solution (the dilution below dilution_below): to nearest,
//     but down under round_down_below_days of age, when rounding up would raise the dose
//     by more than max_round_up_fraction, or when it would break the step limit or cap.
//     A latest level below no_increase_below_ng_per_ml (DOSE-SIR-ADJ-1: a trough < 3 ng/mL
//     never triggers an automatic increase) caps the dose at the current dose, before
//     rounding (which then cannot raise it either). "Latest" is the used observation with
//     the latest time (at equal times: any of them below); "below" is a value under the
//     threshold or a BLQ result with LLOQ ≤ threshold. When the uncapped dose was above
//     the current dose, increase_withheld is set and the warning
//     check_adherence_and_sampling is added (only then: a decrease needs no warning).
//  7. Probability that the steady-state trough of the recommended dose lies in
//     [low, high] (bounds inclusive) under the Laplace posterior N(η̂, cov): `draws`
//     deterministic draws (std::mt19937_64 seeded with `seed`, own Box-Muller, Cholesky
//     of cov). Parameter uncertainty only (no residual error). Absent when the Hessian was
//     not positive definite.
//     A tablet option is given when whole tablets make exactly the rounded dose.
//  8. Time to the new steady state: 5 half-lives, 5 · ln 2 · V / CL (one compartment;
//     two compartments use the central elimination rate CL/V1, a lower bound).
//  9. Concentration curve (only when curve_step > 0 and there is a dose): individual
//     predictions (η̂, the fit's covariate changes) from max(curve_from, first dose) to
//     as_of every curve_step, exactly at as_of and at every used observation time from
//     that start on. Then, with `projected` set, after as_of under the new regimen: the
//     recommended dose (else the current one) every interval, the first projected dose at
//     the next scheduled time (last dose + interval) or, if that has passed, at as_of
//     ("give it now"), for the time to steady state (else steady_state_half_lives
//     half-lives) after that first dose, on the same grid plus each projected dose time
//     (where the value is the trough, taken before the dose). Weight stays at its as-of
//     value. No projection without a current regimen. Times are whole seconds, sorted,
//     without duplicates. The grid has at most kMaxCurveGridPoints points (a longer span
//     widens the step). One predict() call; the MAP fit is not affected.
// Every clinical number comes in through TdmOptions (filled from the knowledge profile by
// `tdm_options_from_profile`); none is written here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/quantity.h"
#include "core/result.h"
#include "core/time.h"
#include "knowledge/knowledge.h"
#include "model/record.h"
#include "pk/map.h"
#include "pk/model.h"
#include "pk/predict.h"
#include "pk/types.h"

namespace khe::pk {

struct TdmOptions {
  double target_low_ng_per_ml = 0.0;  // both 0 = no recommendation
  double target_high_ng_per_ml = 0.0;
  // Dose steps and rounding (DOSE-SIR-1, DOSE-RND-1, DOSE-SIR-ADJ-1).
  double max_step_fraction = 0.0;           // ±fraction of the current dose per step
  double cap_mg = 0.0;                      // per-dose ceiling; 0 = none
  double solution_mg_per_ml = 0.0;          // oral solution
  double dilution_mg_per_ml = 0.0;          // pharmacy dilution; 0 = none
  double dilution_below_mg = 0.0;           // doses under this use the dilution
  double volume_step_ml = 0.0;              // measurable volume step; 0 = no rounding
  double max_round_up_fraction = 0.0;       // rounding never raises a dose by more than this
  double round_down_below_days = 0.0;       // always round down under this age
  double default_interval_h = 0.0;          // interval when the record gives none
  std::vector<double> tablet_strengths_mg;  // whole tablets that may replace the liquid
  double steady_state_half_lives = 0.0;     // time to a new steady state, in half-lives
  double dose_not_recent_intervals = 0.0;   // warn when the last dose is older than this
  // Posterior sampling.
  std::uint64_t draws = 2000;
  std::uint64_t seed = 20240304;
  // Mark the first recorded dose as the latest of a regimen already at steady state.
  bool steady_state_at_start = false;
  // Levels drawn before this are left out of the fit (with a note giving the reason), e.g.
  // those measured while an interacting drug the model has no term for was given.
  std::optional<Instant> observations_from = std::nullopt;
  std::string observations_from_reason;
  // A latest level below this never raises the dose (DOSE-SIR-ADJ-1); 0 = off.
  double no_increase_below_ng_per_ml = 0.0;
  // Concentration curve (step 9): grid step (0 = no curve) and start. Without curve_from,
  // the start is as_of − curve_window_days when that is > 0, else the first dose.
  Hours curve_step{0.0};
  std::optional<Instant> curve_from = std::nullopt;
  double curve_window_days = 0.0;
  // Categorical covariates (e.g. {"CYP3A5", "expresser"}).
  std::map<std::string, std::string> categories;
  MapOptions map;
};

// Upper bound on the number of grid points of the curve (past and projected together);
// observation and projected dose times come on top.
inline constexpr std::size_t kMaxCurveGridPoints = 5000;

// Options from a knowledge profile: DOSE-SIR-1 (cap, solution, dilution, interval),
// DOSE-RND-1 (rounding), DOSE-SIR-ADJ-1 (max_step_fraction, steady_state_half_lives,
// dose_not_recent_intervals, no_increase_below, curve_step, curve_window). Target left at
// 0, curve_from unset (the caller may set it).
TdmOptions tdm_options_from_profile(const knowledge::Profile& profile);

struct TdmWarning {
  std::string code;  // "a_priori_only", "eta_at_bound", "outside_validity", ...
  std::string message;
};

struct TdmObservation {
  Instant time{};
  Hours t{0.0};  // since the dose history's origin
  double value_ng_per_ml = 0.0;
  bool blq = false;
  double lloq_ng_per_ml = 0.0;
  double predicted_ng_per_ml = 0.0;   // individual prediction at η̂
  double population_ng_per_ml = 0.0;  // typical prediction (η = 0)
};

struct Regimen {
  Milligrams dose{0.0};
  Hours interval{0.0};
};

struct TdmRecommendation {
  Milligrams dose{0.0};
  Hours interval{0.0};
  Millilitres volume{0.0};
  MgPerMl concentration{0.0};  // of the liquid the volume refers to
  bool diluted = false;  // the pharmacy dilution (dose under dilution_below), not the solution
  // Whole tablets giving exactly `dose` (largest strengths first); empty when none fits.
  std::vector<Milligrams> tablets;
  Milligrams unrounded_dose{0.0};  // before the step limit, cap and rounding
  bool limited_by_step = false;
  bool limited_by_cap = false;
  // The latest level was below no_increase_below and the dose would have gone up.
  bool increase_withheld = false;
  NgPerMl predicted_trough_ss{0.0};
  std::optional<double> probability_in_target = std::nullopt;
  Hours time_to_steady_state{0.0};
};

// One point of the individual concentration curve.
struct CurvePoint {
  Instant time{};
  NgPerMl concentration{0.0};
  bool projected = false;  // after as_of, under the recommended (else current) regimen
};

struct TdmResult {
  std::string model_id;
  std::vector<std::string> eta_names;
  std::vector<double> eta;
  std::vector<double> eta_sd;  // NaN when the Hessian was not positive definite
  bool a_priori = false;       // no observation: η = 0
  double objective = 0.0;
  Kilograms weight{0.0};                           // in effect at as_of
  std::optional<double> age_years = std::nullopt;  // at as_of
  Individual individual;                           // at as_of, η̂
  Individual typical;                              // at as_of, η = 0
  std::optional<Regimen> current = std::nullopt;
  std::optional<NgPerMl> predicted_trough_ss = std::nullopt;  // current regimen, individual
  double target_low_ng_per_ml = 0.0;
  double target_high_ng_per_ml = 0.0;
  std::optional<TdmRecommendation> recommendation = std::nullopt;
  std::vector<TdmObservation> observations;  // used, in time order
  std::vector<CurvePoint> curve;             // step 9; empty when not asked for
  std::size_t doses_used = 0;
  std::vector<TdmWarning> warnings;
  std::vector<std::string> notes;  // data left out and why (no identifiers)
};

// Errors (as values): unknown model id, no weight at or before as_of, dose history errors,
// map_estimate or predict errors, invalid target (low ≥ high, negative).
Result<TdmResult> fit(const model::Record& record, const Models& models,
                      const std::string& model_id, Instant as_of, const TdmOptions& options);

}  // namespace khe::pk
