// pk::fit: MAP fit of a record's sirolimus troughs and the dose recommendation.
// Records are built directly (synthetic); trough values are simulated from the model.
#include "pk/fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/evaluate.h"
#include "knowledge/knowledge.h"
#include "pk/doses.h"
#include "pk_test_support.h"

namespace khe::pk {
namespace {

using testing::fan;
using testing::models;

const Instant kT0 = start_of(Date(std::chrono::year(2026) / 3 / 1));
Instant at_h(double h) { return kT0 + Seconds(static_cast<std::int64_t>(std::llround(h * 3600))); }

const knowledge::Knowledge& knowledge_default() {
  static const knowledge::Knowledge k = [] {
    auto r = knowledge::load_default(engine::parameter_specs());
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(r).value() : knowledge::Knowledge{};
  }();
  return k;
}

TdmOptions options(double low = 8, double high = 15) {
  TdmOptions o = tdm_options_from_profile(*knowledge_default().profile("default"));
  o.target_low_ng_per_ml = low;
  o.target_high_ng_per_ml = high;
  return o;
}

// A child of `kg` kg, `age_days` old at kT0, on `mg` every 12 h from kT0.
model::Record child(double kg, int age_days, double mg) {
  model::Record r;
  r.patient.birth_date = date_of(kT0) - std::chrono::days(age_days);
  model::LabResult w;
  w.analyte = model::Analyte::weight;
  w.value.value = kg;
  w.time = kT0 - Seconds(3600);
  r.labs.push_back(w);
  model::MedicationCourse m;
  m.drug = "sirolimus";
  m.source_kind = model::MedicationSource::request;
  m.status = model::MedicationStatus::active;
  m.start = kT0;
  m.dose = Milligrams(mg);
  m.interval_h = 12;
  m.route = "oral";
  r.medications.push_back(m);
  return r;
}

void add_level(model::Record& r, double h, double value,
               model::Comparator c = model::Comparator::none) {
  model::LabResult l;
  l.analyte = model::Analyte::sirolimus_level;
  l.value.value = value;
  l.value.comparator = c;
  l.time = at_h(h);
  r.labs.push_back(l);
}

// Troughs just before the dose at each of `hours`, simulated from fan2024 with η_CL = eta.
void add_simulated(model::Record& r, double kg, double eta, const std::vector<double>& hours,
                   double as_of_h, double scale = 1.0) {
  auto h = dose_history(r, at_h(as_of_h));
  ASSERT_TRUE(h.ok());
  CovariateChange c;
  c.values.weight = Kilograms(kg);
  std::vector<CovariateChange> covs{c};
  std::vector<Hours> times;
  for (double t : hours) times.push_back(Hours(t));
  const std::vector<double> e{eta};
  auto p = predict(fan(), h->doses, covs, e, times);
  ASSERT_TRUE(p.ok());
  for (std::size_t i = 0; i < hours.size(); ++i) add_level(r, hours[i], (*p)[i].value * scale);
}

std::vector<double> trough_hours(int n, double every_h, double first_h) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(first_h + i * every_h);
  return out;
}

TEST(PkFit, RecoversKnownEtaFromSimulatedTroughs) {
  for (double eta : {-0.3, 0.0, 0.35}) {
    model::Record r = child(10, 300, 0.3);
    add_simulated(r, 10, eta, trough_hours(30, 24, 120), 900);
    auto res = fit(r, models(), "fan2024", at_h(900), options());
    ASSERT_TRUE(res.ok()) << res.error().to_string();
    ASSERT_EQ(res->eta.size(), 1u);
    EXPECT_NEAR(res->eta[0], eta, 0.05) << eta;
    EXPECT_EQ(res->observations.size(), 30u);
    EXPECT_FALSE(res->a_priori);
    EXPECT_GT(res->eta_sd[0], 0.0);
    EXPECT_LT(res->eta_sd[0], 0.2594);
    // Individual CL = typical · e^η.
    EXPECT_NEAR(res->individual.cl_L_per_h, res->typical.cl_L_per_h * std::exp(res->eta[0]), 1e-9);
    ASSERT_TRUE(res->current.has_value());
    EXPECT_DOUBLE_EQ(res->current->dose.value, 0.3);
    EXPECT_DOUBLE_EQ(res->current->interval.count(), 12.0);
    EXPECT_NEAR(res->predicted_trough_ss->value,
                steady_state_trough(res->individual, Milligrams(0.3), Hours(12)).value, 1e-12);
  }
}

TEST(PkFit, NoTroughGivesAPrioriPrediction) {
  model::Record r = child(10, 300, 0.3);
  auto res = fit(r, models(), "fan2024", at_h(240), options());
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_TRUE(res->a_priori);
  EXPECT_EQ(res->eta[0], 0.0);
  EXPECT_DOUBLE_EQ(res->eta_sd[0], 0.2594);
  EXPECT_TRUE(res->observations.empty());
  bool warned = false;
  for (const auto& w : res->warnings) warned |= w.code == "a_priori_only";
  EXPECT_TRUE(warned);
  ASSERT_TRUE(res->recommendation.has_value());
  EXPECT_DOUBLE_EQ(res->individual.cl_L_per_h, res->typical.cl_L_per_h);
}

TEST(PkFit, HigherTroughsGiveLowerDose) {
  double previous_unrounded = 1e9, previous = 1e9;
  for (double scale : {0.6, 0.8, 1.0, 1.3, 1.7}) {
    model::Record r = child(10, 300, 0.3);
    add_simulated(r, 10, 0.0, trough_hours(4, 48, 120), 400, scale);
    auto res = fit(r, models(), "fan2024", at_h(400), options());
    ASSERT_TRUE(res.ok()) << res.error().to_string();
    ASSERT_TRUE(res->recommendation.has_value());
    EXPECT_LT(res->recommendation->unrounded_dose.value, previous_unrounded) << scale;
    EXPECT_LE(res->recommendation->dose.value, previous) << scale;
    previous_unrounded = res->recommendation->unrounded_dose.value;
    previous = res->recommendation->dose.value;
  }
}

TEST(PkFit, StepLimitedToFractionOfCurrentDose) {
  const TdmOptions o = options();
  const double f = o.max_step_fraction;
  ASSERT_GT(f, 0.0);
  {  // measured far above target: at most −f
    model::Record r = child(10, 300, 0.3);
    add_simulated(r, 10, 0.0, trough_hours(4, 48, 120), 400, 6.0);
    auto res = fit(r, models(), "fan2024", at_h(400), o);
    ASSERT_TRUE(res.ok());
    EXPECT_TRUE(res->recommendation->limited_by_step);
    EXPECT_GE(res->recommendation->dose.value, 0.3 * (1 - f) - 1e-12);
    EXPECT_NEAR(res->recommendation->dose.value, 0.3 * (1 - f), o.volume_step_ml);
  }
  {  // far below target: at most +f (levels under 3 ng/mL: the no-increase rule is off)
    model::Record r = child(10, 300, 0.3);
    add_simulated(r, 10, 0.0, trough_hours(4, 48, 120), 400, 0.2);
    TdmOptions may_increase = o;
    may_increase.no_increase_below_ng_per_ml = 0.0;
    auto res = fit(r, models(), "fan2024", at_h(400), may_increase);
    ASSERT_TRUE(res.ok());
    EXPECT_TRUE(res->recommendation->limited_by_step);
    EXPECT_LE(res->recommendation->dose.value, 0.3 * (1 + f) + 1e-12);
    EXPECT_NEAR(res->recommendation->dose.value, 0.3 * (1 + f), o.volume_step_ml);
  }
}

TEST(PkFit, DoseRoundedToMeasurableVolume) {
  const TdmOptions o = options();
  for (double scale : {0.7, 0.9, 1.1, 1.25}) {
    model::Record r = child(10, 300, 0.3);
    add_simulated(r, 10, 0.1, trough_hours(3, 72, 120), 400, scale);
    auto res = fit(r, models(), "fan2024", at_h(400), o);
    ASSERT_TRUE(res.ok());
    const auto& rec = *res->recommendation;
    const double steps = rec.volume.value / o.volume_step_ml;
    EXPECT_NEAR(steps, std::round(steps), 1e-9);
    EXPECT_NEAR(rec.dose.value, rec.volume.value * rec.concentration.value, 1e-12);
    EXPECT_DOUBLE_EQ(rec.concentration.value, o.solution_mg_per_ml);
    EXPECT_NEAR(rec.predicted_trough_ss.value,
                steady_state_trough(res->individual, rec.dose, rec.interval).value, 1e-12);
    ASSERT_TRUE(rec.probability_in_target.has_value());
    EXPECT_GE(*rec.probability_in_target, 0.0);
    EXPECT_LE(*rec.probability_in_target, 1.0);
    EXPECT_NEAR(rec.time_to_steady_state.count(),
                options().steady_state_half_lives * std::log(2.0) * res->individual.v_L /
                    res->individual.cl_L_per_h,
                1e-9);
  }
}

TEST(PkFit, OptionsComeFromTheKnowledgeProfile) {
  const auto& p = *knowledge_default().profile("default");
  const TdmOptions o = tdm_options_from_profile(p);
  EXPECT_EQ(o.volume_step_ml, p.num("DOSE-RND-1", "volume_step"));
  EXPECT_EQ(o.solution_mg_per_ml, p.num("DOSE-SIR-1", "solution"));
  EXPECT_EQ(o.cap_mg, p.num("DOSE-SIR-1", "cap"));
  EXPECT_EQ(o.max_step_fraction, p.num("DOSE-SIR-ADJ-1", "max_step_fraction"));
  EXPECT_EQ(o.steady_state_half_lives, p.num("DOSE-SIR-ADJ-1", "steady_state_half_lives"));
  EXPECT_EQ(o.dose_not_recent_intervals, p.num("DOSE-SIR-ADJ-1", "dose_not_recent_intervals"));
  EXPECT_EQ(o.no_increase_below_ng_per_ml, p.num("DOSE-SIR-ADJ-1", "no_increase_below"));
  EXPECT_GT(o.no_increase_below_ng_per_ml, 0.0);
  EXPECT_EQ(o.curve_step.count(), p.num("DOSE-SIR-ADJ-1", "curve_step"));
  EXPECT_GT(o.curve_step.count(), 0.0);
  EXPECT_EQ(o.curve_window_days, p.num("DOSE-SIR-ADJ-1", "curve_window"));
  EXPECT_FALSE(o.curve_from.has_value());
}

TEST(PkFit, ProbabilityIsDeterministicAndNarrowsWithData) {
  model::Record few = child(10, 300, 0.3);
  add_simulated(few, 10, 0.0, trough_hours(1, 24, 120), 400);
  model::Record many = child(10, 300, 0.3);
  add_simulated(many, 10, 0.0, trough_hours(12, 24, 120), 400);
  auto a = fit(few, models(), "fan2024", at_h(400), options());
  auto b = fit(few, models(), "fan2024", at_h(400), options());
  auto c = fit(many, models(), "fan2024", at_h(400), options());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a->recommendation->probability_in_target, *b->recommendation->probability_in_target);
  EXPECT_LT(c->eta_sd[0], a->eta_sd[0]);
}

