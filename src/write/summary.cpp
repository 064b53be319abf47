#include "write/summary.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pk/predict.h"
#include "write/labels.h"
#include "write/number.h"

namespace khe::write {
namespace {

// Rule IDs of the assessment steps (clinical specification section 3). The engine's
// Report carries no per-field provenance for these, so the summary names them here.
const std::vector<std::string> kStatusRules = {"KMP-1"};
const std::vector<std::string> kSeverityRules = {"KMP-2"};
const std::vector<std::string> kCoagRules = {"KMP-3"};
const std::vector<std::string> kAnemiaRules = {"KMP-4"};
const std::vector<std::string> kRiskRules = {"RISK-1"};
const std::vector<std::string> kUrgencyRules = {"URG-1"};
const std::vector<std::string> kNoRegimenRules = {"TX-5"};
constexpr std::size_t kMaxDataIssueLines = 5;

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

std::string yes_no(const std::optional<bool>& b) { return b ? (*b ? "yes" : "no") : "unknown"; }

std::string regimen_label(engine::Regimen g) {
  switch (g) {
    case engine::Regimen::sirolimus_prednisolone:
      return "sirolimus + prednisolone";
    case engine::Regimen::vincristine_corticosteroid:
      return "vincristine + corticosteroid";
    default:
      break;
  }
  std::string s = engine::name(g);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string age_text(double hours) {
  if (hours < 72) return format_number(hours, 0) + " h old";
  return format_number(hours / 24.0, 1) + " d old";
}

// "weight 5.6 kg (2026-08-02), height 60 cm (2026-08-02), BSA 0.3055 m2"
std::string body_text(const engine::BodySize& b) {
  std::string out;
  if (b.weight) {
    out += "weight ";
    out += format_number(b.weight->value, 3);
    out += " kg";
    if (b.weight_time) {
      out += " (";
      out += format_date(date_of(*b.weight_time));
      out += ')';
    }
  }
  if (b.height) {
    if (!out.empty()) out += ", ";
    out += "height ";
    out += format_number(b.height->value, 1);
    out += " cm";
    if (b.height_time) {
      out += " (";
      out += format_date(date_of(*b.height_time));
      out += ')';
    }
  }
  if (b.bsa) {
    if (!out.empty()) out += ", ";
    out += "BSA ";
    out += format_number(b.bsa->value, 4);
    out += " m2";
  }
  return out;
}

// Whether body_text(a) is body_text(b) because a and b hold the same values (cheaper than
// formatting both; a dose usually used the patient's own measurements).
template <typename T>
bool same_value(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || a->value == b->value);
}

bool same_body(const engine::BodySize& a, const engine::BodySize& b) {
  return same_value(a.weight, b.weight) && a.weight_time == b.weight_time &&
         same_value(a.height, b.height) && a.height_time == b.height_time &&
         same_value(a.bsa, b.bsa);
}

SummaryLine headline(const engine::Report& r) {
  SummaryLine h;
  h.text = std::string("KMP ") + engine::name(r.kmp_status);
  h.rules = kStatusRules;
  const bool graded =
      r.kmp_status == engine::KmpStatus::present || r.kmp_status == engine::KmpStatus::suspected;
  if (graded && r.kmp_severity) {
    h.text += std::string(", ") + engine::name(*r.kmp_severity);
    h.rules.insert(h.rules.end(), kSeverityRules.begin(), kSeverityRules.end());
  }
  const std::string urgency = engine::name(r.urgency);
  const bool emergent = r.urgency == engine::Urgency::emergent;
  h.text += " -- urgency " + (emergent ? upper(urgency) : urgency);
  h.rules.insert(h.rules.end(), kUrgencyRules.begin(), kUrgencyRules.end());
  h.tone = emergent ? Tone::critical
                    : (r.urgency == engine::Urgency::urgent ? Tone::warning : Tone::plain);
  return h;
}

SummarySection patient_section(const engine::Report& r, const std::string& body) {
  SummarySection s{"Patient and values used", {}};
  std::string who = "Age ";
  who += r.age_days ? std::to_string(*r.age_days) + " days" : "unknown";
  if (r.corrected_age_days && r.age_days && *r.corrected_age_days != *r.age_days) {
    who += " (corrected " + std::to_string(*r.corrected_age_days) + " days)";
  }
  if (!body.empty()) who += "; " + body;
  s.lines.push_back({std::move(who), {}, Tone::plain, 0});
  std::vector<std::string> values;
  for (const auto& v : r.values_used) {
    if (v.name == "weight" || v.name == "height") continue;  // shown with the body size
    std::string t = v.name + " " + comparator_symbol(v.value.comparator) +
                    format_number(v.value.value, 4) + " " + v.unit + " (" + age_text(v.age_hours) +
                    (v.confounded ? ", confounded by transfusion" : "") + ")";
    values.push_back(std::move(t));
  }
  if (!values.empty()) s.lines.push_back({"Used: " + join(values, "; "), {}, Tone::plain, 0});
  return s;
}

SummarySection assessment_section(const engine::Report& r) {
  SummarySection s{"Assessment", {}};
  std::string kmp =
      "Diagnosis " + (r.diagnosis.empty() ? std::string("none recorded") : r.diagnosis);
  if (r.diagnosis_certainty)
    kmp += std::string(" (") + certainty_name(*r.diagnosis_certainty) + ")";
  kmp += std::string("; KMP ") + engine::name(r.kmp_status);
  if (!r.kmp_definition.empty()) kmp += " (" + r.kmp_definition + " definition)";
  if (r.platelets) {
    kmp += std::string(", platelets ") + comparator_symbol(r.platelets->comparator) +
           format_number(r.platelets->value, 4) + " x10^9/L";
  }
  s.lines.push_back({std::move(kmp), kStatusRules, Tone::plain, 0});

  std::string coag = "Coagulopathy " + yes_no(r.coagulopathy);
  if (!r.coagulopathy_criteria.empty()) coag += " (" + join(r.coagulopathy_criteria, "; ") + ")";
  coag += "; severe hypofibrinogenemia " + yes_no(r.severe_hypofibrinogenemia);
  s.lines.push_back({std::move(coag), kCoagRules, Tone::plain, 0});

  if (r.anemia) {
    s.lines.push_back({"Anemia " + yes_no(r.anemia) + "; severe " + yes_no(r.severe_anemia),
                       kAnemiaRules, Tone::plain, 0});
  }
  std::string risk = r.high_risk ? "Risk HIGH" : "Risk standard";
  if (!r.risk_reasons.empty()) risk += ": " + join(r.risk_reasons, "; ");
  s.lines.push_back({std::move(risk), kRiskRules, Tone::plain, 0});
  std::string urg = std::string("Urgency ") + engine::name(r.urgency);
  if (!r.urgency_reasons.empty()) urg += ": " + join(r.urgency_reasons, "; ");
  s.lines.push_back({std::move(urg), kUrgencyRules, Tone::plain, 0});
  return s;
}

std::string dose_text(const engine::Dose& d) {
  std::string t = d.drug + " " + format_number(d.dose.value, 4) + " mg";
  if (d.volume && d.concentration) {
    t += " = " + format_number(d.volume->value, 2) + " mL of " +
         format_number(d.concentration->value, 4) + " mg/mL";
  }
  t += ", every " + format_number(d.interval_h, 2) + " h, " + d.route;
  if (d.daily) t += " (" + format_number(d.daily->value, 4) + " mg/day)";
  return t;
}

// The patient line already shows the body size; a dose that used the same measurements says
// so instead of repeating them, keeping the summary on one screen.
void add_dose(SummarySection& s, const engine::Dose& d, bool current,
              const engine::BodySize& patient, const std::string& patient_body) {
  std::vector<std::string> rules;
  if (!d.why.rule_id.empty()) rules.push_back(d.why.rule_id);
  s.lines.push_back(
      {(current ? "Current: " : "") + dose_text(d) + (current ? " (as recorded)" : ""),
       std::move(rules), Tone::plain, 0});
  std::vector<std::string> detail;
  if (!d.basis.empty()) detail.push_back("basis " + d.basis);
  if (!d.formulation.empty()) detail.push_back(d.formulation);
  if (same_body(d.body, patient)) {
    if (!patient_body.empty()) detail.push_back("body size above");
  } else if (std::string body = body_text(d.body); !body.empty()) {
    detail.push_back(body == patient_body ? "body size above" : std::move(body));
  }
  if (d.halved) detail.push_back("start dose halved");
  if (d.capped) detail.push_back("capped at the maximum");
  if (d.why.local_default) detail.push_back("local default, not evidence");
  if (!detail.empty()) s.lines.push_back({join(detail, "; "), {}, Tone::plain, 1});
  for (const auto& n : d.notes) s.lines.push_back({n, {}, Tone::plain, 1});
}

SummarySection recommendation_section(const engine::Report& r, const std::string& body) {
  SummarySection s{"Recommendation", {}};
  s.lines.reserve(1 + 4 * (r.doses.size() + r.current_doses.size()));
  if (r.regimen) {
    std::vector<std::string> rules;
    if (r.regimen_why && !r.regimen_why->rule_id.empty()) rules.push_back(r.regimen_why->rule_id);
    const bool local = r.regimen_why && r.regimen_why->local_default;
    s.lines.push_back(
        {"Regimen: " + regimen_label(*r.regimen) + (local ? " (local default, not evidence)" : ""),
         std::move(rules), Tone::plain, 0});
  } else {
    const std::string why = r.regimen_null_reason == "data_missing" ? "data missing"
                            : r.regimen_null_reason.empty()         ? "none"
                                                                    : "nothing to recommend";
    s.lines.push_back({"No regimen (" + why + ")", kNoRegimenRules, Tone::plain, 0});
  }
  for (const auto& d : r.doses) add_dose(s, d, false, r.body, body);
  for (const auto& d : r.current_doses) add_dose(s, d, true, r.body, body);
  return s;
}

SummarySection alerts_section(const engine::Report& r) {
  SummarySection s{"Alerts", {}};
  s.lines.reserve(2 * r.alerts.size() + 1);
  // Most severe first; the engine's order is kept within a severity.
  std::vector<const engine::Alert*> sorted;
  for (const auto& a : r.alerts) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->severity) > static_cast<int>(b->severity);
  });
  for (const auto* a : sorted) {
    const Tone tone = a->severity == engine::AlertSeverity::critical  ? Tone::critical
                      : a->severity == engine::AlertSeverity::warning ? Tone::warning
                                                                      : Tone::info;
    std::vector<std::string> rules;
    if (!a->why.rule_id.empty()) rules.push_back(a->why.rule_id);
    s.lines.push_back({upper(engine::name(a->severity)) + " " + a->code + ": " + a->message,
                       std::move(rules), tone, 0});
    if (!a->details.empty()) s.lines.push_back({join(a->details, "; "), {}, Tone::plain, 1});
  }
  if (s.lines.empty()) s.lines.push_back({"none", {}, Tone::plain, 0});
  return s;
}

