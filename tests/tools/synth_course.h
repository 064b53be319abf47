// A synthetic two-year course of one infant with KHE and the Kasabach-Merritt phenomenon,
// as a FHIR R4 Bundle (JSON text), for the benchmark and the tests. Deterministic: the
// same options give the same bytes (std::mt19937 with the given seed; no clock, no files).
// Header-only so the bench, the tests and the `synth_course` tool share one generator.
//
// The story, day 0 being the first sirolimus dose (2024-03-04, the child 8 weeks old):
// - severe KMP at diagnosis (platelets falling to about 12 x10^9/L, fibrinogen below the
//   assay's range, D-dimer above it), a biopsy and three platelet transfusions around it;
// - sirolimus from day 0 with prednisolone (tapered and stopped by day 42) and TMP-SMX;
//   platelets stay under 100 until day 13 and are above 100 from day 14 on, for good;
// - sirolimus troughs drive about twenty dose changes (each a new MedicationRequest that
//   closes the previous one), down to the long-term range after a year; one request is
//   duplicated by a MedicationStatement; the evening doses before the last troughs are
//   recorded as MedicationAdministrations; a fluconazole course raises the levels for
//   two weeks;
// - labs daily at first, then twice a week, weekly, and evenly spaced to the last day,
//   spaced so the count of lab Observations meets the target; weight and length every
//   three weeks; the lesion's largest diameter every few months. The safety chemistry
//   (ALT, triglycerides, cholesterol, creatinine, urine protein) is drawn monthly for three
//   months, then every twelve weeks.
// All values are synthetic. Codes and units are those of the input contract
// (shared/contract/fhir-input.md) and knowledge/analytes.json.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/time.h"

