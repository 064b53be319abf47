// The streaming JSON writer must give exactly the bytes nlohmann's dump(2) gave when the
// report was built as a tree: canonical pretty JSON, the same escaping and number text, the
// contract's key order. Random reports fill every field with awkward values.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "write/json_stream.h"
#include "write/json_writer.h"
#include "write/number.h"

namespace khe::write {
namespace {

using Ordered = nlohmann::ordered_json;

// nlohmann's own rendering of a report's text: what the writer must reproduce.
std::string canonical(const std::string& text) { return Ordered::parse(text).dump(2) + "\n"; }

std::string nlohmann_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Deterministic random values that stress escaping, number layout and empty containers.
class Random {
 public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool coin(int percent = 50) { return pick(100) < percent; }

  // Bytes of every kind: quotes, backslashes, control characters, valid multi-byte UTF-8
  // and ill-formed UTF-8 (stray continuation, truncated, overlong, surrogate, > U+10FFFF).
  std::string bytes() {
    // clang-format off
    static const char* const kPieces[] = {
        "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", "\x01", "\x1f", "\x7f",
        "é", "€", "≥", "𝄞", "µ",
        "\xff", "\x80", "\xc3", "\xe2\x82", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xf0\x9f", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf"};
    // clang-format on
    std::string s;
    for (int i = pick(4) == 0 ? 0 : pick(30); i > 0; --i) {
      if (coin(60)) {
        s += static_cast<char>(' ' + pick(95));
      } else if (coin(10)) {
        s += static_cast<char>(rng_());  // any byte at all, NUL included
      } else {
        s += kPieces[pick(static_cast<int>(std::size(kPieces)))];
      }
    }
    return s;
  }

  // Mostly plain text, as the engine writes it.
  std::string text() {
    if (coin(20)) return bytes();
    std::string s;
    for (int i = pick(60); i > 0; --i) s += static_cast<char>(' ' + pick(95));
    return s;
  }

  std::vector<std::string> texts() {
    std::vector<std::string> v(static_cast<std::size_t>(pick(4)));
    for (auto& s : v) s = text();
    return v;
  }

  // Any magnitude, sign, integral or not, the halfway cases of rounding, and non-finite.
  double number() {
    switch (pick(10)) {
      case 0:
        return coin() ? 0.0 : -0.0;
      case 1:
        return coin() ? std::numeric_limits<double>::quiet_NaN()
                      : std::numeric_limits<double>::infinity() * (coin() ? 1 : -1);
      case 2:
        return any_double();
      case 3:
        return pick(1000);
      case 4:
        return (pick(2000001) - 1000000) * 0.00005;
      default: {
        const double m = std::pow(10.0, std::uniform_real_distribution<double>(-9, 20)(rng_));
        return coin(85) ? m : -m;
      }
    }
  }