SummarySection response_section(const engine::Report& r) {
  SummarySection s{"Response", {}};
  const auto& x = *r.response;
  std::string t = "Therapy start " + (x.therapy_start ? format_date(*x.therapy_start) : "unknown");
  t += "; platelet response " + yes_no(x.platelet_response);
  if (x.days_to_platelet_response)
    t += " (day " + std::to_string(*x.days_to_platelet_response) + ")";
  t += "; durable at week 4 " + yes_no(x.durable_platelet_response_week4);
  t += "; fibrinogen stabilized " + yes_no(x.fibrinogen_stabilized);
  t += std::string("; relapse ") + (x.relapse ? "YES" : "no");
  if (x.resolution_date) t += "; KMP resolved " + format_date(*x.resolution_date);
  s.lines.push_back({std::move(t), {x.why.rule_id}, x.relapse ? Tone::warning : Tone::plain, 0});
  if (x.lesion) {
    const auto& l = *x.lesion;
    s.lines.push_back({"Lesion " + format_number(l.baseline.value, 2) + " cm (" +
                           format_instant(l.baseline_time).substr(0, 10) + ") -> " +
                           format_number(l.latest.value, 2) + " cm (" +
                           format_instant(l.latest_time).substr(0, 10) +
                           "): " + (l.change_percent > 0 ? "+" : "") +
                           format_number(l.change_percent, 0) + "%, " + l.category,
                       {l.why.rule_id},
                       l.category == "progression" ? Tone::warning : Tone::plain,
                       0});
  }
  return s;
}