namespace khe::synth {

struct SynthOptions {
  double years = 2.0;             // from the first sirolimus dose to as-of (at least 0.5)
  int labs = 400;                 // target number of laboratory Observations (the first 98
                                  // days alone hold about 170: a floor)
  int medication_changes = 30;    // MedicationRequests plus the one MedicationStatement (at
                                  // least 11: 10 other than sirolimus requests; fewer when
                                  // there are not enough troughs to change the dose after)
  int administrations = 10;       // sirolimus doses given, one before each of the last troughs
  std::uint32_t seed = 20240304;  // changes the values, never the counts or the dates
};

struct SynthCourse {
  std::string bundle;                 // the FHIR R4 Bundle
  Instant as_of{};                    // the evaluation time the course implies (noon, the day after
                                      // the last draw)
  Date therapy_start{};               // day 0: the first sirolimus dose
  int days_to_platelet_response = 0;  // first non-confounded count above 100
  int labs = 0;                       // laboratory Observations (not weight, length, lesion)
  int comparator_values = 0;          // of which reported as "<" or ">"
  int body_measurements = 0;          // weight and length Observations
  int lesion_measurements = 0;        // lesion-largest-diameter Observations
  int findings = 0;                   // coded findings (lesion site and growth)
  int medication_changes = 0;         // MedicationRequests and MedicationStatements
  int sirolimus_requests = 0;
  int administrations = 0;  // MedicationAdministrations
  int procedures = 0;       // transfusions and the biopsy
};

namespace detail {

inline constexpr int kDrawMinute = 8 * 60;  // labs are drawn at 08:00 (+ up to 20 min)
inline constexpr int kFirstLateDay = 98;    // evenly spaced draws from here to the end
inline constexpr int kBirthBeforeDay0 = 56;

enum class Lab {
  platelets,
  hemoglobin,
  fibrinogen,
  ddimer,
  neutrophils,
  alt,
  triglycerides,
  cholesterol,
  creatinine,
  urine_protein,
  sirolimus
};

struct LabEvent {
  int day = 0;
  Lab lab = Lab::platelets;
};

struct Plan {
  std::vector<int> draw_days;
  std::vector<LabEvent> labs;
  std::vector<int> trough_days;
};

// Which tests are drawn on which day. Depends only on the calendar, never on values, so the
// counts do not change with the seed.
inline Plan plan(int last_day, int n_late) {
  std::vector<int> days;
  for (int d = -3; d <= 14; ++d) days.push_back(d);
  for (int d : {17, 21, 24, 28, 35, 42, 49, 56, 63, 70, 77, 84}) days.push_back(d);
  if (n_late == 1) days.push_back(last_day);
  for (int k = 0; n_late >= 2 && k < n_late; ++k)
    days.push_back(kFirstLateDay +
                   static_cast<int>(std::lround(static_cast<double>(k) *
                                                (last_day - kFirstLateDay) / (n_late - 1))));
  std::erase_if(days, [&](int d) { return d > last_day; });
  if (days.back() != last_day) days.push_back(last_day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());

  Plan p;
  p.draw_days = days;
  int late_index = 0;
  int last_chem = -1000;
  int last_trough = -1000;
  for (int d : days) {
    const bool late = d >= kFirstLateDay;
    auto add = [&](Lab l) { p.labs.push_back({d, l}); };
    add(Lab::platelets);
    add(Lab::hemoglobin);
    add(Lab::fibrinogen);
    if ((d <= 14 && (d % 2 == 0 || d == -3)) || (d > 14 && !late) || (late && late_index % 2 == 0))
      add(Lab::ddimer);
    if (d > 14 || d == -3 || d == 0 || d == 7 || d == 14) add(Lab::neutrophils);
    if (d - last_chem >= (d <= 90 ? 28 : 84)) {
      add(Lab::alt);
      add(Lab::triglycerides);
      add(Lab::cholesterol);
      add(Lab::creatinine);
      add(Lab::urine_protein);
      last_chem = d;
    }
    const bool early_trough =
        d == 4 || d == 7 || d == 11 || d == 14 || d == 21 || d == 28 || (d > 28 && d % 14 == 0);
    if ((!late && early_trough) || (late && d - last_trough >= 26)) {
      add(Lab::sirolimus);
      p.trough_days.push_back(d);
      last_trough = d;
    }
    if (late) ++late_index;
  }
  return p;
}

class Writer {
 public:
  Writer(std::uint32_t seed, Instant day0) : seed_(seed), day0_(day0) {}

  std::string uuid() {
    // splitmix64 of (seed, entry number): stable ids that do not consume the value PRNG.
    auto mix = [](std::uint64_t z) {
      z += 0x9e3779b97f4a7c15ULL;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      return z ^ (z >> 31);
    };
    const std::uint64_t a = mix((static_cast<std::uint64_t>(seed_) << 32) ^ next_id_);
    const std::uint64_t b = mix(a ^ static_cast<std::uint64_t>(next_id_++));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>((b >> 48) & 0xfff),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
  }

  // Adds one entry; `body` is the resource's members after resourceType and id.
  void add(const char* type, const std::string& body) {
    const std::string id = uuid();
    if (!out_.empty()) out_ += ",\n";
    out_ += R"({"fullUrl":"urn:uuid:)" + id + R"(","resource":{"resourceType":")" + type +
            R"(","id":")" + id + "\"" + (body.empty() ? "" : ",") + body + "}}";
    if (patient_ref_.empty()) patient_ref_ = R"("subject":{"reference":"urn:uuid:)" + id + "\"}";
  }

  const std::string& subject() const { return patient_ref_; }
  std::string finish() const {
    return "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[\n" + out_ + "\n]}\n";
  }

  Instant at(int day, int minute) const { return day0_ + days(day) + Seconds(60LL * minute); }
  std::string time(int day, int minute) const {
    return "\"" + format_instant(at(day, minute)) + "\"";
  }

 private:
  std::uint32_t seed_;
  Instant day0_;
  std::uint64_t next_id_ = 1;
  std::string out_;
  std::string patient_ref_;
};