TEST(PkFit, ValidityWarningForThreeKilogramInfant) {
  model::Record r = child(3.0, 20, 0.1);
  add_simulated(r, 3.0, 0.0, trough_hours(2, 48, 120), 300);
  auto res = fit(r, models(), "fan2024", at_h(300), options());
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  int validity = 0;
  for (const auto& w : res->warnings) validity += w.code == "outside_validity";
  EXPECT_GE(validity, 2);  // weight under 3.3 kg and age under 1 month

  model::Record ok = child(10, 300, 0.3);
  auto res2 = fit(ok, models(), "fan2024", at_h(300), options());
  ASSERT_TRUE(res2.ok());
  for (const auto& w : res2->warnings) EXPECT_NE(w.code, "outside_validity");
}

TEST(PkFit, BelowLimitLevelsEnterAsM3) {
  model::Record r = child(10, 300, 0.3);
  add_level(r, 120, 2.0, model::Comparator::lt);
  auto res = fit(r, models(), "fan2024", at_h(200), options());
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->observations.size(), 1u);
  EXPECT_TRUE(res->observations[0].blq);
  EXPECT_DOUBLE_EQ(res->observations[0].lloq_ng_per_ml, 2.0);
  EXPECT_GT(res->eta[0], 0.0);  // a level under 2 means a higher clearance than typical
}

