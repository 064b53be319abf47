// Assessment: governing diagnosis (DX-1..3), KMP status and severity (KMP-1, KMP-2),
// coagulopathy (KMP-3), anemia (KMP-4), high-risk features (RISK-1), urgency (URG-1,
// INF-1), and the timing alerts of §2.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

bool is_kmp(KmpStatus s) { return s == KmpStatus::present || s == KmpStatus::suspected; }

std::string describe(const LabResult& l, const std::string& unit) {
  std::string cmp;
  switch (l.value.comparator) {
    case model::Comparator::lt:
      cmp = "< ";
      break;
    case model::Comparator::le:
      cmp = "<= ";
      break;
    case model::Comparator::gt:
      cmp = "> ";
      break;
    case model::Comparator::ge:
      cmp = ">= ";
      break;
    case model::Comparator::none:
      break;
  }
  return cmp + fmt_num(l.value.value, 3) + " " + unit + " (" + format_instant(l.time) + ")";
}

}  // namespace

void classify_diagnosis(Ctx& c) {
  const model::Diagnosis* capable = nullptr;
  const model::Diagnosis* unknown = nullptr;
  const model::Diagnosis* look_alike = nullptr;
  for (const auto& d : c.rec.diagnoses) {
    if (d.recorded && *d.recorded > c.as_of) continue;
    auto better = [](const model::Diagnosis* cur, const model::Diagnosis& cand) {
      return !cur || (cand.certainty == model::Certainty::confirmed &&
                      cur->certainty != model::Certainty::confirmed);
    };
    if (c.in_list("DX-1", "kmp_capable", d.code)) {
      if (better(capable, d)) capable = &d;
    } else if (c.in_list("DX-1", "unknown_type", d.code)) {
      if (better(unknown, d)) unknown = &d;
    } else if (c.in_list("DX-1", "look_alikes", d.code)) {
      if (better(look_alike, d)) look_alike = &d;
    }
  }
  if (capable)
    c.dx_class = DxClass::capable, c.dx = capable;
  else if (unknown)
    c.dx_class = DxClass::unknown_type, c.dx = unknown;
  else if (look_alike)
    c.dx_class = DxClass::look_alike, c.dx = look_alike;
  if (c.dx) {
    c.out.diagnosis = c.dx->code;
    c.out.diagnosis_certainty = c.dx->certainty;
  }
}

