#include "write/json_writer.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "write/json_stream.h"
#include "write/labels.h"
#include "write/number.h"
#include "write/tdm_json.h"

namespace khe::write {
namespace {

// Display precision (decimals) per kind of number.
constexpr int kDoseDecimals = 4;
constexpr int kBsaDecimals = 4;
constexpr int kVolumeDecimals = 2;
constexpr int kBodyDecimals = 3;   // kg, cm
constexpr int kValueDecimals = 6;  // lab values after unit conversion
constexpr int kHoursDecimals = 2;
constexpr int kPercentDecimals = 1;

// Streams the report; member functions follow the report's sections in contract order.
class ReportWriter {
 public:
  explicit ReportWriter(std::string& out) : j_(out) {}

  void report(const engine::Report& r);

 private:
  // A rounded number; integral values are written as integers ("12", not "12.0").
  void num(double v, int decimals) { j_.rounded(v, decimals); }
  template <typename Q>
  void opt_num(const std::optional<Q>& q, int decimals) {
    q ? num(q->value, decimals) : j_.null();
  }
  void opt_bool(const std::optional<bool>& b) { b ? j_.value(*b) : j_.null(); }
  void opt_int(const std::optional<int>& n) { n ? j_.value(*n) : j_.null(); }
  void opt_instant(const std::optional<Instant>& t) {
    t ? j_.value(format_instant(*t)) : j_.null();
  }
  void opt_date(const std::optional<Date>& d) { d ? j_.value(format_date(*d)) : j_.null(); }
  void text_or_null(const std::string& s) { s.empty() ? j_.null() : j_.value(s); }
  void comparator(model::Comparator c) {
    c == model::Comparator::none ? j_.null() : j_.value(comparator_symbol(c));
  }
  void strings(const std::vector<std::string>& v) {
    j_.begin_array();
    for (const auto& s : v) j_.value(s);
    j_.end_array();
  }

  void why(const engine::Provenance& p);
  void body_size(const engine::BodySize& b);
  void dose(const engine::Dose& d);
  void doses(const std::vector<engine::Dose>& ds);
  void kmp(const engine::Report& r);
  void recommendation(const engine::Report& r);
  void alerts(const std::vector<engine::Alert>& as);
  void response(const engine::Response& x);
  void trough(const engine::TroughAssessment& t);
  void model_based(const engine::ModelBasedDosing& m);
  void monitoring(const std::vector<engine::MonitoringItem>& items);
  void adverse_events(const std::vector<engine::AdverseEvent>& events);
  void therapy(const std::vector<engine::TherapyEpisode>& episodes);
  void timeline(const engine::Timeline& t);
  void lesion(const engine::LesionResponse& l);
  void findings(const std::vector<engine::Finding>& fs);
  void values_used(const std::vector<engine::UsedValue>& vs);
  void patient(const engine::Report& r);
  void data_quality(const std::vector<model::DataIssue>& is);