inline std::string num(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

inline std::string quantity(const std::string& value, const std::string& ucum,
                            const char* comparator = nullptr) {
  return std::string("{") +
         (comparator ? R"("comparator":")" + std::string(comparator) + "\"," : "") + R"("value":)" +
         value + R"(,"unit":")" + ucum + R"(","system":"http://unitsofmeasure.org","code":")" +
         ucum + "\"}";
}

inline std::string coding(const char* system, const std::string& code) {
  return R"({"coding":[{"system":")" + std::string(system) + R"(","code":")" + code + "\"}]}";
}

inline constexpr const char* kLoinc = "http://loinc.org";
inline constexpr const char* kFinding = "http://khe-cds.org/fhir/CodeSystem/finding";
inline constexpr const char* kProcedure = "http://khe-cds.org/fhir/CodeSystem/procedure";
inline constexpr const char* kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";

// Infant growth (synthetic curves): kg and cm at an age in days.
inline double weight_kg(int age) { return 3.4 + 8.0 * (1 - std::exp(-age / 260.0)); }
inline double length_cm(int age) { return 50 + 38 * (1 - std::exp(-age / 330.0)); }
inline double bsa_m2(int age) { return std::sqrt(weight_kg(age) * length_cm(age) / 3600); }

struct Drug {
  const char* rxnorm;
  const char* name;
};
inline constexpr Drug kSirolimus{"35302", "sirolimus"};
inline constexpr Drug kPrednisolone{"8638", "prednisolone"};
inline constexpr Drug kFluconazole{"4450", "fluconazole"};
inline constexpr Drug kTmpSmx{"10831", "trimethoprim-sulfamethoxazole"};

// One course record with its dose: a MedicationRequest (authoredOn + boundsPeriod) or a
// MedicationStatement (effectivePeriod). `end_day` < start means still given.
struct Order {
  Drug drug;
  double mg = 0;
  double period_h = 24;
  int frequency = 1;
  int start_day = 0;
  int start_minute = 0;
  int end_day = -10000;
  int end_minute = 0;
  const char* status = "active";
  bool days_of_week = false;  // given on Monday to Wednesday only
};

inline std::string medication_body(const Writer& w, const Order& o, bool statement) {
  const std::string drug_concept = R"("medicationCodeableConcept":{"coding":[{"system":")" +
                                   std::string(kRxNorm) + R"(","code":")" + o.drug.rxnorm +
                                   R"(","display":")" + o.drug.name + R"("}],"text":")" +
                                   o.drug.name + "\"}";
  const bool closed = o.end_day >= o.start_day;
  const std::string period = R"({"start":)" + w.time(o.start_day, o.start_minute) +
                             (closed ? R"(,"end":)" + w.time(o.end_day, o.end_minute) : "") + "}";
  const std::string repeat = R"("repeat":{"frequency":)" + std::to_string(o.frequency) +
                             R"(,"period":)" + num(o.period_h, 0) + R"(,"periodUnit":"h")" +
                             (o.days_of_week ? R"(,"dayOfWeek":["mon","tue","wed"])" : "") +
                             (statement ? "" : R"(,"boundsPeriod":)" + period) + "}";
  const std::string dosage = R"({"timing":{)" + repeat +
                             R"(},"route":{"text":"oral"},"doseAndRate":[{"doseQuantity":)" +
                             quantity(num(o.mg, 2), "mg") + "}]}";
  std::string body = R"("status":")" + std::string(o.status) + "\",";
  if (!statement) body += R"("intent":"order",)";
  body += w.subject() + "," + drug_concept + ",";
  if (statement)
    body += R"("effectivePeriod":)" + period + R"(,"dosage":[)" + dosage + "]";
  else
    body += R"("authoredOn":)" + w.time(o.start_day, std::max(0, o.start_minute - 120)) +
            R"(,"dosageInstruction":[)" + dosage + "]";
  return body;
}

}  // namespace detail

