// Adverse events (AE-1): the latest fresh laboratory values graded by CTCAE v5 while the
// child receives sirolimus, a corticosteroid or vincristine. Platelets and fibrinogen are
// graded only after KMP has resolved: before that, KMP explains them.
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

class Grader {
 public:
  explicit Grader(Ctx& c) : c_(c) {
    for (const char* drug : {"sirolimus", "corticosteroid", "vincristine"})
      if (c.active(drug)) given_.push_back(drug);
  }

  bool on_therapy() const { return !given_.empty(); }

  void add(const std::string& term, int grade, const LabResult& l,
           std::vector<std::string> extra_causes = {}) {
    if (grade <= 0) return;
    AdverseEvent e;
    e.term = term;
    e.grade = grade;
    e.value = l.value;
    e.unit = c_.kb.codes.analyte(l.analyte).canonical_unit;
    e.time = l.time;
    e.source = l.source;
    e.attribution = given_;
    for (auto& x : extra_causes)
      if (std::find(e.attribution.begin(), e.attribution.end(), x) == e.attribution.end())
        e.attribution.push_back(std::move(x));
    e.why = c_.prov("AE-1");
    c_.out.adverse_events.push_back(std::move(e));
  }

  // Other drugs started recently that also lower counts (listed as possible causes).
  std::vector<std::string> recent_other_causes() const {
    std::vector<std::string> out;
    const Seconds window = seconds_of_days(c_.p.num("AE-1", "other_cause_window"));
    for (const auto& m : c_.rec.medications)
      for (const auto& cause : c_.p.list("AE-1", "other_causes"))
        if (c_.kb.drug_is(m.drug, cause) && m.start && *m.start <= c_.as_of &&
            c_.as_of - *m.start <= window && std::find(out.begin(), out.end(), m.drug) == out.end())
          out.push_back(m.drug);
    return out;
  }

 private:
  Ctx& c_;
  std::vector<std::string> given_;
};

}  // namespace

void grade_adverse_events(Ctx& c) {
  const auto& P = c.p;
  Grader g(c);
  if (!g.on_therapy()) return;

  if (const LabResult* n = c.latest_fresh(Analyte::neutrophils)) {
    int grade = grade_below(n->value, P.numbers("AE-1", "neutrophils_grades"), 2);
    if (grade == 0)
      if (auto lln = c.lower_limit(*n); lln && below(n->value, *lln).value_or(false)) grade = 1;
    g.add("neutrophil_count_decreased", grade, *n, g.recent_other_causes());
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

  // Platelets and fibrinogen: only after KMP has resolved (RESP-1), and only values after it.
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

}  // namespace khe::engine