  double any_double() {
    const std::uint64_t bits = rng_();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  template <typename Q>
  std::optional<Q> quantity() {
    return coin(25) ? std::nullopt : std::optional<Q>(Q(number()));
  }
  std::optional<bool> flag() { return coin(30) ? std::nullopt : std::optional<bool>(coin()); }
  std::optional<int> count() {
    return coin(30) ? std::nullopt : std::optional<int>(static_cast<int>(rng_()) >> pick(31));
  }
  Instant instant() { return Instant(Seconds(static_cast<std::int64_t>(rng_() % 4000000000))); }
  Date date() { return Date(std::chrono::days(pick(40000))); }
  model::Comparator comparator() { return static_cast<model::Comparator>(pick(5)); }

  engine::Provenance why() {
    return {coin(80) ? "TX-1" : text(), texts(), coin(50) ? "" : text(), coin()};
  }

  engine::BodySize body() {
    engine::BodySize b;
    b.weight = quantity<Kilograms>();
    if (coin(70)) b.weight_time = instant();
    b.height = quantity<Centimetres>();
    if (coin(70)) b.height_time = instant();
    b.bsa = quantity<SquareMetres>();
    return b;
  }

  engine::Dose dose() {
    engine::Dose d;
    d.drug = text();
    d.dose = Milligrams(number());
    d.calculated = Milligrams(number());
    d.interval_h = number();
    d.route = text();
    d.basis = text();
    d.daily = quantity<Milligrams>();
    d.volume = quantity<Millilitres>();
    d.concentration = quantity<MgPerMl>();
    d.formulation = coin(30) ? "" : text();
    d.capped = coin();
    d.halved = coin();
    d.current = coin();
    d.body = body();
    d.notes = texts();
    d.why = why();
    return d;
  }

  engine::Response response() {
    engine::Response x;
    if (coin(70)) x.therapy_start = date();
    x.platelet_response = flag();
    x.durable_platelet_response_week4 = flag();
    x.days_to_platelet_response = count();
    x.fibrinogen_stabilized = flag();
    x.relapse = coin();
    if (coin()) x.resolution_date = date();
    if (coin()) x.lesion = lesion();
    x.why = why();
    return x;
  }

  engine::LesionResponse lesion() {
    engine::LesionResponse l;
    l.baseline = {number(), comparator()};
    l.baseline_time = instant();
    l.latest = {number(), comparator()};
    l.latest_time = instant();
    l.change_percent = number();
    l.category = text();
    l.why = why();
    return l;
  }

  engine::TherapyEpisode episode(bool full) {
    engine::TherapyEpisode e;
    e.drug = text();
    e.counts_for_therapy_start = coin();
    e.start = instant();
    if (coin()) e.end = instant();
    e.administrations = count().value_or(0);
    for (int i = (full ? 1 : 0) + pick(3); i > 0; --i) {
      engine::DoseStep d;
      d.time = instant();
      if (coin(70)) d.dose = Milligrams(number());
      if (coin(70)) d.interval_h = number();
      e.doses.push_back(d);
    }
    e.resources = texts();
    return e;
  }

  engine::Timeline timeline(bool full) {
    engine::Timeline t;
    const int min = full ? 1 : 0;
    for (int i = min + pick(3); i > 0; --i) {
      engine::Series s;
      s.analyte = text();
      s.unit = text();
      for (int k = min + pick(4); k > 0; --k) {
        engine::SeriesPoint p;
        p.time = instant();
        p.value = {number(), full && s.points.empty() ? model::Comparator::lt : comparator()};
        p.confounded = (full && s.points.empty()) || coin();
        s.points.push_back(p);
      }
      t.series.push_back(s);
    }
    for (int i = min + pick(3); i > 0; --i)
      t.thresholds.push_back({text(), number(), text(), why()});
    for (int i = min + pick(3); i > 0; --i)
      t.target_bands.push_back({instant(), instant(), number(), number(), text(), why()});
    for (int i = min + pick(3); i > 0; --i)
      t.events.push_back({text(), instant(), {text(), text()}});
    return t;
  }

  engine::TroughAssessment trough() {
    engine::TroughAssessment t;
    t.value = {number(), comparator()};
    t.time = instant();
    t.source = {text(), text()};
    t.phase = text();
    t.target_low = number();
    t.target_high = number();
    t.status = text();
    t.interpretable = coin();
    t.not_interpretable_because = texts();
    if (coin()) t.adjustment = dose();
    if (coin()) t.model_based = model_based(false);
    t.why = why();
    return t;
  }

  // A model-based estimate; `full` fills every optional part (tdm_json.h's members).
  engine::ModelBasedDosing model_based(bool full) {
    engine::ModelBasedDosing m;
    m.covers_child = coin();
    m.used_for_dose = coin();
    m.not_covered_because = texts();
    m.interacting_drugs = texts();
    m.target_source = text();
    m.why = why();
    if (!full && coin()) return m;
    pk::TdmResult f;
    f.model_id = text();
    f.eta_names = {"CL", "V"};
    f.eta = {number(), number()};
    f.eta_sd = {number(), std::numeric_limits<double>::quiet_NaN()};
    f.a_priori = coin();
    f.weight = Kilograms(number());
    if (full || coin()) f.age_years = number();
    f.individual = {};
    f.individual.cl_L_per_h = number();
    f.individual.v_L = number();
    f.individual.ka_per_h = number();
    f.typical = f.individual;
    if (full || coin()) f.current = pk::Regimen{Milligrams(number()), pk::Hours(number())};
    if (full || coin()) f.predicted_trough_ss = pk::NgPerMl(number());
    f.target_low_ng_per_ml = number();
    f.target_high_ng_per_ml = number();
    if (full || coin()) {
      pk::TdmRecommendation rec;
      rec.dose = Milligrams(number());
      rec.interval = pk::Hours(number());
      rec.volume = Millilitres(number());
      rec.concentration = MgPerMl(number());
      rec.tablets = {Milligrams(number())};
      rec.unrounded_dose = Milligrams(number());
      rec.limited_by_step = coin();
      rec.limited_by_cap = coin();
      rec.increase_withheld = coin();
      rec.predicted_trough_ss = pk::NgPerMl(number());
      if (full || coin()) rec.probability_in_target = number();
      rec.time_to_steady_state = pk::Hours(number());
      f.recommendation = rec;
    }
    for (int i = (full ? 2 : pick(3)); i > 0; --i) {
      pk::TdmObservation o;
      o.time = instant();
      o.blq = i == 1;
      o.value_ng_per_ml = number();
      o.lloq_ng_per_ml = number();
      o.predicted_ng_per_ml = number();
      o.population_ng_per_ml = number();
      f.observations.push_back(o);
    }
    f.doses_used = static_cast<std::size_t>(pick(1000));
    for (int i = (full ? 2 : pick(3)); i > 0; --i)
      f.curve.push_back({instant(), pk::NgPerMl(number()), coin()});
    for (int i = (full ? 1 : pick(3)); i > 0; --i) f.warnings.push_back({text(), text()});
    f.notes = texts();
    m.fit = f;
    return m;
  }

  engine::UsedValue used_value() {
    engine::UsedValue v;
    v.name = text();
    v.value = {number(), comparator()};
    v.unit = text();
    v.time = instant();
    v.age_hours = number();
    v.confounded = coin();
    v.source = {text(), text()};
    return v;
  }

  // `full`: every list has at least one item and every optional is set somewhere.
  engine::Report report(bool full = false) {
    const int min = full ? 1 : 0;
    engine::Report r;
    r.kmp_status = static_cast<engine::KmpStatus>(pick(6));
    if (coin(70)) r.kmp_severity = static_cast<engine::Band>(pick(3));
    if (coin(70)) r.platelets = model::Measured{number(), comparator()};
    r.kmp_definition = coin(30) ? "" : text();
    r.diagnosis = coin(30) ? "" : text();
    if (coin(70)) r.diagnosis_certainty = static_cast<model::Certainty>(pick(2));
    r.coagulopathy = flag();
    r.severe_hypofibrinogenemia = flag();
    r.coagulopathy_criteria = texts();
    r.anemia = flag();
    r.severe_anemia = flag();
    r.high_risk = coin();
    r.risk_reasons = texts();
    r.urgency = static_cast<engine::Urgency>(pick(3));
    r.urgency_reasons = texts();
    if (coin(70)) r.regimen = static_cast<engine::Regimen>(pick(7));
    r.regimen_null_reason = coin(40) ? "" : text();
    for (int i = min + pick(3); i > 0; --i) r.doses.push_back(dose());
    for (int i = min + pick(3); i > 0; --i) r.current_doses.push_back(dose());
    r.context = texts();
    if (coin(70)) r.regimen_why = why();
    for (int i = min + pick(4); i > 0; --i) {
      r.alerts.push_back(
          {text(), static_cast<engine::AlertSeverity>(pick(3)), text(), texts(), why()});
    }
    if (full || coin(60)) {
      r.response = response();
      if (full) r.response->lesion = lesion();
    }
    for (int i = min + pick(3); i > 0; --i) {
      engine::MonitoringItem m;
      m.test = text();
      if (coin(70)) m.last = instant();
      m.due = instant();
      m.interval_h = number();
      m.overdue = coin();
      m.why = why();
      r.monitoring.push_back(m);
    }
    for (int i = min + pick(3); i > 0; --i) {
      engine::AdverseEvent e;
      e.term = text();
      if (full || coin(80)) e.grade = 1 + pick(5);
      if (full || coin(70)) e.value = model::Measured{number(), comparator()};
      e.unit = text();
      e.time = instant();
      e.source = {text(), text()};
      e.attribution = texts();
      e.notes = texts();
      e.why = why();
      r.adverse_events.push_back(e);
    }
    for (int i = min + pick(3); i > 0; --i) r.therapy.push_back(episode(full));
    r.timeline = timeline(full);
    if (full || coin(60)) {
      r.sirolimus_trough = trough();
      if (full) r.sirolimus_trough->adjustment = dose();
      if (full) r.sirolimus_trough->model_based = model_based(true);
    }
    for (int i = min + pick(3); i > 0; --i) r.findings.push_back({why(), text()});
    for (int i = min + pick(5); i > 0; --i) r.values_used.push_back(used_value());
    r.body = body();
    r.age_days = count();
    r.corrected_age_days = count();
    for (int i = min + pick(3); i > 0; --i) {
      r.data_issues.push_back(
          {text(), static_cast<model::IssueSeverity>(pick(2)), {text(), text()}, text()});
    }
    r.engine_version = text();
    r.knowledge_version = text();
    r.profile = text();
    r.as_of = instant();
    r.input_sha256 = text();
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(cliJsonWriter, RandomReportsAreNlohmannsCanonicalPrettyJson) {
  for (std::uint64_t seed = 1; seed <= 1500; ++seed) {
    const std::string text = to_json(Random(seed).report());
    ASSERT_EQ(text, canonical(text)) << "seed " << seed;
  }
}

TEST(cliJsonWriter, EmptyReportKeepsEveryKeyWithEmptyContainersAndNulls) {
  const std::string text = to_json(engine::Report{});
  EXPECT_EQ(text, canonical(text));
  EXPECT_NE(text.find("\n  \"alerts\": [],\n"), std::string::npos);
  EXPECT_NE(text.find("\n  \"response\": null,\n"), std::string::npos);
  EXPECT_NE(text.find("\n    \"sources\": [],\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("\n  }\n}\n"));  // provenance, the report, one newline
}

// The member names of every object in a full report, in order, as the contract lists them.
TEST(cliJsonWriter, KeysFollowTheContractOrder) {
  const std::vector<std::string> why = {"rule_id", "sources", "evidence_tag", "local_default"};
  const std::vector<std::string> body = {"weight_kg", "weight_time", "height_cm", "height_time",
                                         "bsa_m2"};
  const auto join = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::vector<std::string> dose =
      join(join(join({"drug", "dose_mg", "interval_h", "route", "basis", "calculated_mg",
                      "daily_mg", "volume_mL", "concentration_mg_per_mL", "formulation", "capped",
                      "halved", "current"},
                     body),
                {"notes"}),
           why);
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"",
       {"kmp", "coagulopathy", "anemia", "risk", "urgency", "urgency_reasons", "recommendation",
        "alerts", "response", "sirolimus_trough", "monitoring", "adverse_events", "therapy",
        "timeline", "findings", "values_used", "patient", "data_quality", "provenance"}},
      {"kmp",
       {"status", "severity", "platelets_10e9_per_L", "platelets_comparator", "definition",
        "diagnosis", "diagnosis_certainty"}},
      {"coagulopathy", {"present", "severe_hypofibrinogenemia", "criteria"}},
      {"anemia", {"present", "severe"}},
      {"risk", {"level", "reasons"}},
      {"recommendation",
       join(join({"regimen", "doses", "null_reason"}, why), {"current_doses", "context"})},
      {"recommendation.doses[]", dose},
      {"recommendation.current_doses[]", dose},
      {"alerts[]", join({"code", "severity", "message", "details"}, why)},
      {"response", join({"therapy_start", "platelet_response", "durable_platelet_response_week4",
                         "days_to_platelet_response", "fibrinogen_stabilized", "relapse",
                         "resolution_date", "lesion"},
                        why)},
      {"response.lesion", join({"baseline_cm", "baseline_time", "latest_cm", "latest_time",
                                "change_percent", "category"},
                               why)},
      {"sirolimus_trough", join({"value_ng_per_mL", "comparator", "time", "resource", "path",
                                 "phase", "target_low", "target_high", "status", "interpretable",
                                 "not_interpretable_because", "adjustment", "model_based"},
                                why)},
      {"sirolimus_trough.adjustment", dose},
      {"sirolimus_trough.model_based", join({"covers_child", "used_for_dose", "not_covered_because",
                                             "interacting_drugs", "estimate"},
                                            why)},
      {"sirolimus_trough.model_based.estimate",
       {"model", "eta", "eta_sd", "a_priori", "covariates_at_as_of", "individual", "typical",
        "current_regimen", "predicted_trough_ss_ng_per_mL", "target", "recommendation",
        "observations_used", "observations", "doses_used", "curve", "warnings", "notes"}},
      {"sirolimus_trough.model_based.estimate.eta", {"CL", "V"}},
      {"sirolimus_trough.model_based.estimate.eta_sd", {"CL", "V"}},
      {"sirolimus_trough.model_based.estimate.covariates_at_as_of", {"weight", "age"}},
      {"sirolimus_trough.model_based.estimate.covariates_at_as_of.weight", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.covariates_at_as_of.age", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.individual",
       {"clearance", "volume", "ka", "half_life"}},
      {"sirolimus_trough.model_based.estimate.individual.clearance", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.individual.volume", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.individual.ka", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.individual.half_life", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.typical", {"clearance", "volume", "ka", "half_life"}},
      {"sirolimus_trough.model_based.estimate.typical.clearance", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.typical.volume", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.typical.ka", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.typical.half_life", {"value", "unit"}},
      {"sirolimus_trough.model_based.estimate.current_regimen", {"dose_mg", "interval_h"}},
      {"sirolimus_trough.model_based.estimate.target",
       {"low_ng_per_mL", "high_ng_per_mL", "source"}},
      {"sirolimus_trough.model_based.estimate.recommendation",
       {"dose_mg", "interval_h", "volume_mL", "concentration_mg_per_mL", "tablets_mg",
        "predicted_trough_ss_ng_per_mL", "probability_in_target", "time_to_steady_state_h",
        "unrounded_dose_mg", "limited_by_step", "limited_by_cap", "increase_withheld"}},
      {"sirolimus_trough.model_based.estimate.observations[]",
       {"time", "value_ng_per_mL", "individual_prediction_ng_per_mL",
        "population_prediction_ng_per_mL"}},
      {"sirolimus_trough.model_based.estimate.curve[]", {"time", "ng_per_mL", "projected"}},
      {"sirolimus_trough.model_based.estimate.warnings[]", {"code", "message"}},
      {"monitoring[]", join({"test", "last", "due", "status", "interval_h"}, why)},
      {"adverse_events[]", join({"term", "grade", "value", "comparator", "unit", "time", "resource",
                                 "path", "attribution", "notes"},
                                why)},
      {"therapy[]",
       {"drug", "counts_for_therapy_start", "start", "end", "administrations", "doses",
        "resources"}},
      {"therapy[].doses[]", {"time", "dose_mg", "interval_h"}},
      {"timeline", {"series", "thresholds", "target_bands", "events"}},
      {"timeline.series[]", {"analyte", "label", "unit", "points"}},
      {"timeline.series[].points[]", {"time", "value", "comparator", "confounded"}},
      {"timeline.thresholds[]", join({"analyte", "value", "meaning"}, why)},
      {"timeline.target_bands[]", join({"from", "to", "low", "high", "phase"}, why)},
      {"timeline.events[]", {"code", "time", "resource"}},
      {"findings[]", join(why, {"statement"})},
      {"values_used[]",
       {"name", "value", "comparator", "unit", "time", "age_hours", "confounded", "resource",
        "path"}},
      {"patient", join({"age_days", "corrected_age_days"}, body)},
      {"data_quality[]", {"code", "severity", "resource", "path", "message"}},
      {"provenance", {"engine_version", "knowledge_version", "profile", "as_of", "input_sha256"}},
  };
  // Collects each object's keys once, by path, in document order.
  std::vector<std::pair<std::string, std::vector<std::string>>> actual;
  const auto walk = [&](const auto& self, const Ordered& j, const std::string& path) -> void {
    if (j.is_array() && !j.empty()) self(self, j.front(), path + "[]");
    if (!j.is_object()) return;
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    actual.emplace_back(path, keys);
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto& v = it.value();
      if (v.is_object() || (v.is_array() && !v.empty() && v.front().is_object())) {
        self(self, v, (path.empty() ? "" : path + ".") + it.key());
      }
    }
  };
  walk(walk, Ordered::parse(to_json(Random(7).report(/*full=*/true))), "");
  EXPECT_EQ(actual, expected);
}

TEST(cliJsonWriter, StringsAreEscapedExactlyAsNlohmannDoes) {
  const std::vector<std::string> fixed = {
      "",
      "plain",
      "\"quoted\" \\ back/slash",
      std::string("nul\0byte", 8),
      "\b\f\n\r\t\x01\x1f\x7f",
      "0.8 mg/m² ≥ 10⁹/L 𝄞",
      "\xff",
      "trail \xe2\x82",
      "\xc0\x80 overlong",
      "\xed\xa0\x80 surrogate",
      "\xf4\x90\x80\x80 too high",
      "\xe2\x82\xe2\x82\xac stray lead then €",
      "\x80\x80 continuations",
  };
  for (const auto& s : fixed) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, nlohmann_string(s)) << s;
  }
  Random random(42);
  for (int i = 0; i < 20000; ++i) {
    const std::string s = random.bytes();
    std::string out = "prefix";  // appends, never rewrites what was there
    append_json_string(out, s);
    ASSERT_EQ(out, "prefix" + nlohmann_string(s)) << "case " << i;
  }
}

TEST(cliJsonWriter, DoublesPrintAsNlohmannAndRoundTripExactly) {
  Random random(99);
  for (int i = 0; i < 50000; ++i) {
    const double d = i % 2 ? random.any_double() : random.number();
    std::string out;
    append_json_double(out, d);
    ASSERT_EQ(out, nlohmann::json(d).dump());
    if (!std::isfinite(d)) {
      EXPECT_EQ(out, "null");
      continue;
    }
    const double back = nlohmann::json::parse(out).get<double>();
    ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << out;  // bit for bit, so -0.0 too
  }
}

// round_to's table of powers of ten gives what pow() gives.
TEST(cliJsonWriter, RoundToScalesByTheExactPowerOfTen) {
  Random random(7);
  for (int decimals = 0; decimals <= 22; ++decimals) {
    const double scale = std::pow(10.0, decimals);
    for (int i = 0; i < 2000; ++i) {
      const double v = random.number();
      double expected = std::round(v * scale) / scale;
      if (expected == 0) expected = 0.0;
      const double got = round_to(v, decimals);
      ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0) << v << " " << decimals;
    }
  }
}