TEST(PkFit, WarnsWhenTheLastDoseIsOld) {
  model::Record r = child(10, 300, 0.3);
  r.medications[0].end = at_h(100);
  r.medications[0].status = model::MedicationStatus::stopped;
  auto res = fit(r, models(), "fan2024", at_h(400), options());
  ASSERT_TRUE(res.ok());
  bool warned = false;
  for (const auto& w : res->warnings) warned |= w.code == "last_dose_not_recent";
  EXPECT_TRUE(warned);
  // The limit is DOSE-SIR-ADJ-1's: 300 h without a dose is within 30 intervals of 12 h.
  TdmOptions lenient = options();
  lenient.dose_not_recent_intervals = 30;
  auto quiet = fit(r, models(), "fan2024", at_h(400), lenient);
  ASSERT_TRUE(quiet.ok());
  for (const auto& w : quiet->warnings) EXPECT_NE(w.code, "last_dose_not_recent");
}

TEST(PkFit, TabletOptionWhenWholeTabletsFit) {
  model::Record r = child(25, 3000, 1.0);
  auto first = fit(r, models(), "fan2024", at_h(400), options());
  ASSERT_TRUE(first.ok());
  const double c = first->predicted_trough_ss->value;  // a priori, 1 mg q12h
  auto res = fit(r, models(), "fan2024", at_h(400), options(c - 1, c + 1));
  ASSERT_TRUE(res.ok());
  const auto& rec = *res->recommendation;
  EXPECT_NEAR(rec.dose.value, 1.0, 1e-9);
  ASSERT_EQ(rec.tablets.size(), 1u);
  EXPECT_DOUBLE_EQ(rec.tablets[0].value, 1.0);
  // 1.23 mg is no sum of whole 0.5/1/2 mg tablets.
  auto odd = fit(r, models(), "fan2024", at_h(400), options(c * 1.23 - 0.5, c * 1.23 + 0.5));
  ASSERT_TRUE(odd.ok());
  EXPECT_NEAR(odd->recommendation->dose.value, 1.23, 1e-9);
  EXPECT_TRUE(odd->recommendation->tablets.empty());
}

