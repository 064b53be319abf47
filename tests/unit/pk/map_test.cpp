// Tests of the generic MAP estimator (src/pk/map.h) with toy models written here, so that
// they do not depend on the PK model code.
#include "pk/map.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace khe::pk {
namespace {

// One-compartment IV bolus, C = D/V·exp(−CL/V·t), CL = 2·exp(η0), V = 20·exp(η1) (or η on
// CL only when eta has one element).
std::vector<double> bolus(std::span<const double> eta, const std::vector<double>& times) {
  const double cl = 2.0 * std::exp(eta[0]);
  const double v = 20.0 * std::exp(eta.size() > 1 ? eta[1] : 0.0);
  std::vector<double> c;
  for (double t : times) c.push_back(100.0 / v * std::exp(-cl / v * t));
  return c;
}

PredictFn bolus_fn(const std::vector<double>& times) {
  return [times](std::span<const double> eta) -> Result<std::vector<double>> {
    return bolus(eta, times);
  };
}

const std::vector<double> kTimes{1.0, 4.0, 8.0, 12.0};

std::vector<MapObservation> exact_obs(const std::vector<double>& eta,
                                      const std::vector<double>& times) {
  std::vector<MapObservation> obs;
  const auto c = bolus(eta, times);
  for (std::size_t j = 0; j < times.size(); ++j) obs.push_back({times[j], c[j], false, 0.0});
  return obs;
}

// Linear test model f = 4 + 10·η for objective hand computations.
const PredictFn kLinear1 = [](std::span<const double> eta) -> Result<std::vector<double>> {
  return std::vector<double>{4.0 + 10.0 * eta[0]};
};

TEST(PkMap, NoObservationsGivesPriorModeAndSd) {
  int calls = 0;
  PredictFn f = [&](std::span<const double>) -> Result<std::vector<double>> {
    ++calls;
    return std::vector<double>{};
  };
  const std::vector<double> sd{0.3, 0.5};
  auto r = map_estimate({}, f, MapPrior::diagonal(sd), {1.0, 0.0});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(r->eta, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(r->eta_sd, sd);
  EXPECT_EQ(r->objective, 0.0);
  EXPECT_EQ(r->observations_used, 0u);
  EXPECT_TRUE(r->hessian_positive_definite);
  EXPECT_EQ(r->at_bound, (std::vector<bool>{false, false}));
}

TEST(PkMap, RecoversKnownEtaFromExactData) {
  const std::vector<double> truth{0.2, -0.15};
  const auto obs = exact_obs(truth, kTimes);
  for (ResidualError e :
       {ResidualError{1e-6, 0.0}, ResidualError{0.0, 1e-6}, ResidualError{1e-6, 1e-6}}) {
    auto r = map_estimate(obs, bolus_fn(kTimes), MapPrior::diagonal(std::vector{0.3, 0.3}), e);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_NEAR(r->eta[0], truth[0], 1e-4);
    EXPECT_NEAR(r->eta[1], truth[1], 1e-4);
    EXPECT_EQ(r->at_bound, (std::vector<bool>{false, false}));
    EXPECT_TRUE(r->hessian_positive_definite);
    EXPECT_GT(r->evaluations, 0);
    EXPECT_EQ(r->observations_used, 4u);
  }
}

TEST(PkMap, RecoversSingleEtaWithOneObservation) {
  const std::vector<double> truth{-0.4};
  const auto obs = exact_obs(truth, {12.0});
  auto r = map_estimate(obs, bolus_fn({12.0}), MapPrior::diagonal(std::vector{0.26}), {1e-6, 0.0});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_NEAR(r->eta[0], truth[0], 1e-4);
}

TEST(PkMap, ObjectiveMatchesHandComputation) {
  const std::vector<MapObservation> obs{{1.0, 6.0, false, 0.0}};
  const auto prior = MapPrior::diagonal(std::vector{0.5});
  const std::vector<double> eta{0.1};  // f = 5, η²/ω² = 0.04
  auto add = map_objective(obs, kLinear1, prior, {2.0, 0.0}, eta);
  auto prop = map_objective(obs, kLinear1, prior, {0.0, 0.1}, eta);
  auto comb = map_objective(obs, kLinear1, prior, {2.0, 0.1}, eta);
  ASSERT_TRUE(add.ok() && prop.ok() && comb.ok());
  EXPECT_NEAR(*add, std::log(4.0) + 1.0 / 4.0 + 0.04, 1e-12);
  EXPECT_NEAR(*prop, std::log(0.25) + 1.0 / 0.25 + 0.04, 1e-12);
  EXPECT_NEAR(*comb, std::log(4.25) + 1.0 / 4.25 + 0.04, 1e-12);

  // mapbayr's guard: a zero prediction uses 1 in the proportional term (Var = σ_prop²).
  auto zero = map_objective(obs, kLinear1, prior, {0.0, 0.1}, std::vector{-0.4});
  ASSERT_TRUE(zero.ok());
  EXPECT_NEAR(*zero, std::log(0.01) + 36.0 / 0.01 + 0.16 / 0.25, 1e-9);

  // M3: a BLQ observation with LLOQ 2 and f = 5, σ = 2: −2 log Φ(−1.5).
  const std::vector<MapObservation> blq{{1.0, 0.0, true, 2.0}};
  auto m3 = map_objective(blq, kLinear1, prior, {2.0, 0.0}, eta);
  ASSERT_TRUE(m3.ok());
  EXPECT_NEAR(*m3, -2.0 * std::log(0.066807201268858071) + 0.04, 1e-12);
}

TEST(PkMap, ObjectiveUsesFullCovariance) {
  MapPrior prior{2, {0.09, 0.03, 0.03, 0.16}};
  PredictFn none = [](std::span<const double>) -> Result<std::vector<double>> {
    return std::vector<double>{};
  };
  auto v = map_objective({}, none, prior, {1.0, 0.0}, std::vector{0.1, -0.2});
  ASSERT_TRUE(v.ok());
  // ηᵀΩ⁻¹η = (0.16·0.01 + 2·0.03·0.02 + 0.09·0.04) / (0.0144 − 0.0009)
  EXPECT_NEAR(*v, 0.0064 / 0.0135, 1e-12);
}

TEST(PkMap, BlqObservationPushesTowardHigherClearance) {
  // Typical C(12 h) = 5·e^−1.2 ≈ 1.51; reported below an LLOQ of 0.5.
  const std::vector<MapObservation> obs{{12.0, 0.0, true, 0.5}};
  const auto prior = MapPrior::diagonal(std::vector{0.3});
  auto r = map_estimate(obs, bolus_fn({12.0}), prior, {0.3, 0.1});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_GT(r->eta[0], 0.1);
  EXPECT_LT(bolus(r->eta, {12.0})[0], 1.51);
  // The same observation quantified at 1.51 (≈ typical) keeps η near 0.
  const std::vector<MapObservation> quant{{12.0, 1.51, false, 0.0}};
  auto q = map_estimate(quant, bolus_fn({12.0}), prior, {0.3, 0.1});
  ASSERT_TRUE(q.ok());
  EXPECT_LT(q->eta[0], r->eta[0]);
  // The reported objective is the M3 objective at the estimate.
  auto ofv = map_objective(obs, bolus_fn({12.0}), prior, {0.3, 0.1}, r->eta);
  ASSERT_TRUE(ofv.ok());
  EXPECT_EQ(*ofv, r->objective);
}

TEST(PkMap, LogNormalCdfIsAccurateInBothTails) {
  EXPECT_NEAR(log_normal_cdf(0.0), std::log(0.5), 1e-15);
  EXPECT_NEAR(log_normal_cdf(-1.5), std::log(0.066807201268858071), 1e-14);
  // Upper tail: log Φ(10) ≈ −Φ(−10) = −7.6198530241605e-24.
  EXPECT_NEAR(log_normal_cdf(10.0) / -7.6198530241605269e-24, 1.0, 1e-12);
  // Lower tail: continuous across the switch to the asymptotic series, finite far out.
  EXPECT_NEAR(log_normal_cdf(-35.0 - 1e-9), log_normal_cdf(-35.0 + 1e-9), 1e-6);
  EXPECT_NEAR(log_normal_cdf(-35.0), std::log(0.5 * std::erfc(35.0 / std::sqrt(2.0))), 1e-10);
  EXPECT_NEAR(log_normal_cdf(-40.0), -804.60844201375379, 1e-9);
  EXPECT_TRUE(std::isfinite(log_normal_cdf(-1e6)));
  EXPECT_NEAR(normal_quantile(0.001), -3.0902323061678132, 1e-12);
  EXPECT_NEAR(normal_quantile(0.999), 3.0902323061678132, 1e-12);
  EXPECT_NEAR(normal_quantile(1e-6), -4.7534243088228989, 1e-11);
  EXPECT_EQ(normal_quantile(0.5), 0.0);
}

TEST(PkMap, EstimateAtBoundIsFlagged) {
  const std::vector<double> truth{2.0};  // 6.7 ω: beyond every widened bound
  const auto obs = exact_obs(truth, kTimes);
  const auto prior = MapPrior::diagonal(std::vector{0.3});
  MapOptions no_widening;
  no_widening.max_bound_widenings = 0;
  auto r = map_estimate(obs, bolus_fn(kTimes), prior, {1e-3, 0.0}, no_widening);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->at_bound[0]);
  EXPECT_NEAR(r->eta[0], r->upper[0], 1e-9);
  EXPECT_NEAR(r->upper[0], 3.0902323061678132 * 0.3, 1e-9);
  EXPECT_EQ(r->bound_widenings, 0);

  auto w = map_estimate(obs, bolus_fn(kTimes), prior, {1e-3, 0.0});
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->at_bound[0]);
  EXPECT_EQ(w->bound_widenings, 3);
  EXPECT_NEAR(w->upper[0], 0.3 * -normal_quantile(1e-6), 1e-9);
}