  JsonStream j_;
};

// The four provenance fields every finding, alert, dose and regimen carries.
void ReportWriter::why(const engine::Provenance& p) {
  j_.key("rule_id");
  j_.value(p.rule_id);
  j_.key("sources");
  strings(p.sources);
  j_.key("evidence_tag");
  text_or_null(p.evidence_tag);
  j_.key("local_default");
  j_.value(p.local_default);
}

// Members only: the dose and the patient share them inside their own objects.
void ReportWriter::body_size(const engine::BodySize& b) {
  j_.key("weight_kg");
  opt_num(b.weight, kBodyDecimals);
  j_.key("weight_time");
  opt_instant(b.weight_time);
  j_.key("height_cm");
  opt_num(b.height, kBodyDecimals);
  j_.key("height_time");
  opt_instant(b.height_time);
  j_.key("bsa_m2");
  opt_num(b.bsa, kBsaDecimals);
}

void ReportWriter::dose(const engine::Dose& d) {
  j_.begin_object();
  j_.key("drug");
  j_.value(d.drug);
  j_.key("dose_mg");
  num(d.dose.value, kDoseDecimals);
  j_.key("interval_h");
  num(d.interval_h, kHoursDecimals);
  j_.key("route");
  j_.value(d.route);
  j_.key("basis");
  j_.value(d.basis);
  j_.key("calculated_mg");
  num(d.calculated.value, kDoseDecimals);
  j_.key("daily_mg");
  opt_num(d.daily, kDoseDecimals);
  j_.key("volume_mL");
  opt_num(d.volume, kVolumeDecimals);
  j_.key("concentration_mg_per_mL");
  opt_num(d.concentration, kDoseDecimals);
  j_.key("formulation");
  text_or_null(d.formulation);
  j_.key("capped");
  j_.value(d.capped);
  j_.key("halved");
  j_.value(d.halved);
  j_.key("current");
  j_.value(d.current);
  body_size(d.body);
  j_.key("notes");
  strings(d.notes);
  why(d.why);
  j_.end_object();
}

void ReportWriter::doses(const std::vector<engine::Dose>& ds) {
  j_.begin_array();
  for (const auto& d : ds) dose(d);
  j_.end_array();
}

void ReportWriter::kmp(const engine::Report& r) {
  j_.begin_object();
  j_.key("status");
  j_.value(engine::name(r.kmp_status));
  // The contract: severity is null unless KMP is present or suspected.
  const bool graded =
      r.kmp_status == engine::KmpStatus::present || r.kmp_status == engine::KmpStatus::suspected;
  j_.key("severity");
  (graded && r.kmp_severity) ? j_.value(engine::name(*r.kmp_severity)) : j_.null();
  j_.key("platelets_10e9_per_L");
  r.platelets ? num(r.platelets->value, kValueDecimals) : j_.null();
  j_.key("platelets_comparator");
  r.platelets ? comparator(r.platelets->comparator) : j_.null();
  j_.key("definition");
  text_or_null(r.kmp_definition);
  j_.key("diagnosis");
  text_or_null(r.diagnosis);
  j_.key("diagnosis_certainty");
  r.diagnosis_certainty ? j_.value(certainty_name(*r.diagnosis_certainty)) : j_.null();
  j_.end_object();
}

void ReportWriter::recommendation(const engine::Report& r) {
  j_.begin_object();
  j_.key("regimen");
  r.regimen ? j_.value(engine::name(*r.regimen)) : j_.null();
  j_.key("doses");
  doses(r.doses);
  j_.key("null_reason");
  r.regimen ? j_.null() : text_or_null(r.regimen_null_reason);
  if (r.regimen_why) {
    why(*r.regimen_why);
  } else {
    j_.key("rule_id");
    j_.null();
    j_.key("sources");
    strings({});
    j_.key("evidence_tag");
    j_.null();
    j_.key("local_default");
    j_.value(false);
  }
  j_.key("current_doses");
  doses(r.current_doses);
  j_.key("context");
  strings(r.context);
  j_.end_object();
}

void ReportWriter::alerts(const std::vector<engine::Alert>& as) {
  j_.begin_array();
  for (const auto& a : as) {
    j_.begin_object();
    j_.key("code");
    j_.value(a.code);
    j_.key("severity");
    j_.value(engine::name(a.severity));
    j_.key("message");
    j_.value(a.message);
    j_.key("details");
    strings(a.details);
    why(a.why);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::response(const engine::Response& x) {
  j_.begin_object();
  j_.key("therapy_start");
  opt_date(x.therapy_start);
  j_.key("platelet_response");
  opt_bool(x.platelet_response);
  j_.key("durable_platelet_response_week4");
  opt_bool(x.durable_platelet_response_week4);
  j_.key("days_to_platelet_response");
  opt_int(x.days_to_platelet_response);
  j_.key("fibrinogen_stabilized");
  opt_bool(x.fibrinogen_stabilized);
  j_.key("relapse");
  j_.value(x.relapse);
  j_.key("resolution_date");
  opt_date(x.resolution_date);
  j_.key("lesion");
  x.lesion ? lesion(*x.lesion) : j_.null();
  why(x.why);
  j_.end_object();
}

void ReportWriter::lesion(const engine::LesionResponse& l) {
  j_.begin_object();
  j_.key("baseline_cm");
  num(l.baseline.value, kValueDecimals);
  j_.key("baseline_time");
  j_.value(format_instant(l.baseline_time));
  j_.key("latest_cm");
  num(l.latest.value, kValueDecimals);
  j_.key("latest_time");
  j_.value(format_instant(l.latest_time));
  j_.key("change_percent");
  num(l.change_percent, kPercentDecimals);
  j_.key("category");
  j_.value(l.category);
  why(l.why);
  j_.end_object();
}

void ReportWriter::therapy(const std::vector<engine::TherapyEpisode>& episodes) {
  j_.begin_array();
  for (const auto& e : episodes) {
    j_.begin_object();
    j_.key("drug");
    j_.value(e.drug);
    j_.key("counts_for_therapy_start");
    j_.value(e.counts_for_therapy_start);
    j_.key("start");
    j_.value(format_instant(e.start));
    j_.key("end");
    opt_instant(e.end);
    j_.key("administrations");
    j_.value(e.administrations);
    j_.key("doses");
    j_.begin_array();
    for (const auto& d : e.doses) {
      j_.begin_object();
      j_.key("time");
      j_.value(format_instant(d.time));
      j_.key("dose_mg");
      opt_num(d.dose, kDoseDecimals);
      j_.key("interval_h");
      d.interval_h ? num(*d.interval_h, kHoursDecimals) : j_.null();
      j_.end_object();
    }
    j_.end_array();
    j_.key("resources");
    strings(e.resources);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::timeline(const engine::Timeline& t) {
  j_.begin_object();
  j_.key("series");
  j_.begin_array();
  for (const auto& s : t.series) {
    j_.begin_object();
    j_.key("analyte");
    j_.value(s.analyte);
    j_.key("label");
    j_.value(analyte_label(s.analyte));
    j_.key("unit");
    j_.value(s.unit);
    j_.key("points");
    j_.begin_array();
    for (const auto& p : s.points) {
      j_.begin_object();
      j_.key("time");
      j_.value(format_instant(p.time));
      j_.key("value");
      num(p.value.value, kValueDecimals);
      if (p.value.comparator != model::Comparator::none) {
        j_.key("comparator");
        j_.value(comparator_symbol(p.value.comparator));
      }
      if (p.confounded) {
        j_.key("confounded");
        j_.value(true);
      }
      j_.end_object();
    }
    j_.end_array();
    j_.end_object();
  }
  j_.end_array();
  j_.key("thresholds");
  j_.begin_array();
  for (const auto& l : t.thresholds) {
    j_.begin_object();
    j_.key("analyte");
    j_.value(l.analyte);
    j_.key("value");
    num(l.value, kValueDecimals);
    j_.key("meaning");
    j_.value(l.meaning);
    why(l.why);
    j_.end_object();
  }
  j_.end_array();
  j_.key("target_bands");
  j_.begin_array();
  for (const auto& b : t.target_bands) {
    j_.begin_object();
    j_.key("from");
    j_.value(format_instant(b.from));
    j_.key("to");
    j_.value(format_instant(b.to));
    j_.key("low");
    num(b.low, kValueDecimals);
    j_.key("high");
    num(b.high, kValueDecimals);
    j_.key("phase");
    j_.value(b.phase);
    why(b.why);
    j_.end_object();
  }
  j_.end_array();
  j_.key("events");
  j_.begin_array();
  for (const auto& e : t.events) {
    j_.begin_object();
    j_.key("code");
    j_.value(e.code);
    j_.key("time");
    j_.value(format_instant(e.time));
    j_.key("resource");
    j_.value(e.source.resource);
    j_.end_object();
  }
  j_.end_array();
  j_.end_object();
}

void ReportWriter::trough(const engine::TroughAssessment& t) {
  j_.begin_object();
  j_.key("value_ng_per_mL");
  num(t.value.value, kValueDecimals);
  j_.key("comparator");
  comparator(t.value.comparator);
  j_.key("time");
  j_.value(format_instant(t.time));
  j_.key("resource");
  j_.value(t.source.resource);
  j_.key("path");
  j_.value(t.source.path);
  j_.key("phase");
  j_.value(t.phase);
  j_.key("target_low");
  num(t.target_low, kValueDecimals);
  j_.key("target_high");
  num(t.target_high, kValueDecimals);
  j_.key("status");
  j_.value(t.status);
  j_.key("interpretable");
  j_.value(t.interpretable);
  j_.key("not_interpretable_because");
  strings(t.not_interpretable_because);
  j_.key("adjustment");
  t.adjustment ? dose(*t.adjustment) : j_.null();
  j_.key("model_based");
  t.model_based ? model_based(*t.model_based) : j_.null();
  why(t.why);
  j_.end_object();
}

// The estimate object is the document of `khe tdm` without its provenance (tdm_json.h).
void ReportWriter::model_based(const engine::ModelBasedDosing& m) {
  j_.begin_object();
  j_.key("covers_child");
  j_.value(m.covers_child);
  j_.key("used_for_dose");
  j_.value(m.used_for_dose);
  j_.key("not_covered_because");
  strings(m.not_covered_because);
  j_.key("interacting_drugs");
  strings(m.interacting_drugs);
  j_.key("estimate");
  if (m.fit) {
    j_.begin_object();
    write_tdm_members(j_, *m.fit, m.target_source);
    j_.end_object();
  } else {
    j_.null();
  }
  why(m.why);
  j_.end_object();
}

void ReportWriter::monitoring(const std::vector<engine::MonitoringItem>& items) {
  j_.begin_array();
  for (const auto& m : items) {
    j_.begin_object();
    j_.key("test");
    j_.value(m.test);
    j_.key("last");
    opt_instant(m.last);
    j_.key("due");
    j_.value(format_instant(m.due));
    j_.key("status");
    j_.value(m.overdue ? "overdue" : "due");
    j_.key("interval_h");
    num(m.interval_h, kHoursDecimals);
    why(m.why);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::adverse_events(const std::vector<engine::AdverseEvent>& events) {
  j_.begin_array();
  for (const auto& e : events) {
    j_.begin_object();
    j_.key("term");
    j_.value(e.term);
    j_.key("grade");
    opt_int(e.grade);  // null: the data cannot decide the grade (see notes)
    j_.key("value");
    opt_num(e.value, kValueDecimals);
    j_.key("comparator");
    comparator(e.value ? e.value->comparator : model::Comparator::none);
    j_.key("unit");
    text_or_null(e.unit);
    j_.key("time");
    j_.value(format_instant(e.time));
    j_.key("resource");
    j_.value(e.source.resource);
    j_.key("path");
    j_.value(e.source.path);
    j_.key("attribution");
    strings(e.attribution);
    j_.key("notes");
    strings(e.notes);
    why(e.why);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::findings(const std::vector<engine::Finding>& fs) {
  j_.begin_array();
  for (const auto& f : fs) {
    j_.begin_object();
    why(f.why);
    j_.key("statement");
    j_.value(f.statement);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::values_used(const std::vector<engine::UsedValue>& vs) {
  j_.begin_array();
  for (const auto& v : vs) {
    j_.begin_object();
    j_.key("name");
    j_.value(v.name);
    j_.key("value");
    num(v.value.value, kValueDecimals);
    j_.key("comparator");
    comparator(v.value.comparator);
    j_.key("unit");
    j_.value(v.unit);
    j_.key("time");
    j_.value(format_instant(v.time));
    j_.key("age_hours");
    num(v.age_hours, kHoursDecimals);
    j_.key("confounded");
    j_.value(v.confounded);
    j_.key("resource");
    j_.value(v.source.resource);
    j_.key("path");
    j_.value(v.source.path);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::patient(const engine::Report& r) {
  j_.begin_object();
  j_.key("age_days");
  opt_int(r.age_days);
  j_.key("corrected_age_days");
  opt_int(r.corrected_age_days);
  body_size(r.body);
  j_.end_object();
}

void ReportWriter::data_quality(const std::vector<model::DataIssue>& is) {
  j_.begin_array();
  for (const auto& i : is) {
    j_.begin_object();
    j_.key("code");
    j_.value(i.code);
    j_.key("severity");
    j_.value(issue_severity_name(i.severity));
    j_.key("resource");
    j_.value(i.source.resource);
    j_.key("path");
    j_.value(i.source.path);
    j_.key("message");
    j_.value(i.message);
    j_.end_object();
  }
  j_.end_array();
}

void ReportWriter::report(const engine::Report& r) {
  j_.begin_object();
  j_.key("kmp");
  kmp(r);

  j_.key("coagulopathy");
  j_.begin_object();
  j_.key("present");
  opt_bool(r.coagulopathy);
  j_.key("severe_hypofibrinogenemia");
  opt_bool(r.severe_hypofibrinogenemia);
  j_.key("criteria");
  strings(r.coagulopathy_criteria);
  j_.end_object();

  j_.key("anemia");
  j_.begin_object();
  j_.key("present");
  opt_bool(r.anemia);
  j_.key("severe");
  opt_bool(r.severe_anemia);
  j_.end_object();

  j_.key("risk");
  j_.begin_object();
  j_.key("level");
  j_.value(r.high_risk ? "high" : "standard");
  j_.key("reasons");
  strings(r.risk_reasons);
  j_.end_object();

  j_.key("urgency");
  j_.value(engine::name(r.urgency));
  j_.key("urgency_reasons");
  strings(r.urgency_reasons);
  j_.key("recommendation");
  recommendation(r);
  j_.key("alerts");
  alerts(r.alerts);
  j_.key("response");
  r.response ? response(*r.response) : j_.null();
  j_.key("sirolimus_trough");
  r.sirolimus_trough ? trough(*r.sirolimus_trough) : j_.null();
  j_.key("monitoring");
  monitoring(r.monitoring);
  j_.key("adverse_events");
  adverse_events(r.adverse_events);
  j_.key("therapy");
  therapy(r.therapy);
  j_.key("timeline");
  timeline(r.timeline);
  j_.key("findings");
  findings(r.findings);
  j_.key("values_used");
  values_used(r.values_used);
  j_.key("patient");
  patient(r);
  j_.key("data_quality");
  data_quality(r.data_issues);

  j_.key("provenance");
  j_.begin_object();
  j_.key("engine_version");
  j_.value(r.engine_version);
  j_.key("knowledge_version");
  j_.value(r.knowledge_version);
  j_.key("profile");
  j_.value(r.profile);
  j_.key("as_of");
  j_.value(format_instant(r.as_of));
  j_.key("input_sha256");
  j_.value(r.input_sha256);
  j_.end_object();
  j_.end_object();
}

std::size_t timeline_points(const engine::Timeline& t) {
  std::size_t n = t.events.size();
  for (const auto& s : t.series) n += s.points.size();
  return n;
}

// A generous guess at the report's size, so the string is allocated once in the common
// case: the fixed sections plus a typical size for each listed item.
std::size_t expected_size(const engine::Report& r) {
  const std::size_t strings = r.coagulopathy_criteria.size() + r.risk_reasons.size() +
                              r.urgency_reasons.size() + r.context.size();
  return 2048 + 1024 * (r.doses.size() + r.current_doses.size()) + 512 * r.alerts.size() +
         384 * (r.findings.size() + r.values_used.size() + r.data_issues.size()) + 128 * strings +
         512 * r.therapy.size() + 160 * timeline_points(r.timeline);
}

}  // namespace

std::string to_json(const engine::Report& report) {
  std::string out;
  out.reserve(expected_size(report));
  ReportWriter(out).report(report);
  out += '\n';
  return out;
}

}  // namespace khe::write