bool has_warning(const TdmResult& r, const std::string& code) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const TdmWarning& w) { return w.code == code; });
}

// DOSE-SIR-ADJ-1: a latest trough under 3 ng/mL never raises the dose by itself.
TEST(PkFit, LowLatestLevelNeverRaisesTheDose) {
  const TdmOptions o = options();  // 8-15 ng/mL, far above a level of 2
  ASSERT_EQ(o.no_increase_below_ng_per_ml, 3.0);
  model::Record r = child(10, 300, 0.3);
  add_level(r, 396, 2.0);  // trough before the 34th dose
  auto res = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  ASSERT_TRUE(res->recommendation.has_value());
  const auto& rec = *res->recommendation;
  EXPECT_GT(rec.unrounded_dose.value, 0.3 * 1.5);  // the model alone would raise it
  EXPECT_LE(rec.dose.value, 0.3 + 1e-12);
  EXPECT_NEAR(rec.dose.value, 0.3, 1e-9);  // kept, not lowered
  EXPECT_TRUE(rec.increase_withheld);
  EXPECT_FALSE(rec.limited_by_step);  // the no-increase rule decided, not the step limit
  EXPECT_FALSE(has_warning(*res, "step_limited"));
  ASSERT_TRUE(has_warning(*res, "check_adherence_and_sampling"));
  for (const auto& w : res->warnings) {
    if (w.code == "check_adherence_and_sampling") {
      EXPECT_NE(w.message.find("below 3 ng/mL"), std::string::npos) << w.message;
    }
  }

  // Threshold 0 (off): the same level raises the dose (by the step limit).
  TdmOptions off = o;
  off.no_increase_below_ng_per_ml = 0.0;
  auto raised = fit(r, models(), "fan2024", at_h(400), off);
  ASSERT_TRUE(raised.ok());
  EXPECT_GT(raised->recommendation->dose.value, 0.3 + 0.1);
  EXPECT_FALSE(raised->recommendation->increase_withheld);
  EXPECT_FALSE(has_warning(*raised, "check_adherence_and_sampling"));
}

TEST(PkFit, OnlyTheLatestLevelCountsForTheNoIncreaseRule) {
  model::Record r = child(10, 300, 0.3);
  add_level(r, 396, 4.0);  // latest, above 3 (listed first: order in the record is not time)
  add_level(r, 300, 2.0);
  auto res = fit(r, models(), "fan2024", at_h(400), options());
  ASSERT_TRUE(res.ok());
  EXPECT_GT(res->recommendation->dose.value, 0.3 + 0.1);
  EXPECT_FALSE(res->recommendation->increase_withheld);
  EXPECT_FALSE(has_warning(*res, "check_adherence_and_sampling"));
  ASSERT_EQ(res->observations.size(), 2u);
  EXPECT_LT(res->observations[0].time, res->observations[1].time);  // sorted by time
}