// Report numbers are rounded for display, then must survive the text unchanged.
TEST(cliJsonWriter, ReportNumbersRoundTripToTheirRoundedValue) {
  Random random(5);
  for (int i = 0; i < 5000; ++i) {
    engine::Report r;
    const double v = random.number();
    r.values_used.push_back({"x", {v, model::Comparator::none}, "", Instant{}, v, false, {}});
    const auto j = nlohmann::json::parse(to_json(r))["values_used"][0];
    for (const auto& [key, decimals] : {std::pair{"value", 6}, std::pair{"age_hours", 2}}) {
      const double expected = round_to(v, decimals);
      if (!std::isfinite(expected)) {
        EXPECT_TRUE(j[key].is_null());
      } else {
        ASSERT_EQ(j[key].get<double>(), expected) << v << " " << key;
      }
    }
  }
}

// An adverse event the data cannot grade (an infection) says so with nulls, never a 0.
TEST(cliJsonWriter, UngradedAdverseEventHasNullGradeValueAndUnit) {
  engine::Report r;
  engine::AdverseEvent e;
  e.term = "infection";
  e.notes = {"clinician to grade"};
  r.adverse_events.push_back(e);
  const auto j = nlohmann::json::parse(to_json(r))["adverse_events"][0];
  EXPECT_TRUE(j["grade"].is_null());
  EXPECT_TRUE(j["value"].is_null());
  EXPECT_TRUE(j["comparator"].is_null());
  EXPECT_TRUE(j["unit"].is_null());
  EXPECT_EQ(j["notes"], nlohmann::json::array({"clinician to grade"}));
  e.grade = 2;
  e.value = model::Measured{0.4, model::Comparator::lt};
  e.unit = "10*9/L";
  r.adverse_events = {e};
  const auto g = nlohmann::json::parse(to_json(r))["adverse_events"][0];
  EXPECT_EQ(g["grade"], 2);
  EXPECT_EQ(g["value"], 0.4);
  EXPECT_EQ(g["comparator"], "<");
}

}  // namespace
}  // namespace khe::write
