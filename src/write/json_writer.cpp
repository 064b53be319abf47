#include "write/json_writer.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "write/labels.h"
#include "write/number.h"

namespace khe::write {
namespace {

using Json = nlohmann::ordered_json;

// Display precision (decimals) per kind of number.
constexpr int kDoseDecimals = 4;
constexpr int kBsaDecimals = 4;
constexpr int kVolumeDecimals = 2;
constexpr int kBodyDecimals = 3;   // kg, cm
constexpr int kValueDecimals = 6;  // lab values after unit conversion
constexpr int kHoursDecimals = 2;

// A rounded number; integral values are written as integers ("12", not "12.0").
Json num(double v, int decimals) {
  const double r = round_to(v, decimals);
  if (std::isfinite(r) && std::abs(r) < 1e15 && r == std::floor(r)) {
    return static_cast<std::int64_t>(r);
  }
  return r;
}

template <typename T, typename F>
Json opt(const std::optional<T>& v, F&& f) {
  return v ? f(*v) : Json(nullptr);
}

Json opt_bool(const std::optional<bool>& v) { return v ? Json(*v) : Json(nullptr); }

Json strings(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json comparator(model::Comparator c) {
  return c == model::Comparator::none ? Json(nullptr) : Json(comparator_symbol(c));
}

// The four provenance fields every finding, alert, dose and regimen carries.
void add_why(Json& j, const engine::Provenance& why) {
  j["rule_id"] = why.rule_id;
  j["sources"] = strings(why.sources);
  j["evidence_tag"] = text_or_null(why.evidence_tag);
  j["local_default"] = why.local_default;
}

Json instant(Instant t) { return format_instant(t); }

Json body_size(const engine::BodySize& b) {
  Json j = Json::object();
  j["weight_kg"] = opt(b.weight, [](Kilograms w) { return num(w.value, kBodyDecimals); });
  j["weight_time"] = opt(b.weight_time, instant);
  j["height_cm"] = opt(b.height, [](Centimetres h) { return num(h.value, kBodyDecimals); });
  j["height_time"] = opt(b.height_time, instant);
  j["bsa_m2"] = opt(b.bsa, [](SquareMetres s) { return num(s.value, kBsaDecimals); });
  return j;
}

Json dose(const engine::Dose& d) {
  Json j = Json::object();
  j["drug"] = d.drug;
  j["dose_mg"] = num(d.dose.value, kDoseDecimals);
  j["interval_h"] = num(d.interval_h, kHoursDecimals);
  j["route"] = d.route;
  j["basis"] = d.basis;
  j["calculated_mg"] = num(d.calculated.value, kDoseDecimals);
  j["daily_mg"] = opt(d.daily, [](Milligrams m) { return num(m.value, kDoseDecimals); });
  j["volume_mL"] = opt(d.volume, [](Millilitres v) { return num(v.value, kVolumeDecimals); });
  j["concentration_mg_per_mL"] =
      opt(d.concentration, [](MgPerMl c) { return num(c.value, kDoseDecimals); });
  j["formulation"] = text_or_null(d.formulation);
  j["capped"] = d.capped;
  j["halved"] = d.halved;
  j["current"] = d.current;
  j.update(body_size(d.body));
  j["notes"] = strings(d.notes);
  add_why(j, d.why);
  return j;
}

Json doses(const std::vector<engine::Dose>& ds) {
  Json a = Json::array();
  for (const auto& d : ds) a.push_back(dose(d));
  return a;
}

Json kmp(const engine::Report& r) {
  Json j = Json::object();
  j["status"] = engine::name(r.kmp_status);
  // The contract: severity is null unless KMP is present or suspected.
  const bool graded =
      r.kmp_status == engine::KmpStatus::present || r.kmp_status == engine::KmpStatus::suspected;
  j["severity"] = graded ? opt(r.kmp_severity, [](engine::Band b) { return Json(engine::name(b)); })
                         : Json(nullptr);
  j["platelets_10e9_per_L"] =
      opt(r.platelets, [](const model::Measured& m) { return num(m.value, kValueDecimals); });
  j["platelets_comparator"] = r.platelets ? comparator(r.platelets->comparator) : Json(nullptr);
  j["definition"] = text_or_null(r.kmp_definition);
  j["diagnosis"] = text_or_null(r.diagnosis);
  j["diagnosis_certainty"] =
      opt(r.diagnosis_certainty, [](model::Certainty c) { return Json(certainty_name(c)); });
  return j;
}

Json recommendation(const engine::Report& r) {
  Json j = Json::object();
  j["regimen"] = opt(r.regimen, [](engine::Regimen g) { return Json(engine::name(g)); });
  j["doses"] = doses(r.doses);
  j["null_reason"] = r.regimen ? Json(nullptr) : text_or_null(r.regimen_null_reason);
  if (r.regimen_why) {
    add_why(j, *r.regimen_why);
  } else {
    j["rule_id"] = nullptr;
    j["sources"] = Json::array();
    j["evidence_tag"] = nullptr;
    j["local_default"] = false;
  }
  j["current_doses"] = doses(r.current_doses);
  j["context"] = strings(r.context);
  return j;
}

Json alerts(const std::vector<engine::Alert>& as) {
  Json a = Json::array();
  for (const auto& al : as) {
    Json j = Json::object();
    j["code"] = al.code;
    j["severity"] = engine::name(al.severity);
    j["message"] = al.message;
    j["details"] = strings(al.details);
    add_why(j, al.why);
    a.push_back(std::move(j));
  }
  return a;
}

Json response(const engine::Response& x) {
  Json j = Json::object();
  j["therapy_start"] = opt(x.therapy_start, [](Date d) { return Json(format_date(d)); });
  j["platelet_response"] = opt_bool(x.platelet_response);
  j["durable_platelet_response_week4"] = opt_bool(x.durable_platelet_response_week4);
  j["days_to_platelet_response"] = opt(x.days_to_platelet_response, [](int d) { return Json(d); });
  j["fibrinogen_stabilized"] = opt_bool(x.fibrinogen_stabilized);
  j["relapse"] = x.relapse;
  j["resolution_date"] = opt(x.resolution_date, [](Date d) { return Json(format_date(d)); });
  add_why(j, x.why);
  return j;
}

Json findings(const std::vector<engine::Finding>& fs) {
  Json a = Json::array();
  for (const auto& f : fs) {
    Json j = Json::object();
    add_why(j, f.why);
    j["statement"] = f.statement;
    a.push_back(std::move(j));
  }
  return a;
}

Json values_used(const std::vector<engine::UsedValue>& vs) {
  Json a = Json::array();
  for (const auto& v : vs) {
    Json j = Json::object();
    j["name"] = v.name;
    j["value"] = num(v.value.value, kValueDecimals);
    j["comparator"] = comparator(v.value.comparator);
    j["unit"] = v.unit;
    j["time"] = format_instant(v.time);
    j["age_hours"] = num(v.age_hours, kHoursDecimals);
    j["confounded"] = v.confounded;
    j["resource"] = v.source.resource;
    j["path"] = v.source.path;
    a.push_back(std::move(j));
  }
  return a;
}

Json patient(const engine::Report& r) {
  Json j = Json::object();
  j["age_days"] = opt(r.age_days, [](int d) { return Json(d); });
  j["corrected_age_days"] = opt(r.corrected_age_days, [](int d) { return Json(d); });
  j.update(body_size(r.body));
  return j;
}

Json data_quality(const std::vector<model::DataIssue>& is) {
  Json a = Json::array();
  for (const auto& i : is) {
    Json j = Json::object();
    j["code"] = i.code;
    j["severity"] = issue_severity_name(i.severity);
    j["resource"] = i.source.resource;
    j["path"] = i.source.path;
    j["message"] = i.message;
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace

std::string to_json(const engine::Report& r) {
  Json j = Json::object();
  j["kmp"] = kmp(r);
  j["coagulopathy"] = {{"present", opt_bool(r.coagulopathy)},
                       {"severe_hypofibrinogenemia", opt_bool(r.severe_hypofibrinogenemia)},
                       {"criteria", strings(r.coagulopathy_criteria)}};
  j["anemia"] = {{"present", opt_bool(r.anemia)}, {"severe", opt_bool(r.severe_anemia)}};
  j["risk"] = {{"level", r.high_risk ? "high" : "standard"}, {"reasons", strings(r.risk_reasons)}};
  j["urgency"] = engine::name(r.urgency);
  j["urgency_reasons"] = strings(r.urgency_reasons);
  j["recommendation"] = recommendation(r);
  j["alerts"] = alerts(r.alerts);
  j["response"] = opt(r.response, response);
  j["findings"] = findings(r.findings);
  j["values_used"] = values_used(r.values_used);
  j["patient"] = patient(r);
  j["data_quality"] = data_quality(r.data_issues);
  j["provenance"] = {{"engine_version", r.engine_version},
                     {"knowledge_version", r.knowledge_version},
                     {"profile", r.profile},
                     {"as_of", format_instant(r.as_of)},
                     {"input_sha256", r.input_sha256}};
  // Replace invalid UTF-8 rather than throw: a report is always produced.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace khe::write