TEST(PkFit, BelowLimitLatestLevelWithholdsAnIncreaseOnlyIfItCannotReachTheThreshold) {
  {  // "< 3": cannot show 3 or more.
    model::Record r = child(10, 300, 0.3);
    add_level(r, 396, 3.0, model::Comparator::lt);
    auto res = fit(r, models(), "fan2024", at_h(400), options());
    ASSERT_TRUE(res.ok());
    EXPECT_TRUE(res->recommendation->increase_withheld);
    EXPECT_LE(res->recommendation->dose.value, 0.3 + 1e-12);
    EXPECT_TRUE(has_warning(*res, "check_adherence_and_sampling"));
  }
  {  // "< 5": might be 3 or more, so the rule does not apply.
    model::Record r = child(10, 300, 0.3);
    add_level(r, 396, 5.0, model::Comparator::lt);
    auto res = fit(r, models(), "fan2024", at_h(400), options());
    ASSERT_TRUE(res.ok());
    EXPECT_FALSE(res->recommendation->increase_withheld);
    EXPECT_GT(res->recommendation->dose.value, 0.3);
  }
}

TEST(PkFit, LowLevelWithAWantedDecreaseIsNotFlagged) {
  model::Record r = child(10, 300, 0.3);
  add_level(r, 396, 2.0);
  auto res = fit(r, models(), "fan2024", at_h(400), options(0.5, 1.5));  // middle 1 < 2
  ASSERT_TRUE(res.ok());
  const auto& rec = *res->recommendation;
  EXPECT_LT(rec.unrounded_dose.value, 0.3);
  EXPECT_LT(rec.dose.value, 0.3);
  EXPECT_FALSE(rec.increase_withheld);
  EXPECT_FALSE(has_warning(*res, "check_adherence_and_sampling"));
}

// The point of `curve` at exactly `t`, or null.
const CurvePoint* point_at(const TdmResult& r, Instant t) {
  for (const auto& p : r.curve)
    if (p.time == t) return &p;
  return nullptr;
}

TEST(PkFit, CurvePassesThroughTheFittedLevelsAndProjectsTheNewDose) {
  model::Record r = child(10, 300, 0.3);
  add_simulated(r, 10, 0.2, trough_hours(4, 60, 120), 400, 0.7);  // low: the dose goes up
  const TdmOptions o = options();
  ASSERT_GT(o.curve_step.count(), 0.0);
  auto res = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  ASSERT_TRUE(res->recommendation.has_value());
  const auto& rec = *res->recommendation;
  ASSERT_GT(rec.dose.value, 0.3 + 0.05);  // a real change to project
  ASSERT_FALSE(res->curve.empty());

  // Sorted, no duplicates; starts at the first dose (the 60-day window reaches before it).
  for (std::size_t i = 1; i < res->curve.size(); ++i)
    EXPECT_LT(res->curve[i - 1].time, res->curve[i].time) << i;
  EXPECT_EQ(res->curve.front().time, kT0);
  // Past points every curve_step at most.
  const Seconds step(static_cast<std::int64_t>(o.curve_step.count() * 3600));
  for (std::size_t i = 1; i < res->curve.size() && res->curve[i].time <= at_h(400); ++i)
    EXPECT_LE(res->curve[i].time - res->curve[i - 1].time, step) << i;

  // as_of is a past point; every projected point lies after it, every other one not.
  const CurvePoint* now = point_at(*res, at_h(400));
  ASSERT_NE(now, nullptr);
  EXPECT_FALSE(now->projected);
  std::size_t projected = 0;
  for (const auto& p : res->curve) {
    EXPECT_EQ(p.projected, p.time > at_h(400));
    EXPECT_GE(p.concentration.value, 0.0);
    projected += p.projected;
  }
  EXPECT_GT(projected, 10u);

  // Through the individual predictions the levels are compared with.
  ASSERT_EQ(res->observations.size(), 4u);
  for (const auto& ob : res->observations) {
    const CurvePoint* p = point_at(*res, ob.time);
    ASSERT_NE(p, nullptr);
    EXPECT_NEAR(p->concentration.value, ob.predicted_ng_per_ml, 1e-9 * ob.predicted_ng_per_ml);
  }

  // Projected doses from the next scheduled time (396 + 12 h) for the time to steady state;
  // the last projected trough approaches the new steady-state trough.
  const Instant first = at_h(408);
  const Seconds tau(12 * 3600);
  const CurvePoint* last_trough = nullptr;
  for (const auto& p : res->curve)
    if (p.projected && p.time >= first && (p.time - first) % tau == Seconds(0)) last_trough = &p;
  ASSERT_NE(last_trough, nullptr);
  EXPECT_GE(last_trough->time - first,
            std::chrono::duration_cast<Seconds>(rec.time_to_steady_state) - tau);
  EXPECT_NEAR(last_trough->concentration.value, rec.predicted_trough_ss.value,
              0.05 * rec.predicted_trough_ss.value);
  // ... and the first one is still near the current regimen's steady-state trough.
  const CurvePoint* first_trough = point_at(*res, first);
  ASSERT_NE(first_trough, nullptr);
  EXPECT_LT(first_trough->concentration.value, 0.9 * rec.predicted_trough_ss.value);
}