// Each drug's episodes: when it ran, its dose steps, how many records were merged.
SummarySection therapy_section(const engine::Report& r) {
  SummarySection s{"Therapy", {}};
  for (const auto& e : r.therapy) {
    std::string t = e.drug + ": " + format_instant(e.start).substr(0, 10) + " to " +
                    (e.end ? format_instant(*e.end).substr(0, 10) : std::string("ongoing"));
    if (e.resources.size() > 1) t += " (" + std::to_string(e.resources.size()) + " records merged)";
    s.lines.push_back({std::move(t), {"COURSE-1"}, Tone::plain, 0});
    for (const auto& d : e.doses) {
      if (!d.dose && !d.interval_h) continue;
      std::string step = format_instant(d.time).substr(0, 10) + ": ";
      step += d.dose ? format_number(d.dose->value, 4) + " mg" : std::string("dose not recorded");
      if (d.interval_h) step += " every " + format_number(*d.interval_h, 1) + " h";
      s.lines.push_back({std::move(step), {}, Tone::plain, 1});
    }
  }
  return s;
}

// The model-based estimate (DOSE-SIR-ADJ-1): what the model says about this child, and
// why it did not set the dose when it did not.
void model_based_lines(const engine::ModelBasedDosing& m, SummarySection& s) {
  const std::string rule = m.why.rule_id;
  if (m.fit) {
    const auto& f = *m.fit;
    std::string line = "Model " + f.model_id + " (Bayesian estimate from " +
                       std::to_string(f.observations.size()) + " level(s)): clearance " +
                       format_number(f.individual.cl_L_per_h, 3) + " L/h (typical " +
                       format_number(f.typical.cl_L_per_h, 3) + "), half-life " +
                       format_number(pk::half_life(f.individual).count(), 1) + " h";
    if (f.current && f.predicted_trough_ss)
      line += "; " + format_number(f.current->dose.value, 4) + " mg every " +
              format_number(f.current->interval.count(), 1) +
              " h predicts a steady-state trough of " +
              format_number(f.predicted_trough_ss->value, 1) + " ng/mL";
    s.lines.push_back({std::move(line), {rule}, Tone::plain, 1});
  }
  if (!m.covers_child)
    s.lines.push_back({"The model does not set the dose: " + join(m.not_covered_because, "; "),
                       {rule},
                       Tone::plain,
                       1});
}