TEST(PkMap, BoundWideningFindsEstimateBeyondFirstBound) {
  const std::vector<double> truth{1.1};  // 3.67 ω: outside ±3.09 ω, inside ±3.72 ω
  const auto obs = exact_obs(truth, kTimes);
  auto r = map_estimate(obs, bolus_fn(kTimes), MapPrior::diagonal(std::vector{0.3}), {1e-6, 0.0});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->bound_widenings, 1);
  EXPECT_FALSE(r->at_bound[0]);
  EXPECT_NEAR(r->eta[0], 1.1, 1e-4);
}

TEST(PkMap, LaplaceSdIsExactForLinearGaussianModel) {
  // f = a + B η, additive σ: the posterior is Gaussian with covariance
  // (BᵀB/σ² + Ω⁻¹)⁻¹ and mean cov·Bᵀ(y − a)/σ².
  const std::vector<double> a{5.0, 3.0, 1.0};
  const double b[3][2] = {{2.0, -1.0}, {1.0, 1.5}, {0.5, 0.2}};
  const double sigma = 0.8;
  const std::vector<double> y{5.6, 2.1, 1.3};
  const double w0 = 0.3, w1 = 0.5;
  PredictFn f = [&](std::span<const double> eta) -> Result<std::vector<double>> {
    std::vector<double> out(3);
    for (int j = 0; j < 3; ++j) out[j] = a[j] + b[j][0] * eta[0] + b[j][1] * eta[1];
    return out;
  };
  std::vector<MapObservation> obs;
  for (int j = 0; j < 3; ++j) obs.push_back({double(j), y[j], false, 0.0});
  auto r = map_estimate(obs, f, MapPrior::diagonal(std::vector{w0, w1}), {sigma, 0.0});
  ASSERT_TRUE(r.ok()) << r.error().to_string();

  double p00 = 1.0 / (w0 * w0), p01 = 0.0, p11 = 1.0 / (w1 * w1), r0 = 0.0, r1 = 0.0;
  for (int j = 0; j < 3; ++j) {
    p00 += b[j][0] * b[j][0] / (sigma * sigma);
    p01 += b[j][0] * b[j][1] / (sigma * sigma);
    p11 += b[j][1] * b[j][1] / (sigma * sigma);
    r0 += b[j][0] * (y[j] - a[j]) / (sigma * sigma);
    r1 += b[j][1] * (y[j] - a[j]) / (sigma * sigma);
  }
  const double det = p00 * p11 - p01 * p01;
  const double c00 = p11 / det, c01 = -p01 / det, c11 = p00 / det;
  ASSERT_TRUE(r->hessian_positive_definite);
  EXPECT_NEAR(r->eta_sd[0] / std::sqrt(c00), 1.0, 1e-3);
  EXPECT_NEAR(r->eta_sd[1] / std::sqrt(c11), 1.0, 1e-3);
  EXPECT_NEAR(r->cov[1], c01, 1e-3 * std::sqrt(c00 * c11));
  EXPECT_EQ(r->cov[1], r->cov[2]);
  EXPECT_NEAR(r->eta[0], c00 * r0 + c01 * r1, 1e-6);
  EXPECT_NEAR(r->eta[1], c01 * r0 + c11 * r1, 1e-6);
}

