// Doses (DOSE-SIR-1..3, DOSE-PRED-1, DOSE-VCR-1) with body size (BODY-1) and rounding to
// what can be measured (DOSE-RND-1). Order: compute -> halve (DOSE-SIR-3) -> cap -> round.
#include <cmath>

#include "engine/rounding.h"
#include "engine/rules.h"

namespace khe::engine {
namespace {

std::string date_text(const std::optional<Instant>& t) {
  return t ? format_date(date_of(*t)) : "?";
}

class Dosing {
 public:
  explicit Dosing(Ctx& c) : c_(c) {}

  void body_size() {
    BodySize& b = c_.out.body;
    const LabResult* w = c_.latest(Analyte::weight);
    const LabResult* h = c_.latest(Analyte::height);
    if (w)
      b.weight = Kilograms(w->value.value), b.weight_time = w->time,
      c_.use_value("weight", *w, false);
    if (h)
      b.height = Centimetres(h->value.value), b.height_time = h->time,
      c_.use_value("height", *h, false);
    if (b.weight && b.height)
      b.bsa = SquareMetres(
          std::sqrt(b.height->value * b.weight->value / c_.p.num("BODY-1", "mosteller_divisor")));
    // BODY-1 staleness by age band
    const auto& bands = c_.p.numbers("BODY-1", "stale_age_bands");
    const auto& after = c_.p.numbers("BODY-1", "stale_after");
    std::size_t i = 0;
    while (i < bands.size() && c_.age_days >= bands[i]) ++i;
    double max_days = after[std::min(i, after.size() - 1)];
    for (const LabResult* v : {w, h})
      if (v && c_.as_of - v->time > seconds_of_days(max_days))
        c_.alert("weight_stale", {std::string(model::analyte_name(v->analyte)) + " from " +
                                  format_date(date_of(v->time))});
    if (w) {
      Seconds window = seconds_of_days(c_.p.num("BODY-1", "weight_change_window"));
      for (const LabResult* prev : c_.labs(Analyte::weight))
        if (prev->time < w->time && w->time - prev->time <= window && prev->value.value > 0 &&
            std::fabs(w->value.value - prev->value.value) / prev->value.value >
                c_.p.num("BODY-1", "weight_change_fraction")) {
          c_.alert("weight_change_check_oedema_or_lesion",
                   {fmt_num(prev->value.value) + " kg on " + format_date(date_of(prev->time)) +
                    " -> " + fmt_num(w->value.value) + " kg on " + format_date(date_of(w->time))});
          break;
        }
    }
  }

  void finish_liquid(Dose& d, MgPerMl conc, const std::string& formulation) {
    Measurable m = measurable(c_, d.calculated, conc, cap_);
    d.dose = m.dose;
    d.volume = m.volume;
    d.concentration = conc;
    d.formulation = formulation;
    d.body = c_.out.body;
  }

  bool need_weight() {
    if (c_.out.body.weight) return true;
    c_.alert("weight_needed");
    return false;
  }
  bool need_bsa() {
    if (!need_weight()) return false;
    if (c_.out.body.bsa) return true;
    c_.alert("height_needed");
    return false;
  }

  // A dose of `drug` under `rule`, before any amount is known.
  Dose begin(const char* drug, const char* rule) const {
    Dose d;
    d.drug = drug;
    d.why = c_.prov(rule);
    return d;
  }

  // Caps the calculated amount (a cap is never exceeded, DOSE-RND-1) and remembers the cap
  // for rounding.
  void apply_cap(Dose& d, double cap_mg) {
    cap_ = Milligrams(cap_mg);
    if (d.calculated > cap_) {
      d.calculated = cap_;
      d.capped = true;
    }
  }

  void sirolimus() {
    if (!need_bsa()) return;
    const auto& P = c_.p;
    const double bsa = c_.out.body.bsa->value;
    Dose d = begin("sirolimus", "DOSE-SIR-1");
    double per_m2 = P.num("DOSE-SIR-1", "mg_per_m2");
    d.calculated = Milligrams(per_m2 * bsa);
    d.basis = fmt_num(per_m2, 3) + " mg/m2 x " + fmt_num(bsa, 4) + " m2";
    if (c_.corrected_age_days < P.num("DOSE-SIR-3", "corrected_below")) {
      double f = P.num("DOSE-SIR-3", "factor");
      d.calculated = d.calculated * f;
      d.halved = true;
      d.basis += " x " + fmt_num(f) + " (corrected age under " +
                 fmt_num(P.num("DOSE-SIR-3", "corrected_below")) + " days)";
      c_.alert("sirolimus_neonatal_dose_halved", P.list("DOSE-SIR-3", "alternatives"));
      d.notes.push_back(P.text("DOSE-SIR-3", "first_trough"));
    }
    apply_cap(d, P.num("DOSE-SIR-1", "cap"));
    d.interval_h = P.num("DOSE-SIR-1", "interval");
    d.route = P.text("DOSE-SIR-1", "route");
    bool dilute = d.calculated.value < P.num("DOSE-SIR-1", "dilution_below");
    finish_liquid(d, MgPerMl(P.num("DOSE-SIR-1", dilute ? "dilution" : "solution")),
                  P.text("DOSE-SIR-1", dilute ? "dilution_name" : "solution_name"));
    // Tablets: only when the measured dose is itself a whole number of the smallest tablet.
    const auto& tablets = P.numbers("DOSE-SIR-1", "tablets");
    double smallest = tablets.front();
    double n = std::round(d.dose.value / smallest);
    if (n >= 1 && std::fabs(n * smallest - d.dose.value) < 1e-9)
      d.notes.push_back(tablet_option_note(fmt_num(n * smallest) + " mg"));
    c_.out.doses.push_back(std::move(d));
  }