SummarySection trough_section(const engine::Report& r) {
  SummarySection s{"Sirolimus trough", {}};
  const auto& t = *r.sirolimus_trough;
  std::string line = format_number(t.value.value, 2) + " ng/mL on " + format_instant(t.time) +
                     ": " + t.status + " (target " + format_number(t.target_low, 2) + "-" +
                     format_number(t.target_high, 2) + " ng/mL, " + t.phase + ")";
  const bool off = t.status == "below" || t.status == "above";
  s.lines.push_back({std::move(line), {t.why.rule_id}, off ? Tone::warning : Tone::plain, 0});
  if (t.adjustment) {
    const auto& d = *t.adjustment;
    s.lines.push_back({"Suggested dose " + format_number(d.dose.value, 4) + " mg = " +
                           format_number(d.volume->value, 2) + " mL of " + d.formulation +
                           " every " + format_number(d.interval_h, 1) + " h (" + d.basis + ")",
                       {d.why.rule_id},
                       Tone::warning,
                       1});
  } else if (off && !t.interpretable) {
    s.lines.push_back({"No dose change from this level: " + join(t.not_interpretable_because, "; "),
                       {"DOSE-SIR-ADJ-1"},
                       Tone::plain,
                       1});
  }
  if (t.adjustment)
    for (const auto& n : t.adjustment->notes)
      s.lines.push_back({n, {t.adjustment->why.rule_id}, Tone::plain, 2});
  if (t.model_based) model_based_lines(*t.model_based, s);
  return s;
}

SummarySection monitoring_section(const engine::Report& r) {
  SummarySection s{"Monitoring", {}};
  std::vector<std::string> overdue, due;
  std::vector<std::string> overdue_rules, due_rules;
  for (const auto& m : r.monitoring) {
    auto& list = m.overdue ? overdue : due;
    auto& rules = m.overdue ? overdue_rules : due_rules;
    list.push_back(m.test + (m.overdue ? " (since " : " (") + format_date(date_of(m.due)) + ")");
    if (std::find(rules.begin(), rules.end(), m.why.rule_id) == rules.end())
      rules.push_back(m.why.rule_id);
  }
  if (!overdue.empty())
    s.lines.push_back(
        {"OVERDUE: " + join(overdue, ", "), std::move(overdue_rules), Tone::warning, 0});
  if (!due.empty())
    s.lines.push_back({"Next due: " + join(due, ", "), std::move(due_rules), Tone::plain, 0});
  return s;
}

SummarySection adverse_event_section(const engine::Report& r) {
  SummarySection s{"Adverse events (CTCAE v5)", {}};
  for (const auto& e : r.adverse_events) {
    std::string text = e.term + (e.grade ? " grade " + std::to_string(*e.grade)
                                         : std::string(" not graded (clinician to grade)"));
    text += ": ";
    if (e.value) {
      if (e.value->comparator != model::Comparator::none)
        text += std::string(comparator_symbol(e.value->comparator)) + " ";
      text += format_number(e.value->value, 2) + " " + e.unit + " ";
    } else {
      text += "recorded ";
    }
    text += "(" + format_instant(e.time) + "); possible causes: " + join(e.attribution, ", ");
    s.lines.push_back({std::move(text),
                       {e.why.rule_id},
                       e.grade && *e.grade >= 3 ? Tone::warning : Tone::plain,
                       0});
    for (const auto& note : e.notes) s.lines.push_back({note, {}, Tone::plain, 1});
  }
  return s;
}