Assessment assess(Ctx& c) {
  Assessment a;
  Report& r = c.out;
  const auto& plt_unit = c.kb.codes.analyte(Analyte::platelets).canonical_unit;

  // --- platelets (TIME-1, CONF-1)
  a.platelets = c.select_platelets();
  if (a.platelets.all_fresh_confounded) c.alert("platelets_confounded_by_transfusion");
  const LabResult* plt = a.platelets.value ? a.platelets.value->lab : nullptr;
  if (plt) {
    r.platelets = plt->value;
    c.use_value("platelets", *plt, a.platelets.value->confounded);
  }

  // --- KMP-1 status
  const double present_below = c.p.num("KMP-1", "present_below");
  std::optional<bool> low;
  if (plt) low = below(plt->value, present_below);
  switch (c.dx_class) {
    case DxClass::capable:
      r.kmp_status = !low   ? KmpStatus::indeterminate
                     : *low ? KmpStatus::present
                            : KmpStatus::absent;
      break;
    case DxClass::unknown_type:
      r.kmp_status = !low   ? KmpStatus::indeterminate
                     : *low ? KmpStatus::suspected
                            : KmpStatus::absent;
      break;
    case DxClass::look_alike:
      r.kmp_status = low.value_or(false) ? KmpStatus::not_expected : KmpStatus::not_applicable;
      break;
    case DxClass::none:
      r.kmp_status = KmpStatus::not_applicable;
      break;
  }
  if (r.kmp_status == KmpStatus::indeterminate) {
    // Show the last count there is, so the clinician sees how old it is.
    std::vector<std::string> last;
    if (const LabResult* old = c.latest(Analyte::platelets); old && !plt)
      last.push_back("last count " + describe(*old, plt_unit) + ", " +
                     fmt_num(static_cast<double>((c.as_of - old->time).count()) / 86400.0, 1) +
                     " days before as-of");
    c.alert("platelets_needed", last);
    c.finding("KMP-1",
              plt ? "The platelet count's bound cannot settle whether it is below " +
                        fmt_num(present_below) + " " + plt_unit + ": status indeterminate."
                  : "No usable platelet count within the freshness window: status indeterminate.");
  } else if (r.kmp_status != KmpStatus::not_applicable) {
    c.finding("KMP-1", std::string("KMP ") + name(r.kmp_status) + " with " +
                           (c.dx ? c.dx->code : "") +
                           (plt ? ", platelets " + describe(*plt, plt_unit) : ""));
  }
  if (r.kmp_status == KmpStatus::not_expected)
    c.alert("kmp_not_expected_for_diagnosis", c.p.list("DX-1", "differential"));

  // --- KMP-2 severity
  if (is_kmp(r.kmp_status) && plt) {
    if (below(plt->value, c.p.num("KMP-2", "severe_below")).value_or(false))
      r.kmp_severity = Band::severe;
    else if (below(plt->value, c.p.num("KMP-2", "moderate_below")).value_or(false))
      r.kmp_severity = Band::moderate;
    else
      r.kmp_severity = Band::mild;
    // A "< x" whose bound straddles a band edge is placed in the worse band it may be in.
    c.finding("KMP-2", std::string("Severity ") + name(*r.kmp_severity) + ".");
  }

  // --- TIME-1: a stale count in acute KMP
  if (is_kmp(r.kmp_status) && plt &&
      c.as_of - plt->time > seconds_of_hours(c.p.num("TIME-1", "platelets_stale_in_acute_kmp")))
    c.alert("platelets_stale_for_acute_kmp", {"platelet count from " + format_instant(plt->time)});

  // --- KMP-3 coagulopathy
  a.fibrinogen = c.select_fibrinogen();
  if (a.fibrinogen.all_fresh_confounded) c.alert("fibrinogen_confounded_by_transfusion");
  const LabResult* fib = a.fibrinogen.value ? a.fibrinogen.value->lab : nullptr;
  if (fib) c.use_value("fibrinogen", *fib, a.fibrinogen.value->confounded);
  const LabResult* feu = c.latest_fresh(Analyte::ddimer_feu);
  const LabResult* ddu = c.latest_fresh(Analyte::ddimer_ddu);
  a.ddimer = !feu ? ddu : !ddu ? feu : (ddu->time > feu->time ? ddu : feu);

  std::optional<bool> fib_low;
  if (fib) fib_low = below(fib->value, c.p.num("KMP-3", "fibrinogen_below"));
  std::optional<bool> dd_high;
  if (a.ddimer) {
    c.use_value(a.ddimer->analyte == Analyte::ddimer_feu ? "ddimer_feu" : "ddimer_ddu", *a.ddimer,
                false);
    if (auto uln = c.upper_limit(*a.ddimer)) {
      dd_high = above(a.ddimer->value, c.p.num("KMP-3", "ddimer_uln_multiple") * *uln);
    } else {
      c.alert("reference_range_missing", {"D-dimer (" + a.ddimer->source.resource + ")"});
    }
  }
  if (fib_low.value_or(false)) r.coagulopathy_criteria.push_back("fibrinogen_below_threshold");
  if (dd_high.value_or(false)) r.coagulopathy_criteria.push_back("ddimer_above_twice_uln");
  if (fib_low.value_or(false) || dd_high.value_or(false))
    r.coagulopathy = true;
  else if (fib_low.has_value() && dd_high.has_value())
    r.coagulopathy = false;
  if (fib)
    r.severe_hypofibrinogenemia = below(fib->value, c.p.num("KMP-3", "severe_fibrinogen_below"));
  if (r.coagulopathy) {
    c.finding("KMP-3", *r.coagulopathy ? "Consumptive coagulopathy present."
                                       : "No coagulopathy criterion met.");
  }
  if (r.coagulopathy.value_or(false) && c.infection_or_fever())
    c.alert("coagulopathy_may_reflect_infection");
  if (!fib && !a.ddimer && (is_kmp(r.kmp_status) || r.kmp_status == KmpStatus::indeterminate))
    c.alert("coagulation_studies_needed");

  // kmp_definition
  if (is_kmp(r.kmp_status)) {
    r.kmp_definition = "screen";
    if (r.coagulopathy.value_or(false)) {
      r.kmp_definition = "consumptive";
      if (plt && !above(plt->value, c.p.num("KMP-1", "research_at_or_below")).value_or(true))
        r.kmp_definition = "research";
    }
  }

  // --- KMP-4 anemia
  if (const LabResult* hb = c.latest_fresh(Analyte::hemoglobin)) {
    c.use_value("hemoglobin", *hb, false);
    if (auto lo = c.lower_limit(*hb))
      r.anemia = below(hb->value, *lo);
    else
      c.alert("reference_range_missing", {"hemoglobin (" + hb->source.resource + ")"});
    r.severe_anemia = below(hb->value, c.p.num("KMP-4", "severe_below"));
    if (r.severe_anemia.value_or(false)) r.anemia = true;
    if (r.anemia.value_or(false))
      c.finding("KMP-4", r.severe_anemia.value_or(false) ? "Severe anemia." : "Anemia.");
  }

  // --- DX-2 mimics and neonatal causes; DX-3
  if (is_kmp(r.kmp_status) && c.dx &&
      (c.dx->certainty == model::Certainty::suspected || c.dx_class == DxClass::unknown_type)) {
    std::vector<std::string> d = c.p.list("DX-2", "mimics");
    for (const auto& f : c.p.list("DX-2", "atypical_features"))
      d.push_back("atypical feature calling for biopsy: " + f);
    c.alert("tissue_diagnosis_pending", d);
  }
  if (c.age_days < c.p.num("DX-2", "neonatal_below") && low.value_or(false))
    c.alert("exclude_neonatal_causes", c.p.list("DX-2", "neonatal_causes"));
  if (const auto* f = c.latest_finding("lesion-fully-formed-at-birth");
      f && f->flag.value_or(false) &&
      !std::any_of(c.rec.diagnoses.begin(), c.rec.diagnoses.end(), [](const model::Diagnosis& d) {
        return d.certainty == model::Certainty::confirmed;
      }))
    c.alert("consider_congenital_hemangioma");

  // --- RISK-1
  for (const auto& site : c.sites()) {
    if (c.in_list("RISK-1", "high_risk_sites", site) || c.in_list("RISK-1", "deep_sites", site))
      r.risk_reasons.push_back(site);
    if (c.in_list("RISK-1", "airway_sites", site)) c.alert("assess_airway");
  }
  if (const LabResult* d = c.latest(Analyte::lesion_diameter);
      d && above(d->value, c.p.num("RISK-1", "diameter_above")).value_or(false)) {
    r.risk_reasons.push_back("largest-diameter-above-" +
                             fmt_num(c.p.num("RISK-1", "diameter_above")) + "-cm");
    c.use_value("lesion_diameter", *d, false);
  }
  if (const auto* f = c.latest_finding("lesion-multifocal"); f && f->flag.value_or(false))
    r.risk_reasons.push_back("multifocal");
  if (const auto* f = c.latest_finding("vital-structure-compression");
      f && c.in_list("URG-1", "vital_compressions", f->value_code)) {
    a.vital_compression = true;
    r.risk_reasons.push_back(f->value_code);
  }
  r.high_risk = !r.risk_reasons.empty();
  if (r.high_risk) {
    std::string list;
    bool diameter = false;
    for (const auto& s : r.risk_reasons) {
      list += (list.empty() ? "" : ", ") + s;
      diameter = diameter || s.rfind("largest-diameter", 0) == 0;
    }
    c.finding("RISK-1", "High-risk features: " + list + ".");
    // The diameter criterion rests on a secondary source: the finding carries its tag.
    if (diameter) r.findings.back().why.evidence_tag = c.p.text("RISK-1", "diameter_tag");
  }
  a.active_bleeding = c.acute("active-bleeding");
  return a;
}

