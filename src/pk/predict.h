// Prediction engine: analytic one- and two-compartment first-order-absorption solutions
// (shared/clinical/sirolimus-pk.md §5), advanced event to event (ADVAN-style) so that the
// parameters may change between events (time-varying weight), with steady-state
// initialisation for a regimen already running when the recorded history starts.
// Pure functions: no I/O, no clock.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/quantity.h"
#include "core/result.h"
#include "pk/model.h"
#include "pk/types.h"

namespace khe::pk {

// The covariates of one child at one time.
struct Covariates {
  Kilograms weight{0.0};
  std::optional<double> age_years = std::nullopt;  // validity checks only
  std::map<std::string, std::string> categories;   // e.g. {"CYP3A5", "expresser"}
};

// Covariates in effect from `time` on (last observation carried forward); the earliest
// entry also applies before its time.
struct CovariateChange {
  Hours time{0.0};
  Covariates values;
};

// Individual (apparent) parameters. Canonical units: L/h, L, 1/h.
struct Individual {
  Structure structure = Structure::one_cmt_oral;
  double cl_L_per_h = 0.0;
  double v_L = 0.0;  // central volume (V1 for two compartments)
  double ka_per_h = 0.0;
  double q_L_per_h = 0.0;  // two compartments only
  double v2_L = 0.0;       // two compartments only
};

// Compartment amounts in mg.
struct State {
  double depot = 0.0;
  double central = 0.0;
  double peripheral = 0.0;
};

// P_i = typical_i · Π covariate effects · exp(η_i) for the parameters with IIV; `eta` is in
// the order of model.eta_names (empty means all zero). Errors: wrong η count, non-positive
// weight, an unknown category, or a missing category without a `missing` default.
Result<Individual> individual_parameters(const Model& model, const Covariates& cov,
                                         std::span<const double> eta = {});

// Analytic advance of the amounts over dt ≥ 0 with constant parameters, no dosing.
State advance(const Individual& p, const State& s, Hours dt);
NgPerMl concentration(const Individual& p, const State& s);

// Amounts just after a dose at steady state (dose every tau, dose included).
State steady_state_after_dose(const Individual& p, Milligrams dose, Hours tau);
// Steady-state concentration `since_dose` after a dose (0 ≤ since_dose ≤ tau).
NgPerMl steady_state_concentration(const Individual& p, Milligrams dose, Hours tau,
                                   Hours since_dose);
// Steady-state trough (just before the next dose).
NgPerMl steady_state_trough(const Individual& p, Milligrams dose, Hours tau);

// Elimination half-life ln 2 · V / CL (for two compartments, of the central compartment:
// a lower bound of the terminal one).
Hours half_life(const Individual& p);

// Concentrations at `times` (any order) for the dose history. Event order at equal times:
// the concentration at a dose time is taken before that dose (a trough drawn at the dose
// time is a trough); a steady-state dose replaces the amounts by the steady-state ones
// (just before it: the steady-state trough amounts, so a trough drawn at its time is the
// steady-state trough; just after it: the steady-state peak-of-dosing amounts). Covariate changes
// must be sorted by time and not empty. Errors: no covariates, unsorted covariate changes,
// non-finite times or doses, negative doses, non-positive steady-state intervals, and
// individual_parameters errors.
Result<std::vector<NgPerMl>> predict(const Model& model, std::span<const Dose> doses,
                                     std::span<const CovariateChange> covariates,
                                     std::span<const double> eta, std::span<const Hours> times);

// The same with parameters already computed, constant over time (used by tests and by
// simulations that vary η only).
Result<std::vector<NgPerMl>> predict(const Individual& p, std::span<const Dose> doses,
                                     std::span<const Hours> times);

}  // namespace khe::pk