// The sources behind the regimen and its doses, once each, tagged with the rules they support.
SummarySection evidence_section(const engine::Report& r, const knowledge::Knowledge& k) {
  SummarySection s{"Evidence", {}};
  std::vector<const engine::Provenance*> whys;
  if (r.regimen_why) whys.push_back(&*r.regimen_why);
  for (const auto& d : r.doses) whys.push_back(&d.why);
  std::vector<std::string> order;                         // source ids, first use first
  std::map<std::string, std::vector<std::string>> rules;  // source id -> rule ids
  std::map<std::string, std::string> tags;                // source id -> evidence tag
  for (const auto* why : whys) {
    for (const auto& id : why->sources) {
      auto& list = rules[id];
      if (list.empty()) order.push_back(id);
      if (std::find(list.begin(), list.end(), why->rule_id) == list.end()) {
        list.push_back(why->rule_id);
      }
      if (!why->evidence_tag.empty()) tags[id] = why->evidence_tag;
    }
  }
  for (const auto& id : order) {
    const knowledge::Source* src = k.source(id);
    if (src && !src->evidence) continue;  // a local default is flagged on its own line already
    SummaryLine l{src ? src->citation : id, std::move(rules[id]), Tone::plain, 0,
                  src ? src->url : ""};  // each id is once in `order`
    if (tags.count(id)) l.text += " [" + tags[id] + "]";
    s.lines.push_back(std::move(l));
  }
  for (const auto& c : r.context) s.lines.push_back({c, {}, Tone::plain, 1});
  return s;
}

SummarySection data_quality_section(const engine::Report& r) {
  SummarySection s{"Data quality (values not used)", {}};
  for (std::size_t i = 0; i < r.data_issues.size() && i < kMaxDataIssueLines; ++i) {
    const auto& d = r.data_issues[i];
    s.lines.push_back({d.code + " at " + d.source.resource + " " + d.source.path + ": " + d.message,
                       {},
                       Tone::info,
                       0});
  }
  if (r.data_issues.size() > kMaxDataIssueLines) {
    s.lines.push_back({"... and " + std::to_string(r.data_issues.size() - kMaxDataIssueLines) +
                           " more in the JSON report",
                       {},
                       Tone::info,
                       0});
  }
  return s;
}

}  // namespace

std::string rule_tags(const std::vector<std::string>& rules) {
  std::string out;
  for (const auto& id : rules) {
    if (id.empty()) continue;
    if (!out.empty()) out += ' ';
    out += "[" + id + "]";
  }
  return out;
}

Summary summarize(const engine::Report& r, const knowledge::Knowledge& k) {
  Summary out;
  out.headline = headline(r);
  const std::string body = body_text(r.body);  // the patient's; a dose's is compared with it
  out.sections.reserve(11);
  out.sections.push_back(patient_section(r, body));
  out.sections.push_back(assessment_section(r));
  out.sections.push_back(recommendation_section(r, body));
  out.sections.push_back(alerts_section(r));
  if (r.response) out.sections.push_back(response_section(r));
  if (!r.therapy.empty()) out.sections.push_back(therapy_section(r));
  if (r.sirolimus_trough) out.sections.push_back(trough_section(r));
  if (!r.monitoring.empty()) out.sections.push_back(monitoring_section(r));
  if (!r.adverse_events.empty()) out.sections.push_back(adverse_event_section(r));
  SummarySection evidence = evidence_section(r, k);
  if (!evidence.lines.empty()) out.sections.push_back(std::move(evidence));
  if (!r.data_issues.empty()) out.sections.push_back(data_quality_section(r));
  out.provenance = "engine " + r.engine_version + ", knowledge " + r.knowledge_version +
                   ", profile " + r.profile + ", as of " + format_instant(r.as_of);
  if (!r.input_sha256.empty()) out.provenance += ", input sha256 " + r.input_sha256.substr(0, 16);
  out.reminder =
      "Decision support only: this report suggests and explains; the treating clinician decides.";
  return out;
}

}  // namespace khe::write
