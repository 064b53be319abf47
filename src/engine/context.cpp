#include "engine/context.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace khe::engine {

using model::Comparator;

std::optional<bool> below(const Measured& m, double t) {
  switch (m.comparator) {
    case Comparator::none:
      return m.value < t;
    case Comparator::lt:
      if (m.value <= t) return true;
      return std::nullopt;
    case Comparator::le:
      if (m.value < t) return true;
      return std::nullopt;
    case Comparator::gt:
      if (m.value >= t) return false;
      return std::nullopt;
    case Comparator::ge:
      if (m.value >= t) return false;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<bool> above(const Measured& m, double t) {
  switch (m.comparator) {
    case Comparator::none:
      return m.value > t;
    case Comparator::gt:
      if (m.value >= t) return true;
      return std::nullopt;
    case Comparator::ge:
      if (m.value > t) return true;
      return std::nullopt;
    case Comparator::lt:
      if (m.value <= t) return false;
      return std::nullopt;
    case Comparator::le:
      if (m.value <= t) return false;
      return std::nullopt;
  }
  return std::nullopt;
}

Seconds seconds_of_days(double d) {
  return Seconds(static_cast<std::int64_t>(std::llround(d * 86400)));
}
Seconds seconds_of_hours(double h) {
  return Seconds(static_cast<std::int64_t>(std::llround(h * 3600)));
}

std::string fmt_num(double v, int max_decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", max_decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

Ctx::Ctx(const model::Record& r, const knowledge::Knowledge& k, const knowledge::Profile& prof,
         Instant now, Report& report, const EvaluateOptions& opts)
    : rec(r), kb(k), p(prof), as_of(now), out(report), options(opts) {
  fresh_window_ = seconds_of_days(p.num("TIME-1", "fresh_lab"));
  platelet_window_ = seconds_of_days(p.num("CONF-1", "platelet_window"));
  fibrinogen_window_ = seconds_of_hours(p.num("CONF-1", "fibrinogen_window"));
  administration_active_h_ = p.num("TIME-1", "administration_active");
  consensus_first_line_ = p.text("TX-7", "kmp_first_line") == "vincristine_corticosteroid";
  auto given = [&](const std::vector<std::string>& products) {
    std::vector<Instant> out;
    for (const auto& proc : rec.procedures)
      if (proc.status == model::ProcedureStatus::done && proc.start &&
          std::find(products.begin(), products.end(), proc.code) != products.end())
        out.push_back(*proc.start);
    return out;
  };
  platelet_given_ = given(p.list("CONF-1", "platelet_products"));
  fibrinogen_given_ = given(p.list("CONF-1", "fibrinogen_products"));
  drugs_.reserve(rec.medications.size());
  for (const auto& m : rec.medications) {
    auto it = kb.drugs.find(m.drug);
    drugs_.push_back(it == kb.drugs.end() ? nullptr : &it->second);
  }
  for (const auto& l : rec.labs)
    if (l.time <= as_of) by_analyte_[static_cast<std::size_t>(l.analyte)].push_back(&l);
  for (auto& v : by_analyte_)
    std::stable_sort(v.begin(), v.end(),
                     [](const LabResult* x, const LabResult* y) { return x->time < y->time; });
  age_days = static_cast<int>(days_between(rec.patient.birth_date, date_of(as_of)));
  corrected_age_days = age_days;
  if (const LabResult* ga = latest(Analyte::gestational_age)) {
    double weeks = ga->value.value;
    double limit_days = p.num("AGE-1", "correct_until");
    if (ga->value.comparator == Comparator::none && weeks < p.num("AGE-1", "preterm_below") &&
        age_days < limit_days) {
      double term_weeks = p.num("AGE-1", "term");
      corrected_age_days = age_days - static_cast<int>(std::lround((term_weeks - weeks) * 7));
    }
  }
  std::chrono::year_month_day b{rec.patient.birth_date}, n{date_of(as_of)};
  int years = static_cast<int>(n.year()) - static_cast<int>(b.year());
  if (n.month() < b.month() || (n.month() == b.month() && n.day() < b.day())) --years;
  age_years = years;
}

Provenance Ctx::prov(std::string_view rule_id) const {
  const knowledge::Rule& r = p.rule(rule_id);
  return Provenance{r.id, r.sources, r.evidence_tag, r.local_default};
}

Alert& Ctx::alert(std::string_view code, std::vector<std::string> details) {
  for (Alert& a : out.alerts)
    if (a.code == code) {
      for (auto& d : details)
        if (std::find(a.details.begin(), a.details.end(), d) == a.details.end())
          a.details.push_back(std::move(d));
      return a;
    }
  const knowledge::AlertText* t = kb.alert(code);
  if (!t) throw std::logic_error("alert without knowledge text: " + std::string(code));
  Alert a;
  a.code = t->code;
  a.severity = t->severity == "critical"  ? AlertSeverity::critical
               : t->severity == "warning" ? AlertSeverity::warning
                                          : AlertSeverity::info;
  a.message = t->message;
  a.details = std::move(details);
  a.why = prov(t->rule);
  a.why.local_default = a.why.local_default || t->local_default;
  out.alerts.push_back(std::move(a));
  return out.alerts.back();
}

bool Ctx::has_alert(std::string_view code) const {
  return std::any_of(out.alerts.begin(), out.alerts.end(),
                     [&](const Alert& a) { return a.code == code; });
}

void Ctx::finding(std::string_view rule_id, std::string statement) {
  out.findings.push_back(Finding{prov(rule_id), std::move(statement)});
}

void Ctx::use_value(std::string name, const LabResult& lab, bool confounded) {
  for (const auto& u : out.values_used)
    if (u.name == name && u.source.resource == lab.source.resource &&
        u.source.path == lab.source.path)
      return;
  UsedValue u;
  u.name = std::move(name);
  u.value = lab.value;
  u.unit = kb.codes.analyte(lab.analyte).canonical_unit;
  u.time = lab.time;
  u.age_hours = static_cast<double>((as_of - lab.time).count()) / 3600.0;
  u.confounded = confounded;
  u.source = lab.source;
  out.values_used.push_back(std::move(u));
}

bool Ctx::is_fresh(const LabResult& l) const {
  return l.time <= as_of && l.time >= as_of - fresh_window_;
}

const LabResult* Ctx::latest(Analyte a) const {
  const auto& v = labs(a);
  return v.empty() ? nullptr : v.back();
}

const LabResult* Ctx::latest_fresh(Analyte a) const {
  const LabResult* l = latest(a);
  return l && is_fresh(*l) ? l : nullptr;
}

bool Ctx::confounded_by(const LabResult& l, Seconds window,
                        const std::vector<Instant>& given) const {
  for (const Instant t : given)
    if (t <= l.time && l.time <= t + window) return true;
  return false;
}

bool Ctx::platelet_confounded(const LabResult& l) const {
  return confounded_by(l, platelet_window_, platelet_given_);
}

bool Ctx::fibrinogen_confounded(const LabResult& l) const {
  return confounded_by(l, fibrinogen_window_, fibrinogen_given_);
}

Selection Ctx::select(Analyte a, Seconds window, const std::vector<Instant>& given) const {
  Selection s;
  const LabResult* clean = nullptr;
  std::vector<const LabResult*> fresh_confounded;
  for (const LabResult* l : labs(a)) {
    if (!is_fresh(*l)) continue;
    if (confounded_by(*l, window, given))
      fresh_confounded.push_back(l);
    else
      clean = l;  // labs are oldest first: the last one wins
  }
  // A confounded value later than the chosen one and lower than it shows worsening.
  auto lower_later = [&](const LabResult* base) -> const LabResult* {
    const LabResult* pick = nullptr;
    for (const LabResult* c : fresh_confounded)
      if (c->time > base->time && below(c->value, base->value.value).value_or(false) &&
          (!pick || c->time > pick->time))
        pick = c;
    return pick;
  };
  if (clean) {
    if (const LabResult* worse = lower_later(clean))
      s.value = Selected{worse, true, false};
    else
      s.value = Selected{clean, false, false};
    return s;
  }
  if (fresh_confounded.empty()) return s;
  s.all_fresh_confounded = true;
  // The last value before the earliest transfusion that confounds a fresh value.
  std::optional<Instant> earliest;
  for (const Instant t : given) {
    for (const LabResult* c : fresh_confounded)
      if (t <= c->time && c->time <= t + window && (!earliest || t < *earliest)) earliest = t;
  }
  const LabResult* before = nullptr;
  for (const LabResult* l : labs(a))
    if (earliest && l->time < *earliest) before = l;
  Seconds max_age = seconds_of_days(p.num("CONF-1", "fallback_max_age"));
  if (before && before->time >= as_of - max_age) {
    if (const LabResult* worse = lower_later(before))
      s.value = Selected{worse, true, false};
    else
      s.value = Selected{before, false, true};
  }
  return s;
}

Selection Ctx::select_platelets() const {
  return select(Analyte::platelets, platelet_window_, platelet_given_);
}

Selection Ctx::select_fibrinogen() const {
  return select(Analyte::fibrinogen, fibrinogen_window_, fibrinogen_given_);
}

bool Ctx::acute(std::string_view code) const {
  Seconds window = seconds_of_hours(p.num("TIME-1", "acute_window"));
  const model::Finding* last = nullptr;
  for (const auto& f : rec.findings)
    if (f.code == code && f.flag && f.time <= as_of && f.time >= as_of - window &&
        (!last || f.time >= last->time))
      last = &f;
  return last && *last->flag;
}

bool Ctx::fever() const {
  Seconds window = seconds_of_hours(p.num("TIME-1", "acute_window"));
  const LabResult* t = latest(Analyte::temperature);
  if (!t || t->time < as_of - window) return false;
  return !below(t->value, p.num("INF-1", "fever_from")).value_or(true);
}

const model::Finding* Ctx::latest_finding(std::string_view code) const {
  const model::Finding* last = nullptr;
  for (const auto& f : rec.findings)
    if (f.code == code && f.time <= as_of && (!last || f.time >= last->time)) last = &f;
  return last;
}

std::vector<std::string> Ctx::sites() const {
  std::vector<std::string> s;
  for (const auto& f : rec.findings)
    if (f.code == "lesion-site" && f.time <= as_of && !f.value_code.empty() &&
        std::find(s.begin(), s.end(), f.value_code) == s.end())
      s.push_back(f.value_code);
  std::sort(s.begin(), s.end());
  return s;
}

bool Ctx::course_active(const model::MedicationCourse& m) const {
  using model::MedicationSource;
  using model::MedicationStatus;
  if (!m.start || *m.start > as_of) return false;
  if (m.source_kind == MedicationSource::administration) {
    double window_h = std::max(m.interval_h.value_or(0.0), administration_active_h_);
    return as_of - *m.start <= seconds_of_hours(window_h);
  }
  if (m.status != MedicationStatus::active && m.status != MedicationStatus::unknown) {
    // completed/stopped: active only until a recorded end date
    if ((m.status == MedicationStatus::completed || m.status == MedicationStatus::stopped) && m.end)
      return *m.end >= as_of;
    return false;
  }
  return !m.end || *m.end >= as_of;
}

bool Ctx::active(std::string_view drug_or_class) const {
  return latest_active(drug_or_class) != nullptr;
}

const model::MedicationCourse* Ctx::latest_active(std::string_view drug_or_class) const {
  const model::MedicationCourse* best = nullptr;
  for (const auto* m : meds(drug_or_class))
    if (course_active(*m) && (!best || *m->start >= *best->start)) best = m;
  return best;
}

const std::vector<const model::MedicationCourse*>& Ctx::meds(std::string_view drug_or_class) const {
  auto it = meds_cache_.find(drug_or_class);
  if (it != meds_cache_.end()) return it->second;
  std::vector<const model::MedicationCourse*> found;
  for (const auto& m : rec.medications)
    if (is(m, drug_or_class)) found.push_back(&m);
  return meds_cache_.emplace(std::string(drug_or_class), std::move(found)).first->second;
}

bool Ctx::is(const model::MedicationCourse& m, std::string_view drug_or_class) const {
  if (m.drug == drug_or_class) return true;
  const std::size_t i = static_cast<std::size_t>(&m - rec.medications.data());
  const knowledge::Drug* d = i < drugs_.size() ? drugs_[i] : nullptr;
  if (!d) return i < drugs_.size() ? false : kb.drug_is(m.drug, drug_or_class);
  for (const auto& cls : d->classes)
    if (cls == drug_or_class) return true;
  return false;
}

bool Ctx::kmp_directed(std::string_view drug) const {
  if (consensus_first_line_)
    return kb.drug_is(drug, "vincristine") || kb.drug_is(drug, "corticosteroid");
  return kb.drug_is(drug, "sirolimus");
}

bool Ctx::ever_given(std::string_view drug_or_class) const {
  for (const auto* m : meds(drug_or_class))
    if (m->start && *m->start <= as_of && m->status != model::MedicationStatus::planned)
      return true;
  return false;
}

std::optional<Instant> Ctx::first_start(std::string_view drug_or_class) const {
  std::optional<Instant> first;
  for (const auto* m : meds(drug_or_class))
    if (m->start && *m->start <= as_of && m->status != model::MedicationStatus::planned &&
        (!first || *m->start < *first))
      first = m->start;
  return first;
}

bool Ctx::in_list(std::string_view rule, std::string_view param, std::string_view value) const {
  const auto& l = p.list(rule, param);
  return std::find(l.begin(), l.end(), value) != l.end();
}

std::optional<double> Ctx::upper_limit(const LabResult& l) const {
  if (l.ref_high && l.ref_high->comparator == Comparator::none) return l.ref_high->value;
  if (const auto* lim = kb.limit(l.analyte, age_days); lim && lim->high) return lim->high;
  return std::nullopt;
}

std::optional<double> Ctx::lower_limit(const LabResult& l) const {
  if (l.ref_low && l.ref_low->comparator == Comparator::none) return l.ref_low->value;
  if (const auto* lim = kb.limit(l.analyte, age_days); lim && lim->low) return lim->low;
  return std::nullopt;
}

}  // namespace khe::engine