void assess_urgency(Ctx& c, Assessment& a) {
  Report& r = c.out;
  const LabResult* plt = a.platelets.value ? a.platelets.value->lab : nullptr;
  const LabResult* fib = a.fibrinogen.value ? a.fibrinogen.value->lab : nullptr;
  auto fire = [&](Urgency u, std::string reason) {
    r.urgency = std::max(r.urgency, u);
    r.urgency_reasons.push_back(std::move(reason));
  };
  bool kmp = r.kmp_status == KmpStatus::present || r.kmp_status == KmpStatus::suspected;
  bool fib_very_low =
      fib && below(fib->value, c.p.num("URG-1", "fibrinogen_below")).value_or(false);

  // INF-1
  bool immunosuppressed =
      c.active("sirolimus") || c.active("corticosteroid") || c.active("vincristine");
  if (immunosuppressed && c.infection_or_fever()) {
    a.inf1 = true;
    std::vector<std::string> why;
    if (c.age_days < c.p.num("INF-1", "emergent_below_age"))
      why.push_back("age under " + fmt_num(c.p.num("INF-1", "emergent_below_age")) + " days");
    if (const LabResult* n = c.latest_fresh(Analyte::neutrophils);
        n && below(n->value, c.p.num("INF-1", "neutrophils_below")).value_or(false))
      why.push_back("neutrophils below " + fmt_num(c.p.num("INF-1", "neutrophils_below")) +
                    " x10^9/L");
    if (c.acute("hemodynamic-instability")) why.push_back("hemodynamic instability");
    a.inf1_emergent = !why.empty();
    c.alert("febrile_immunosuppressed", why);
  }

  // emergent branches
  if (a.active_bleeding && plt &&
      below(plt->value, c.p.num("URG-1", "bleeding_platelets_below")).value_or(false))
    fire(Urgency::emergent, "URG-1a: active bleeding with platelets below " +
                                fmt_num(c.p.num("URG-1", "bleeding_platelets_below")) + " x10^9/L");
  if (kmp && r.kmp_severity == Band::severe && fib_very_low)
    fire(Urgency::emergent, "URG-1b: severe KMP with fibrinogen below " +
                                fmt_num(c.p.num("URG-1", "fibrinogen_below")) + " g/L");
  if (a.vital_compression) fire(Urgency::emergent, "URG-1c: compression of a vital structure");
  if (c.acute("hemodynamic-instability") || c.acute("heart-failure"))
    fire(Urgency::emergent, "URG-1d: hemodynamic instability or heart failure");
  if (a.inf1_emergent)
    fire(Urgency::emergent, "URG-1e: febrile immunosuppressed child at high risk (INF-1)");

  // urgent branches
  if (kmp) fire(Urgency::urgent, "URG-1: KMP present or suspected");
  if (r.kmp_status == KmpStatus::indeterminate && r.coagulopathy.value_or(false))
    fire(Urgency::urgent, "URG-1: indeterminate KMP status with coagulopathy");
  if (c.dx && plt && below(plt->value, c.p.num("URG-1", "profound_below")).value_or(false)) {
    fire(Urgency::urgent, "URG-1a: platelets below " + fmt_num(c.p.num("URG-1", "profound_below")) +
                              " x10^9/L with a vascular anomaly");
    if (c.dx_class != DxClass::capable) c.alert("profound_thrombocytopenia_reassess_diagnosis");
  }
  if (fib_very_low)
    fire(Urgency::urgent,
         "URG-1: fibrinogen below " + fmt_num(c.p.num("URG-1", "fibrinogen_below")) + " g/L");
  if (a.inf1) fire(Urgency::urgent, "INF-1: fever or infection on immunosuppression");
  c.finding("URG-1", std::string("Urgency ") + name(r.urgency) + ".");
}

}  // namespace khe::engine
