// Adverse events by CTCAE v5 while the child receives sirolimus, a corticosteroid or
// vincristine.
// AE-1: the latest fresh laboratory values and blood pressure, graded from their numbers.
// Platelets and fibrinogen are graded only after KMP has resolved: before that, KMP explains
// them. Where CTCAE grades by something the record does not hold (the intervention needed,
// blood-pressure percentiles, a urine protein/creatinine ratio) the event says so in its
// notes and never claims a grade it cannot derive.
// AE-2: events the team recorded with their grade (product `ae-` findings) and infections on
// sirolimus, which CTCAE grades by intervention: reported without a grade.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

// Grade from descending cut points: value below cuts[i] earns grade first_grade + i.
int grade_below(const Measured& v, const std::vector<double>& cuts, int first_grade) {
  int grade = 0;
  for (std::size_t i = 0; i < cuts.size(); ++i)
    if (below(v, cuts[i]).value_or(false)) grade = first_grade + static_cast<int>(i);
  return grade;
}

// Grade from ascending cut points: value above cuts[i] earns grade first_grade + i.
int grade_above(const Measured& v, const std::vector<double>& cuts, int first_grade) {
  int grade = 0;
  for (std::size_t i = 0; i < cuts.size(); ++i)
    if (above(v, cuts[i]).value_or(false)) grade = first_grade + static_cast<int>(i);
  return grade;
}

// Grade from ascending cut points reached: value at or above cuts[i] earns first_grade + i.
int grade_from(const Measured& v, const std::vector<double>& cuts, int first_grade) {
  int grade = 0;
  for (std::size_t i = 0; i < cuts.size(); ++i)
    if (!below(v, cuts[i]).value_or(true)) grade = first_grade + static_cast<int>(i);
  return grade;
}