TEST(PkFit, CurveWindowAndOptionalCurve) {
  model::Record r = child(10, 300, 0.3);
  add_simulated(r, 10, 0.0, trough_hours(4, 60, 120), 400);
  TdmOptions o = options();
  o.curve_from = at_h(250);
  auto res = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(res.ok());
  ASSERT_FALSE(res->curve.empty());
  EXPECT_EQ(res->curve.front().time, at_h(250));
  EXPECT_EQ(point_at(*res, at_h(180)), nullptr);  // a level before the window
  EXPECT_NE(point_at(*res, at_h(300)), nullptr);  // a level inside it

  o.curve_from.reset();
  o.curve_window_days = 5;  // as_of − 120 h
  auto windowed = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(windowed.ok());
  ASSERT_FALSE(windowed->curve.empty());
  EXPECT_EQ(windowed->curve.front().time, at_h(280));

  o.curve_step = Hours(0.0);
  auto none = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->curve.empty());
  // The curve does not change the fit.
  EXPECT_EQ(none->eta, res->eta);
  EXPECT_EQ(none->recommendation->dose.value, res->recommendation->dose.value);
}

TEST(PkFit, CurveProjectsFromNowWhenTheScheduleHasLapsedAndCapsItsPoints) {
  model::Record r = child(10, 300, 0.3);
  r.medications[0].end = at_h(100);  // last dose at 96 h
  r.medications[0].status = model::MedicationStatus::stopped;
  TdmOptions o = options(0, 0);  // no recommendation: the current regimen is projected
  auto res = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(res.ok());
  ASSERT_FALSE(res->recommendation.has_value());
  ASSERT_TRUE(res->current.has_value());
  const CurvePoint* now = point_at(*res, at_h(400));
  const CurvePoint* later = point_at(*res, at_h(400) + Seconds(2 * 3600));
  ASSERT_NE(now, nullptr);
  ASSERT_NE(later, nullptr);
  EXPECT_LT(now->concentration.value, 0.05);  // washed out, 300 h without a dose
  EXPECT_GT(later->concentration.value, 10 * now->concentration.value);  // dosed at as_of
  EXPECT_TRUE(later->projected);
  // Horizon: steady_state_half_lives half-lives of the individual after the first dose.
  const Hours horizon = Hours(o.steady_state_half_lives * std::log(2.0) * res->individual.v_L /
                              res->individual.cl_L_per_h);
  EXPECT_LE(res->curve.back().time - at_h(400), std::chrono::duration_cast<Seconds>(horizon));
  EXPECT_GT(res->curve.back().time - at_h(400),
            std::chrono::duration_cast<Seconds>(horizon) - Seconds(2 * 3600));

  // A one-second step over ~600 h is widened to at most kMaxCurveGridPoints points.
  o.curve_step = Hours(1.0 / 3600.0);
  auto dense = fit(r, models(), "fan2024", at_h(400), o);
  ASSERT_TRUE(dense.ok());
  EXPECT_GT(dense->curve.size(), kMaxCurveGridPoints / 2);
  EXPECT_LE(dense->curve.size(), kMaxCurveGridPoints + 100);
  for (std::size_t i = 1; i < dense->curve.size(); ++i)
    ASSERT_LT(dense->curve[i - 1].time, dense->curve[i].time);
}

TEST(PkFit, ErrorsAreValues) {
  model::Record r = child(10, 300, 0.3);
  EXPECT_FALSE(fit(r, models(), "nope", at_h(200), options()).ok());
  EXPECT_FALSE(fit(r, models(), "fan2024", at_h(200), options(15, 8)).ok());
  model::Record no_weight = r;
  no_weight.labs.clear();
  EXPECT_FALSE(fit(no_weight, models(), "fan2024", at_h(200), options()).ok());
}

}  // namespace
}  // namespace khe::pk