  void prednisolone() {
    if (!need_weight()) return;
    const auto& P = c_.p;
    const double w = c_.out.body.weight->value;
    Dose d = begin("prednisolone", "DOSE-PRED-1");
    double per_kg = P.num("DOSE-PRED-1", "prednisolone_per_kg_day");
    d.calculated = Milligrams(per_kg * w);
    d.basis = fmt_num(per_kg) + " mg/kg/day x " + fmt_num(w, 3) + " kg, once daily in the morning";
    apply_cap(d, P.num("DOSE-PRED-1", "prednisolone_cap"));
    d.interval_h = P.num("DOSE-PRED-1", "prednisolone_interval");
    d.route = P.text("DOSE-PRED-1", "route");
    finish_liquid(d, MgPerMl(P.num("DOSE-PRED-1", "solution")),
                  P.text("DOSE-PRED-1", "solution_name"));
    d.daily = d.dose;
    double mp = std::min(P.num("DOSE-PRED-1", "methylprednisolone_per_kg_day") * w,
                         P.num("DOSE-PRED-1", "methylprednisolone_cap"));
    d.notes.push_back("If oral intake is impossible: intravenous methylprednisolone " +
                      fmt_num(mp) + " mg/day (" +
                      fmt_num(P.num("DOSE-PRED-1", "methylprednisolone_per_kg_day")) +
                      " mg/kg/day, at most " +
                      fmt_num(P.num("DOSE-PRED-1", "methylprednisolone_cap")) + " mg/day).");
    d.notes.push_back("A course of " + fmt_num(P.num("TAPER-1", "course")) +
                      " days or more is tapered, never stopped abruptly (TAPER-1). " +
                      P.text("TAPER-1", "schedule"));
    c_.out.doses.push_back(std::move(d));
  }

  void vincristine() {
    if (!need_weight()) return;
    const auto& P = c_.p;
    const double w = c_.out.body.weight->value;
    Dose d = begin("vincristine", "DOSE-VCR-1");
    if (w <= P.num("DOSE-VCR-1", "weight_threshold")) {
      d.calculated = Milligrams(P.num("DOSE-VCR-1", "mg_per_kg") * w);
      d.basis = fmt_num(P.num("DOSE-VCR-1", "mg_per_kg"), 3) + " mg/kg x " + fmt_num(w, 3) + " kg";
    } else {
      if (!need_bsa()) return;
      const double bsa = c_.out.body.bsa->value;
      d.calculated = Milligrams(P.num("DOSE-VCR-1", "mg_per_m2") * bsa);
      d.basis =
          fmt_num(P.num("DOSE-VCR-1", "mg_per_m2"), 3) + " mg/m2 x " + fmt_num(bsa, 4) + " m2";
    }
    apply_cap(d, P.num("DOSE-VCR-1", "cap"));
    d.interval_h = P.num("DOSE-VCR-1", "interval");
    d.route = P.text("DOSE-VCR-1", "route");
    finish_liquid(d, MgPerMl(P.num("DOSE-VCR-1", "concentration")),
                  P.text("DOSE-VCR-1", "concentration_name"));
    d.notes.push_back("For intravenous use only - fatal if given by other routes.");
    c_.out.doses.push_back(std::move(d));
  }

  void current(const model::MedicationCourse& m) {
    Dose d;
    d.drug = m.drug;
    d.current = true;
    d.why = c_.prov("TX-8");
    if (m.dose) d.dose = d.calculated = *m.dose;
    d.interval_h = m.interval_h.value_or(0);
    d.route = m.route;
    d.basis = "as recorded from " + date_text(m.start) + " (" + m.source.resource + ")";
    d.body = c_.out.body;
    c_.out.current_doses.push_back(std::move(d));
  }

 private:
  Ctx& c_;
  Milligrams cap_{0};
};

}  // namespace

namespace {

// The record that states the current dose: the latest active request or statement, which
// carries the schedule; an administration (one dose given, no schedule) only without one.
const model::MedicationCourse* current_record(const Ctx& c, const char* drug) {
  const model::MedicationCourse* course = nullptr;
  const model::MedicationCourse* given = nullptr;
  for (const auto* m : c.meds(drug)) {
    if (!c.course_active(*m)) continue;
    auto& best = m->source_kind == model::MedicationSource::administration ? given : course;
    if (!best || *m->start >= *best->start) best = m;
  }
  return course ? course : given;
}

}  // namespace

void compute_doses(Ctx& c) {
  Dosing dosing(c);
  dosing.body_size();
  // Drugs currently given, with their recorded dose.
  for (const char* drug : {"sirolimus", "prednisolone", "methylprednisolone", "vincristine"})
    if (const auto* m = current_record(c, drug)) dosing.current(*m);
  if (!c.out.regimen) return;
  auto start = [&](const char* drug, void (Dosing::*fn)()) {
    if (c.active(drug)) return;  // already given: the current dose is shown instead
    (dosing.*fn)();
  };
  switch (*c.out.regimen) {
    case Regimen::sirolimus_prednisolone:
      start("sirolimus", &Dosing::sirolimus);
      if (!c.active("corticosteroid")) dosing.prednisolone();
      break;
    case Regimen::sirolimus:
      start("sirolimus", &Dosing::sirolimus);
      break;
    case Regimen::add_vincristine:
      dosing.vincristine();
      break;
    case Regimen::vincristine_corticosteroid:
      start("vincristine", &Dosing::vincristine);
      if (!c.active("corticosteroid")) dosing.prednisolone();
      break;
    default:
      break;
  }
}

}  // namespace khe::engine