void add_unique(std::vector<std::string>& v, const std::string& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

class Grader {
 public:
  explicit Grader(Ctx& c) : c_(c) {
    for (const char* drug : {"sirolimus", "corticosteroid", "vincristine"})
      if (c.active(drug)) given_.push_back(drug);
  }

  bool on_therapy() const { return !given_.empty(); }

  // An event drawn from one laboratory value or vital sign.
  AdverseEvent from_lab(const std::string& term, std::optional<int> grade,
                        const LabResult& l) const {
    AdverseEvent e;
    e.term = term;
    e.grade = grade;
    e.value = l.value;
    e.unit = c_.kb.codes.analyte(l.analyte).canonical_unit;
    e.time = l.time;
    e.source = l.source;
    return e;
  }

  // Stores the event under `rule`. Possible causes: `first` (the drug that typically causes
  // it), then the drugs given, then `extra` (other drugs, the disease).
  void push(AdverseEvent e, std::string_view rule, const std::vector<std::string>& first = {},
            const std::vector<std::string>& extra = {}, bool local_default = false) {
    for (const auto& x : first) add_unique(e.attribution, x);
    for (const auto& x : given_) add_unique(e.attribution, x);
    for (const auto& x : extra) add_unique(e.attribution, x);
    e.why = c_.prov(rule);
    e.why.local_default = e.why.local_default || local_default;
    c_.out.adverse_events.push_back(std::move(e));
  }

  // A laboratory event graded from its value (AE-1); grade 0 means no event.
  void add(const std::string& term, int grade, const LabResult& l,
           const std::vector<std::string>& extra_causes = {}) {
    if (grade <= 0) return;
    push(from_lab(term, grade, l), "AE-1", {}, extra_causes);
  }

  // Other drugs started recently that also lower counts (listed as possible causes).
  std::vector<std::string> recent_other_causes() const {
    std::vector<std::string> out;
    const Seconds window = seconds_of_days(c_.p.num("AE-1", "other_cause_window"));
    // Record order, as the medications were listed: the order of the causes never matters.
    std::vector<const model::MedicationCourse*> found;
    for (const auto& cause : c_.p.list("AE-1", "other_causes"))
      for (const auto* m : c_.meds(cause))
        if (m->start && *m->start <= c_.as_of && c_.as_of - *m->start <= window) found.push_back(m);
    std::sort(found.begin(), found.end());
    for (const auto* m : found)
      if (std::find(out.begin(), out.end(), m->drug) == out.end()) out.push_back(m->drug);
    return out;
  }

  // The drug (or class) is given at as-of, or was last given within `window` before it.
  bool given_within(std::string_view drug, Seconds window) const {
    for (const auto* m : c_.meds(drug)) {
      if (!m->start || *m->start > c_.as_of || m->status == model::MedicationStatus::planned)
        continue;
      if (c_.course_active(*m)) return true;
      if (m->end.value_or(*m->start) >= c_.as_of - window) return true;
    }
    return false;
  }

 private:
  Ctx& c_;
  std::vector<std::string> given_;
};

void grade_counts_and_chemistry(Ctx& c, Grader& g) {
  const auto& P = c.p;
  if (const LabResult* n = c.latest_fresh(Analyte::neutrophils)) {
    int grade = grade_below(n->value, P.numbers("AE-1", "neutrophils_grades"), 2);
    if (grade == 0)
      if (auto lln = c.lower_limit(*n); lln && below(n->value, *lln).value_or(false)) grade = 1;
    g.add("neutrophil_count_decreased", grade, *n, g.recent_other_causes());
  }
  if (const LabResult* ly = c.latest_fresh(Analyte::lymphocytes)) {
    int grade = grade_below(ly->value, P.numbers("AE-1", "lymphocytes_grades"), 2);
    if (grade == 0)
      if (auto lln = c.lower_limit(*ly); lln && below(ly->value, *lln).value_or(false)) grade = 1;
    g.add("lymphocyte_count_decreased", grade, *ly);
  }
  if (const LabResult* hb = c.latest_fresh(Analyte::hemoglobin)) {
    int grade = grade_below(hb->value, P.numbers("AE-1", "hemoglobin_grades"), 2);
    if (grade == 0)
      if (auto lln = c.lower_limit(*hb); lln && below(hb->value, *lln).value_or(false)) grade = 1;
    // While KMP is active, sequestration and bleeding explain anemia too (KMP-4).
    std::vector<std::string> causes;
    if (c.out.kmp_status == KmpStatus::present) causes.push_back("kmp");
    g.add("anemia", grade, *hb, causes);
  }
  if (const LabResult* alt = c.latest_fresh(Analyte::alt)) {
    if (auto uln = c.upper_limit(*alt)) {
      std::vector<double> cuts;
      for (double k : P.numbers("AE-1", "alt_uln_multiples")) cuts.push_back(k * *uln);
      int grade = grade_above(alt->value, cuts, 2);
      if (grade == 0 && above(alt->value, *uln).value_or(false)) grade = 1;
      g.add("alt_increased", grade, *alt);
    }
  }
  if (const LabResult* tg = c.latest_fresh(Analyte::triglycerides)) {
    const auto& cuts = P.numbers("AE-1", "triglycerides_grades");
    int grade = grade_above(tg->value, {cuts.begin() + 1, cuts.end()}, 2);
    if (grade == 0 && !below(tg->value, cuts.front()).value_or(true)) grade = 1;
    g.add("hypertriglyceridemia", grade, *tg);
  }
  if (const LabResult* ch = c.latest_fresh(Analyte::cholesterol)) {
    int grade = grade_above(ch->value, P.numbers("AE-1", "cholesterol_grades"), 2);
    if (grade == 0)
      if (auto uln = c.upper_limit(*ch); uln && above(ch->value, *uln).value_or(false)) grade = 1;
    g.add("cholesterol_high", grade, *ch);
  }
  // Hyperglycemia: CTCAE grades it by the intervention it needs, so a value above the upper
  // limit is grade 1 and no more.
  if (const LabResult* glu = c.latest_fresh(Analyte::glucose))
    if (auto uln = c.upper_limit(*glu); uln && above(glu->value, *uln).value_or(false)) {
      AdverseEvent e = g.from_lab("hyperglycemia", 1, *glu);
      e.notes.push_back(P.text("AE-1", "glucose_note"));
      g.push(std::move(e), "AE-1");
    }
  // Proteinuria from the concentration, by dipstick equivalents (a local default).
  if (const LabResult* up = c.latest_fresh(Analyte::urine_protein))
    if (int grade = grade_from(up->value, P.numbers("AE-1", "urine_protein_grades"), 1);
        grade > 0) {
      AdverseEvent e = g.from_lab("proteinuria", grade, *up);
      e.notes.push_back(P.text("AE-1", "proteinuria_note"));
      g.push(std::move(e), "AE-1", {}, {}, /*local_default=*/true);
    }
}

// One blood-pressure component (systolic or diastolic): the grade its latest fresh reading
// earns from the adolescent cut points, and whether it is above the upper limit, once or on
// readings far enough apart to count as recurrent.
struct BpPart {
  const LabResult* lab = nullptr;
  int grade = 0;
  std::optional<double> uln;
  bool above_uln = false;
  bool recurrent = false;

  int rank() const { return 2 * grade + (above_uln ? 1 : 0); }
};

BpPart grade_bp(const Ctx& c, Analyte a, const std::vector<double>& adolescent_cuts,
                bool adolescent) {
  BpPart part;
  part.lab = c.latest_fresh(a);
  if (!part.lab) return part;
  const LabResult& l = *part.lab;
  if (adolescent) part.grade = grade_from(l.value, adolescent_cuts, 1);
  part.uln = c.upper_limit(l);
  if (part.uln && above(l.value, *part.uln).value_or(false)) {
    part.above_uln = true;
    const Seconds apart = seconds_of_hours(c.p.num("AE-1", "bp_recurrent_after"));
    for (const LabResult* earlier : c.labs(a)) {
      if (!c.is_fresh(*earlier) || earlier->time + apart > l.time) continue;
      if (auto u = c.upper_limit(*earlier); u && above(earlier->value, *u).value_or(false)) {
        part.recurrent = true;
        break;
      }
    }
    if (part.recurrent) part.grade = std::max(part.grade, 2);  // "recurrent BP > ULN"
  }
  return part;
}

// Hypertension (AE-1). The paediatric grades need blood-pressure percentiles the knowledge
// does not hold, so only what the data can decide is graded: the adolescent cut points, and
// a recurrent pressure above the upper limit (grade 2). A single reading above the limit is
// reported without a grade; grades 3 and 4 are never derived.
void grade_hypertension(Ctx& c, Grader& g) {
  const auto& P = c.p;
  const double from_years = P.num("AE-1", "bp_adolescent_from");
  const bool adolescent = c.age_years >= from_years;
  const BpPart sys = grade_bp(c, Analyte::bp_systolic,
                              P.numbers("AE-1", "bp_adolescent_systolic_grades"), adolescent);
  const BpPart dia = grade_bp(c, Analyte::bp_diastolic,
                              P.numbers("AE-1", "bp_adolescent_diastolic_grades"), adolescent);
  if (sys.rank() == 0 && dia.rank() == 0) return;
  const BpPart& top = dia.rank() > sys.rank() ? dia : sys;
  const std::string unit = c.kb.codes.analyte(Analyte::bp_systolic).canonical_unit;

  AdverseEvent e = g.from_lab(
      "hypertension", top.grade > 0 ? std::optional<int>(top.grade) : std::nullopt, *top.lab);
  std::string readings;
  for (const BpPart* part : {&sys, &dia}) {
    if (!part->lab) continue;
    if (!readings.empty()) readings += ", ";
    readings +=
        (part == &sys ? "systolic " : "diastolic ") + fmt_num(part->lab->value.value) + " " + unit;
    if (part->above_uln)
      readings += " (above the upper limit " + fmt_num(*part->uln) + " " + unit +
                  (part->recurrent
                       ? ", also on a reading at least " +
                             fmt_num(P.num("AE-1", "bp_recurrent_after")) + " h earlier: recurrent"
                       : ", single reading") +
                  ")";
  }
  e.notes.push_back("Latest readings: " + readings + ".");
  if (adolescent)
    e.notes.push_back("Adolescent cut points applied (from " + fmt_num(from_years) +
                      " years of age).");
  e.notes.push_back(P.text("AE-1", "hypertension_note"));
  g.push(std::move(e), "AE-1", {}, {}, /*local_default=*/true);
}

// Platelets and fibrinogen: only after KMP has resolved (RESP-1), and only values after it.
void grade_after_resolution(Ctx& c, Grader& g) {
  const auto& P = c.p;
  const auto& resp = c.out.response;
  if (!resp || !resp->resolution_date) return;
  const Instant resolved = start_of(*resp->resolution_date);
  if (const LabResult* p = c.latest_fresh(Analyte::platelets);
      p && p->time >= resolved && !c.platelet_confounded(*p)) {
    int grade = grade_below(p->value, P.numbers("AE-1", "platelets_grades"), 2);
    const double lln = p->ref_low ? p->ref_low->value : P.num("AE-1", "platelets_lln");
    if (grade == 0 && below(p->value, lln).value_or(false)) grade = 1;
    g.add("platelet_count_decreased", grade, *p, g.recent_other_causes());
  }
  if (const LabResult* f = c.latest_fresh(Analyte::fibrinogen);
      f && f->time >= resolved && !c.fibrinogen_confounded(*f)) {
    const double lln = f->ref_low ? f->ref_low->value : P.num("AE-1", "fibrinogen_lln");
    std::vector<double> cuts;
    for (double k : P.numbers("AE-1", "fibrinogen_lln_fractions")) cuts.push_back(k * lln);
    g.add("fibrinogen_decreased", grade_below(f->value, cuts, 1), *f);
  }
}

// Events the team recorded with their CTCAE grade (AE-2): the latest record of each `ae-`
// finding decides, when it is recent enough; a record of "false" means the event is gone.
void report_recorded(Ctx& c, Grader& g) {
  const auto& P = c.p;
  const auto& codes = P.list("AE-2", "recorded_findings");
  const auto& terms = P.list("AE-2", "recorded_terms");
  const auto& drugs = P.list("AE-2", "recorded_attributed_to");
  const Seconds window = seconds_of_days(P.num("AE-2", "recorded_within"));
  const Seconds drug_window = seconds_of_days(P.num("AE-2", "attributed_drug_window"));
  const std::size_t n = std::min({codes.size(), terms.size(), drugs.size()});
  for (std::size_t i = 0; i < n; ++i) {
    const model::Finding* f = c.latest_finding(codes[i]);
    if (!f || f->time < c.as_of - window) continue;
    if (!f->grade && !f->flag.value_or(false)) continue;
    AdverseEvent e;
    e.term = terms[i];
    e.grade = f->grade;
    e.time = f->time;
    e.source = f->source;
    if (!f->grade) e.notes.push_back(P.text("AE-2", "recorded_ungraded_note"));
    std::vector<std::string> first;
    if (g.given_within(drugs[i], drug_window)) first.push_back(drugs[i]);
    g.push(std::move(e), "AE-2", first);
  }
}

// An infection, or fever, on sirolimus (AE-2): an adverse event whose grade CTCAE decides by
// the intervention needed, so none is given. The latest infection record within the acute
// window decides (TIME-1), as for INF-1.
void report_infection(Ctx& c, Grader& g) {
  const auto& P = c.p;
  const auto& drugs = P.list("AE-2", "infection_on");
  if (std::none_of(drugs.begin(), drugs.end(), [&](const std::string& d) { return c.active(d); }))
    return;
  const Seconds window = seconds_of_hours(P.num("TIME-1", "acute_window"));
  const model::Finding* infection = nullptr;
  for (const auto& f : c.rec.findings)
    if (f.code == "infection" && f.flag && f.time <= c.as_of && f.time >= c.as_of - window &&
        (!infection || f.time >= infection->time))
      infection = &f;
  if (infection && !*infection->flag) infection = nullptr;
  const LabResult* fever = c.fever() ? c.latest(Analyte::temperature) : nullptr;
  if (!infection && !fever) return;

  AdverseEvent e;
  if (infection) {
    e.term = "infection";
    e.time = infection->time;
    e.source = infection->source;
    if (fever)
      e.notes.push_back("With fever: " + fmt_num(fever->value.value, 1) + " " +
                        c.kb.codes.analyte(Analyte::temperature).canonical_unit + ".");
  } else {
    e = g.from_lab("infection", std::nullopt, *fever);
    e.notes.push_back("Fever without a recorded infection: its cause is to be found.");
  }
  e.notes.push_back(P.text("AE-2", "infection_note"));
  g.push(std::move(e), "AE-2");
}

}  // namespace

void grade_adverse_events(Ctx& c) {
  Grader g(c);
  if (!g.on_therapy()) return;
  grade_counts_and_chemistry(c, g);
  grade_hypertension(c, g);
  grade_after_resolution(c, g);
  report_recorded(c, g);
  report_infection(c, g);
}

}  // namespace khe::engine