inline SynthCourse synth_course(const SynthOptions& options) {
  using namespace detail;
  const Date day0_date = std::chrono::sys_days(std::chrono::year{2024} / 3 / 4);
  const Instant day0 = start_of(day0_date);
  const int total_days =
      static_cast<int>(std::lround(std::max(options.years, 0.5) * 365.25));  // as-of day
  const int last_day = total_days - 1;

  // The late-draw count whose plan comes closest to the lab target.
  int n_late = 0;
  {
    std::size_t best_gap = SIZE_MAX;
    for (int n = 0; n <= 4000; ++n) {
      const std::size_t count = plan(last_day, n).labs.size();
      const std::size_t target = static_cast<std::size_t>(std::max(options.labs, 0));
      const std::size_t gap = count > target ? count - target : target - count;
      if (gap < best_gap) best_gap = gap, n_late = n;
      if (count >= target) break;
    }
  }
  const Plan p = plan(last_day, n_late);

  std::mt19937 rng(options.seed);
  auto uni = [&] { return static_cast<double>(rng()) / 4294967296.0; };  // [0, 1), portable
  auto jitter = [&](double rel) { return 1 + rel * (2 * uni() - 1); };

  SynthCourse out;
  out.therapy_start = day0_date;
  out.as_of = day0 + days(total_days) + hours(12);
  Writer w(options.seed, day0);

  // --- Patient and diagnosis
  const Date birth = day0_date - std::chrono::days(kBirthBeforeDay0);
  w.add("Patient", R"("gender":"female","birthDate":")" + format_date(birth) + "\"");
  w.add(
      "Condition",
      w.subject() +
          R"(,"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},)"
          R"("clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},)"
          R"("code":{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/diagnosis","code":"khe"}],"text":"kaposiform hemangioendothelioma"},)"
          R"("evidence":[{"code":[)" +
          coding(kFinding, "basis-histology") + "," + coding(kFinding, "basis-imaging") +
          R"(]}],"recordedDate":)" + w.time(-1, 18 * 60));

  // --- Coded findings: site and growth of the lesion
  auto finding = [&](int day, const char* code, const char* value) {
    w.add("Observation", R"("status":"final",)" + w.subject() + R"(,"code":)" +
                             coding(kFinding, code) + R"(,"effectiveDateTime":)" +
                             w.time(day, 10 * 60) + R"(,"valueCodeableConcept":)" +
                             coding(kFinding, value));
    ++out.findings;
  };
  finding(-3, "lesion-site", "site-muscle-or-deeper");
  finding(-3, "lesion-growth", "growth-progressive");
  if (last_day >= 90) finding(90, "lesion-growth", "growth-stable");
  if (last_day >= 365) finding(365, "lesion-growth", "growth-regressing");

  // --- Procedures: biopsy and three platelet transfusions around it
  struct Proc {
    int day;
    int minute;
    const char* code;
    const char* indication;
  };
  const Proc procs[] = {{-3, 11 * 60, "platelet-transfusion", "indication-active-bleeding"},
                        {-1, 9 * 60 + 30, "platelet-transfusion", "indication-pre-procedure"},
                        {-1, 13 * 60, "biopsy", nullptr},
                        {3, 15 * 60, "platelet-transfusion", "indication-active-bleeding"}};
  for (const Proc& pr : procs) {
    std::string body = R"("status":"completed",)" + w.subject() + R"(,"code":)" +
                       coding(kProcedure, pr.code) + R"(,"performedDateTime":)" +
                       w.time(pr.day, pr.minute);
    if (pr.indication) body += R"(,"reasonCode":[)" + coding(kProcedure, pr.indication) + "]";
    w.add("Procedure", body);
    ++out.procedures;
  }
  // Days since the latest platelet transfusion given before the draw, or -1 beyond 7 days;
  // `confounded` as CONF-1 counts it (at most 7 days after the transfusion).
  auto days_since_transfusion = [&](int day, int minute) {
    int since = -1;
    for (const Proc& pr : procs) {
      if (std::string_view(pr.code) != "platelet-transfusion") continue;
      const Instant given = w.at(pr.day, pr.minute), drawn = w.at(day, minute);
      if (given <= drawn && drawn <= given + days(7) && (since < 0 || day - pr.day < since))
        since = day - pr.day;
    }
    return since;
  };

  // --- Sirolimus: doses driven by troughs. A trough is drawn at 08:00, twelve hours after
  // the evening dose; the dose changes that evening at 20:00.
  const int age0 = kBirthBeforeDay0;
  const int fluconazole_from = std::min(250, last_day - 30);
  const int fluconazole_to = fluconazole_from + 14;
  auto clearance_factor = [&](int day) {  // ng/mL per mg/m2 per dose, falls as the child grows
    return 8.0 - 2.5 * std::min(1.0, std::max(0, day) / 540.0);
  };
  auto target_mid = [&](int day) { return day < 60 ? 11.5 : day < 365 ? 9.0 : 3.5; };
  const int n_other_orders = 9;  // prednisolone 5, TMP-SMX 3, fluconazole 1
  const int n_sirolimus = std::max(1, options.medication_changes - n_other_orders - 1);
  std::vector<int> change_days;  // the trough days after which the dose changes
  {
    std::vector<int> candidates;
    for (int d : p.trough_days)
      if (d >= 7 && d < p.trough_days.back()) candidates.push_back(d);
    const int n = std::min<int>(n_sirolimus - 1, static_cast<int>(candidates.size()));
    for (int k = 0; k < n; ++k)
      change_days.push_back(candidates[static_cast<std::size_t>(
          n == 1 ? 0 : std::lround(static_cast<double>(k) * (candidates.size() - 1) / (n - 1)))]);
  }
  std::vector<Order> sirolimus;
  {
    Order o{kSirolimus};
    o.period_h = 12;
    o.start_day = 0;
    o.start_minute = 8 * 60;
    o.mg = std::round(0.8 * bsa_m2(age0) * 100) / 100;  // 0.8 mg/m2 per dose
    sirolimus.push_back(o);
  }
  auto dose_on = [&](int day) {  // the dose of the evening before `day`'s trough
    double mg = sirolimus.front().mg;
    for (const Order& o : sirolimus)
      if (o.start_day < day) mg = o.mg;
    return mg;
  };
  std::vector<double> trough_level(p.trough_days.size());
  for (std::size_t i = 0; i < p.trough_days.size(); ++i) {
    const int d = p.trough_days[i];
    double level = clearance_factor(d) * dose_on(d) / bsa_m2(age0 + d) * jitter(0.15);
    if (d > fluconazole_from && d <= fluconazole_to + 3) level *= 1.6;  // CYP3A4 inhibition
    level = std::round(level * 10) / 10;
    trough_level[i] = level;
    if (std::find(change_days.begin(), change_days.end(), d) == change_days.end()) continue;
    Order next = sirolimus.back();
    const double raw = next.mg * target_mid(d) / level;
    double mg = std::clamp(raw, next.mg * 0.5, next.mg * 1.5);
    mg = std::max(0.05, std::round(mg * 100) / 100);
    if (mg == next.mg) mg += raw > next.mg ? 0.01 : -0.01;
    sirolimus.back().status = "stopped";
    sirolimus.back().end_day = d;
    sirolimus.back().end_minute = 20 * 60;
    next.mg = mg;
    next.start_day = d;
    next.start_minute = 20 * 60;
    sirolimus.push_back(next);
  }

  std::vector<Order> others;
  {
    // Prednisolone 2 mg/kg/day, tapered weekly from day 14 and stopped on day 42.
    const double start_mg = std::round(2 * weight_kg(age0) * 2) / 2;
    const double steps[] = {1.0, 0.75, 0.5, 0.25, 0.125};
    const int from[] = {0, 14, 21, 28, 35, 42};
    for (int i = 0; i < 5; ++i) {
      Order o{kPrednisolone};
      o.mg = std::round(start_mg * steps[i] * 100) / 100;
      o.start_day = from[i];
      o.start_minute = 8 * 60;
      o.end_day = from[i + 1];
      o.end_minute = 8 * 60;
      o.status = i == 4 ? "completed" : "stopped";
      others.push_back(o);
    }
    // TMP-SMX: trimethoprim 150 mg/m2/day as two doses on three days a week, re-dosed as
    // the child grows.
    const int tmp_from[] = {0, 180, 450};
    for (int i = 0; i < 3; ++i) {
      Order o{kTmpSmx};
      o.mg = std::round(75 * bsa_m2(age0 + tmp_from[i]) * 2) / 2;
      o.days_of_week = true;
      o.frequency = 2;
      o.period_h = 24;
      o.start_day = std::min(tmp_from[i], last_day);
      o.start_minute = 9 * 60;
      if (i < 2) {
        o.end_day = std::min(tmp_from[i + 1], last_day);
        o.end_minute = 9 * 60;
        o.status = "stopped";
      }
      others.push_back(o);
    }
    // Fluconazole 6 mg/kg once a day for two weeks.
    Order f{kFluconazole};
    f.mg = std::round(6 * weight_kg(age0 + fluconazole_from));
    f.start_day = fluconazole_from;
    f.start_minute = 10 * 60;
    f.end_day = fluconazole_to;
    f.end_minute = 10 * 60;
    f.status = "completed";
    others.push_back(f);
  }
  for (const Order& o : sirolimus) w.add("MedicationRequest", medication_body(w, o, false));
  for (const Order& o : others) w.add("MedicationRequest", medication_body(w, o, false));
  {
    // The ward's medication list repeats the third sirolimus order as a statement.
    Order copy = sirolimus[std::min<std::size_t>(2, sirolimus.size() - 1)];
    if (std::string_view(copy.status) == "stopped") copy.status = "completed";
    w.add("MedicationStatement", medication_body(w, copy, true));
  }
  out.sirolimus_requests = static_cast<int>(sirolimus.size());
  out.medication_changes = static_cast<int>(sirolimus.size() + others.size()) + 1;

  // Administrations: the evening dose before each of the last troughs.
  {
    const std::size_t n = std::min<std::size_t>(
        static_cast<std::size_t>(std::max(options.administrations, 0)), p.trough_days.size());
    for (std::size_t i = p.trough_days.size() - n; i < p.trough_days.size(); ++i) {
      const int d = p.trough_days[i];
      w.add("MedicationAdministration",
            R"("status":"completed",)" + w.subject() +
                R"(,"medicationCodeableConcept":{"coding":[{"system":")" + kRxNorm +
                R"(","code":"35302","display":"sirolimus"}],"text":"sirolimus"},)"
                R"("effectiveDateTime":)" +
                w.time(d - 1, 20 * 60) + R"(,"dosage":{"route":{"text":"oral"},"dose":)" +
                quantity(num(dose_on(d), 2), "mg") + "}");
      ++out.administrations;
    }
  }

  // --- Laboratory Observations
  auto observation = [&](const char* loinc, int day, int minute, const std::string& q,
                         const std::string& extra = "") {
    w.add(
        "Observation",
        R"("status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],)" +
            w.subject() + R"(,"code":)" + coding(kLoinc, loinc) + R"(,"effectiveDateTime":)" +
            w.time(day, minute) + R"(,"valueQuantity":)" + q + extra);
  };
  bool first_response_seen = false;
  std::size_t trough_i = 0;
  int ddimer_n = 0;
  int n_by_lab[11] = {};
  int minute = kDrawMinute;
  int minute_day = -100;
  for (const LabEvent& e : p.labs) {
    const int d = e.day;
    if (d != minute_day) minute = kDrawMinute + static_cast<int>(uni() * 20), minute_day = d;
    const double t = d;
    int& n = n_by_lab[static_cast<int>(e.lab)];
    ++out.labs;
    switch (e.lab) {
      case Lab::platelets: {
        double v;
        if (d < 0) {
          v = 22 - 5 * (d + 3) + 2 * (2 * uni() - 1);  // 22, 17, 12, then 10 on day 0
        } else if (d <= 13) {
          v = std::min(97.0, 10 + 84 * std::pow(t / 13, 1.5) * jitter(0.06));
        } else {
          v = 125 + 150 * (1 - std::exp(-(t - 14) / 30)) * jitter(0.12);
          if (d == 14) v = 108 + 10 * uni();
          v = std::max(v, 112.0);
        }
        // Transfused platelets are consumed within days in KMP: a small, short rise.
        const int since = days_since_transfusion(d, minute);
        if (since > 0) v += 20 * std::exp(-(since - 1));
        if (!first_response_seen && d >= 1 && v > 100 && since < 0) {
          first_response_seen = true;
          out.days_to_platelet_response = d;
        }
        const bool per_ul = n % 5 == 4;
        observation("777-3", d, minute, quantity(num(v, 0), per_ul ? "10*3/uL" : "10*9/L"));
        break;
      }
      case Lab::hemoglobin: {
        double v =
            d < 0 ? 8.4 - 0.2 * (d + 3) : std::min(12.4, 8.0 + 3.8 * (1 - std::exp(-t / 40)));
        v *= jitter(0.04);
        if (n % 7 == 6)
          observation("718-7", d, minute, quantity(num(v * 10, 0), "g/L"));
        else
          observation("718-7", d, minute, quantity(num(v, 1), "g/dL"));
        break;
      }
      case Lab::fibrinogen: {  // g/L
        if (d == -3) {
          observation("3255-7", d, minute, quantity("40", "mg/dL", "<"));
          ++out.comparator_values;
          break;
        }
        double v = d <= 10   ? 0.45 + 1.25 * (t + 2) / 12 + 0.03 * (2 * uni() - 1)
                   : d <= 30 ? 1.7 + 0.6 * uni()
                             : 2.0 + 1.0 * uni();
        if (n % 4 == 3)
          observation("3255-7", d, minute, quantity(num(v, 2), "g/L"));
        else
          observation("3255-7", d, minute, quantity(num(v * 100, 0), "mg/dL"));
        break;
      }
      case Lab::ddimer: {  // mg/L FEU
        const std::string range =
            R"(,"referenceRange":[{"high":)" + quantity("0.5", "mg/L{FEU}") + "}]";
        ++ddimer_n;
        if (d < 0) {
          observation("48065-7", d, minute, quantity("20", "mg/L{FEU}", ">"), range);
          ++out.comparator_values;
          break;
        }
        double v = 0.25 + 16 * std::exp(-t / 12) * jitter(0.15) + 0.15 * uni();
        if (d >= kFirstLateDay && ddimer_n % 9 == 0) {
          observation("48065-7", d, minute, quantity("0.27", "mg/L{FEU}", "<"), range);
          ++out.comparator_values;
          break;
        }
        if (n % 3 == 2)
          observation("48065-7", d, minute, quantity(num(v, 2), "ug/mL{FEU}"), range);
        else
          observation("48065-7", d, minute, quantity(num(v, 2), "mg/L{FEU}"), range);
        break;
      }
      case Lab::neutrophils: {
        double v = 3.2 * jitter(0.35);
        if (d >= 110 && d <= 130) v = 1.3 * jitter(0.1);  // a mild dip on sirolimus
        observation("751-8", d, minute, quantity(num(v, 2), "10*9/L"));
        break;
      }
      case Lab::alt: {
        double v = 24 * jitter(0.35);
        if (d > fluconazole_from && d <= fluconazole_to + 7) v = 70 * jitter(0.1);
        observation("1742-6", d, minute, quantity(num(v, 0), "U/L"));
        break;
      }
      case Lab::triglycerides: {  // mg/dL; 1 mmol/L = 88.57 mg/dL
        double v = (d <= 0 ? 120 : d < 365 ? 210 : 150) * jitter(0.2);
        if (n % 2 == 1)
          observation("2571-8", d, minute, quantity(num(v / 88.57, 2), "mmol/L"));
        else
          observation("2571-8", d, minute, quantity(num(v, 0), "mg/dL"));
        break;
      }
      case Lab::cholesterol: {  // mg/dL; 1 mmol/L = 38.665 mg/dL
        double v = (d <= 0 ? 140 : 185) * jitter(0.12);
        if (n % 3 == 2)
          observation("2093-3", d, minute, quantity(num(v / 38.665, 2), "mmol/L"));
        else
          observation("2093-3", d, minute, quantity(num(v, 0), "mg/dL"));
        break;
      }
      case Lab::creatinine: {  // mg/dL; 1 mg/dL = 88.42 umol/L
        const double v = (0.22 + 0.1 * std::min(1.0, t / 700)) * jitter(0.15);
        if (n % 2 == 1)
          observation("2160-0", d, minute, quantity(num(v * 88.42, 0), "umol/L"));
        else
          observation("2160-0", d, minute, quantity(num(v, 2), "mg/dL"));
        break;
      }
      case Lab::urine_protein: {
        observation("2888-6", d, minute, quantity(num(6 + 8 * uni(), 0), "mg/dL"));
        break;
      }
      case Lab::sirolimus: {
        const double v = trough_level[trough_i++];
        observation("29247-4", d, minute, quantity(num(v, 1), n % 6 == 5 ? "ug/L" : "ng/mL"));
        break;
      }
    }
    ++n;
  }

  // --- Weight and length every three weeks, and on the last day
  std::vector<int> body_days;
  for (int d = -3; d < last_day; d += 21) body_days.push_back(d);
  body_days.push_back(last_day);
  for (int d : body_days) {
    const int age = age0 + d;
    const double kg = weight_kg(age) * jitter(0.02);
    const std::string wq = d < 0 ? quantity(num(kg * 1000, 0), "g") : quantity(num(kg, 2), "kg");
    w.add("Observation", R"("status":"final",)" + w.subject() + R"(,"code":)" +
                             coding(kLoinc, "29463-7") + R"(,"effectiveDateTime":)" +
                             w.time(d, 9 * 60) + R"(,"valueQuantity":)" + wq);
    const char* loinc = age < 730 ? "8306-3" : "8302-2";  // length lying, then height
    w.add("Observation", R"("status":"final",)" + w.subject() + R"(,"code":)" +
                             coding(kLoinc, loinc) + R"(,"effectiveDateTime":)" +
                             w.time(d, 9 * 60) + R"(,"valueQuantity":)" +
                             quantity(num(length_cm(age) * jitter(0.005), 1), "cm"));
    out.body_measurements += 2;
  }

  // --- Lesion largest diameter: 6 cm at diagnosis, shrinking on treatment
  for (int d : {-3, 60, 180, 365, 545, 700}) {
    if (d > last_day) continue;
    const double cm = 6.0 * (0.45 + 0.55 * std::exp(-std::max(0, d) / 250.0));
    w.add("Observation", R"("status":"final",)" + w.subject() + R"(,"code":)" +
                             coding(kFinding, "lesion-largest-diameter") +
                             R"(,"effectiveDateTime":)" + w.time(d, 10 * 60) +
                             R"(,"valueQuantity":)" + quantity(num(cm, 1), "cm"));
    ++out.lesion_measurements;
  }

  out.bundle = w.finish();
  return out;
}

inline std::string synth_course_bundle(const SynthOptions& options) {
  return synth_course(options).bundle;
}

}  // namespace khe::synth