TEST(PkMap, NonPositiveDefiniteHessianIsReported) {
  // f = 20·cos η, y = 0, σ = 1, ω = 0.1: OFV = 400 cos²η + 100 η² is concave on the
  // bounds ±0.309, so the minimum sits on a bound where the Hessian is negative: the SDs
  // must be NaN and the flag false, never a silently wrong number.
  PredictFn f = [](std::span<const double> eta) -> Result<std::vector<double>> {
    return std::vector<double>{20.0 * std::cos(eta[0])};
  };
  const std::vector<MapObservation> obs{{0.0, 0.0, false, 0.0}};
  MapOptions o;
  o.max_bound_widenings = 0;
  auto r = map_estimate(obs, f, MapPrior::diagonal(std::vector{0.1}), {1.0, 0.0}, o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->at_bound[0]);
  EXPECT_FALSE(r->hessian_positive_definite);
  EXPECT_TRUE(std::isnan(r->eta_sd[0]));
  EXPECT_TRUE(std::isnan(r->cov[0]));
}

TEST(PkMap, IsDeterministic) {
  const auto obs = exact_obs({0.3, 0.1}, kTimes);
  std::vector<MapObservation> noisy = obs;
  noisy[1].value *= 1.1;
  noisy[3] = {12.0, 0.0, true, 2.0};
  const auto prior = MapPrior::diagonal(std::vector{0.3, 0.4});
  auto r1 = map_estimate(noisy, bolus_fn(kTimes), prior, {0.2, 0.1});
  auto r2 = map_estimate(noisy, bolus_fn(kTimes), prior, {0.2, 0.1});
  ASSERT_TRUE(r1.ok() && r2.ok());
  ASSERT_EQ(r1->eta.size(), r2->eta.size());
  EXPECT_EQ(std::memcmp(r1->eta.data(), r2->eta.data(), 2 * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(r1->eta_sd.data(), r2->eta_sd.data(), 2 * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(r1->cov.data(), r2->cov.data(), 4 * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&r1->objective, &r2->objective, sizeof(double)), 0);
  EXPECT_EQ(r1->evaluations, r2->evaluations);
}

TEST(PkMap, UnusableDataAreErrorValues) {
  const auto prior = MapPrior::diagonal(std::vector{0.3});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto f = bolus_fn({1.0});
  EXPECT_FALSE(
      map_estimate(std::vector<MapObservation>{{1.0, nan, false, 0.0}}, f, prior, {1.0, 0.0}).ok());
  EXPECT_FALSE(
      map_estimate(std::vector<MapObservation>{{nan, 1.0, false, 0.0}}, f, prior, {1.0, 0.0}).ok());
  EXPECT_FALSE(
      map_estimate(std::vector<MapObservation>{{1.0, 0.0, true, 0.0}}, f, prior, {1.0, 0.0}).ok());
  const std::vector<MapObservation> one{{1.0, 1.0, false, 0.0}};
  EXPECT_FALSE(map_estimate(one, f, prior, {0.0, 0.0}).ok());
  EXPECT_FALSE(map_estimate(one, f, prior, {-1.0, 0.0}).ok());
  EXPECT_FALSE(map_estimate(one, f, MapPrior{}, {1.0, 0.0}).ok());
  EXPECT_FALSE(map_estimate(one, f, MapPrior::diagonal(std::vector{0.0}), {1.0, 0.0}).ok());
  EXPECT_FALSE(map_estimate(one, f, MapPrior{2, {1.0, 2.0, 2.0, 1.0}}, {1.0, 0.0}).ok());
  PredictFn wrong_size = [](std::span<const double>) -> Result<std::vector<double>> {
    return std::vector<double>{1.0, 2.0};
  };
  EXPECT_FALSE(map_estimate(one, wrong_size, prior, {1.0, 0.0}).ok());
  PredictFn failing = [](std::span<const double>) -> Result<std::vector<double>> {
    return Error{"test", "no dose history"};
  };
  auto e = map_estimate(one, failing, prior, {1.0, 0.0});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "no dose history");
  PredictFn nan_pred = [](std::span<const double>) -> Result<std::vector<double>> {
    return std::vector<double>{std::numeric_limits<double>::quiet_NaN()};
  };
  EXPECT_FALSE(map_estimate(one, nan_pred, prior, {1.0, 0.0}).ok());
  MapOptions bad;
  bad.max_starts = 0;
  EXPECT_FALSE(map_estimate(one, f, prior, {1.0, 0.0}, bad).ok());
}

}  // namespace
}  // namespace khe::pk
