// The patient routes: list, create, import, read, delete, and adding resources.
#include <algorithm>
#include <set>
#include <unordered_set>

#include "api/internal.h"
#include "engine/report.h"
#include "store/ids.h"
#include "write/labels.h"

namespace khe::api::detail {
namespace {

constexpr std::string_view kFhirJson = "application/fhir+json";

std::string location_of(std::string_view id) { return "/api/patients/" + std::string(id); }

std::string text_of(const Json& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "entry[3].resource.valueQuantity" -> "valueQuantity": the path within the resource.
std::string relative_path(std::string_view path) {
  if (path.starts_with("entry[")) {
    const auto at = path.find("].resource");
    if (at != std::string_view::npos) {
      path.remove_prefix(at + 10);
      if (!path.empty() && path.front() == '.') path.remove_prefix(1);
    }
  }
  return std::string(path);
}

// The patient's record, read as of `now` (the validation of every write).
fhir::ReadOutcome read_record(std::string_view bytes, std::string_view patient_id, const Ctx& c,
                              Instant as_of) {
  fhir::ReadOptions o;
  o.as_of = as_of;
  o.patient_id = std::string(patient_id);
  return fhir::read(bytes, c.k.codes, o);
}

// Checks a posted Patient and gives it its id (generated when absent). nullopt with the
// 422 problems otherwise.
std::optional<std::string> patient_id_of(Json& patient, std::string_view where,
                                         std::vector<Problem>& problems) {
  const std::string prefix = where.empty() ? "" : std::string(where) + ".";
  if (!patient.is_object() || text_of(patient, "resourceType") != "Patient") {
    problems.push_back({"", prefix + "resourceType", "invalid", "expected a Patient resource"});
    return std::nullopt;
  }
  auto it = patient.find("id");
  if (it == patient.end()) {
    std::string id = new_id();
    if (id.empty()) {
      problems.push_back({"", prefix + "id", "invalid", "no id given and none could be made"});
      return std::nullopt;
    }
    // The generated id goes first, after resourceType, as FHIR servers write it.
    Json with_id = Json::object();
    with_id["resourceType"] = "Patient";
    with_id["id"] = id;
    for (auto& [key, value] : patient.items()) {
      if (key != "resourceType") with_id[key] = std::move(value);
    }
    patient = std::move(with_id);
    return id;
  }
  if (!it->is_string() || !store::valid_id(it->get<std::string>())) {
    problems.push_back({"", prefix + "id", "invalid", "not a FHIR id ([A-Za-z0-9-.]{1,64})"});
    return std::nullopt;
  }
  if (it->get<std::string>() == "import") {
    problems.push_back(
        {"", prefix + "id", "invalid", "\"import\" is reserved (POST /api/patients/import)"});
    return std::nullopt;
  }
  return it->get<std::string>();
}

// The Patient alone must be a usable record (birth date, not born after now).
std::vector<Problem> check_patient_readable(const std::string& json, std::string_view id,
                                            const Ctx& c) {
  const fhir::ReadOutcome outcome = read_record(json, id, c, c.now);
  if (outcome.record) return {};
  return read_problems(outcome.problems);
}

// ---- resources of a patient ----------------------------------------------------------------

// A posted resource, as it will be stored.
struct Incoming {
  Json json;
  std::string type;
  std::string id;
  std::optional<std::size_t> index;  // entry index when a Bundle was posted
  std::string label() const { return type + "/" + id; }
};

bool has_coding(const Json& resource, std::string_view key, std::string_view system,
                const std::function<bool(std::string_view)>& code_ok) {
  auto concept_it = resource.find(key);
  if (concept_it == resource.end() || !concept_it->is_object()) return false;
  auto codings = concept_it->find("coding");
  if (codings == concept_it->end() || !codings->is_array()) return false;
  return std::any_of(codings->begin(), codings->end(), [&](const Json& coding) {
    return coding.is_object() && text_of(coding, "system") == system &&
           code_ok(text_of(coding, "code"));
  });
}

// The resource types each route takes, and whether `resource` is of the route's kind.
// Empty when it is; else the problem (path and message).
std::optional<Problem> kind_problem(std::string_view kind, const Incoming& in, const Ctx& c) {
  const auto& codes = c.k.codes;
  auto any = [](std::string_view) { return true; };
  if (kind == "observations") {
    if (in.type != "Observation")
      return Problem{"", "resourceType", "invalid", "expected an Observation"};
    const bool known = has_coding(in.json, "code", codes.loinc_system, [&](std::string_view code) {
      return codes.loinc_to_analyte.find(code) != codes.loinc_to_analyte.end();
    });
    if (!known) {
      return Problem{"", "code", "invalid",
                     "no LOINC code of a laboratory value or vital sign this product reads "
                     "(GET /api/inputs lists them)"};
    }
    return std::nullopt;
  }
  if (kind == "findings") {
    if (in.type == "Condition") {
      const bool known = has_coding(in.json, "code", codes.product_base + "diagnosis", any);
      if (!known) {
        return Problem{"", "code", "invalid",
                       "expected a diagnosis code of " + codes.product_base + "diagnosis"};
      }
      return std::nullopt;
    }
    if (in.type != "Observation")
      return Problem{"", "resourceType", "invalid", "expected an Observation or a Condition"};
    if (!has_coding(in.json, "code", codes.product_base + "finding", any)) {
      return Problem{"", "code", "invalid",
                     "expected a finding code of " + codes.product_base + "finding"};
    }
    return std::nullopt;
  }
  if (kind == "medications") {
    if (in.type != "MedicationRequest" && in.type != "MedicationStatement" &&
        in.type != "MedicationAdministration") {
      return Problem{"", "resourceType", "invalid",
                     "expected a MedicationRequest, MedicationStatement or "
                     "MedicationAdministration"};
    }
    return std::nullopt;
  }
  if (in.type != "Procedure") return Problem{"", "resourceType", "invalid", "expected a Procedure"};
  return std::nullopt;
}

// The resource types the reader takes facts from (fhir/reader.cpp): each names its patient
// in `subject`.
bool is_clinical(std::string_view type) {
  return type == "Observation" || type == "Condition" || type == "Procedure" ||
         type == "MedicationRequest" || type == "MedicationStatement" ||
         type == "MedicationAdministration";
}

// Gives the resource its id (generated when absent) and its subject (the patient of the
// URL when absent); refuses another subject. Problems are appended.
bool prepare(Incoming& in, std::string_view patient_id, std::vector<Problem>& problems,
             bool add_subject = true) {
  auto problem = [&](std::string path, std::string message) {
    problems.push_back({"", std::move(path), "invalid", std::move(message), in.index});
    return false;
  };
  if (!in.json.is_object()) return problem("", "expected a FHIR resource (a JSON object)");
  in.type = text_of(in.json, "resourceType");
  if (!store::valid_resource_type(in.type)) return problem("resourceType", "expected a FHIR type");
  auto id = in.json.find("id");
  if (id == in.json.end()) {
    in.id = new_id();
    if (in.id.empty()) return problem("id", "no id given and none could be made");
    Json with_id = Json::object();
    with_id["resourceType"] = in.type;
    with_id["id"] = in.id;
    for (auto& [key, value] : in.json.items()) {
      if (key != "resourceType") with_id[key] = std::move(value);
    }
    in.json = std::move(with_id);
  } else if (!id->is_string() || !store::valid_id(id->get<std::string>())) {
    return problem("id", "not a FHIR id ([A-Za-z0-9-.]{1,64})");
  } else {
    in.id = id->get<std::string>();
  }
  const std::string reference = "Patient/" + std::string(patient_id);
  auto subject = in.json.find("subject");
  if (subject == in.json.end()) {
    if (add_subject) in.json["subject"] = Json{{"reference", reference}};
  } else if (!subject->is_object() || text_of(*subject, "reference") != reference) {
    return problem("subject.reference", "must be Patient/{id}, the patient of the URL");
  }
  return true;
}

// The resources the new ones replace (same type and id) are left out of the validation read.
std::vector<std::string> kept_resources(const std::vector<std::string>& existing,
                                        const std::vector<Incoming>& incoming) {
  std::set<std::string> replaced;
  for (const auto& in : incoming) replaced.insert(in.label());
  std::vector<std::string> kept;
  kept.reserve(existing.size());
  for (const auto& text : existing) {
    Json j = Json::parse(text, nullptr, false);
    if (j.is_object() && replaced.count(text_of(j, "resourceType") + "/" + text_of(j, "id")))
      continue;
    kept.push_back(text);
  }
  return kept;
}

// Labels of the resources that gave the record at least one fact.
std::unordered_set<std::string> used_labels(const model::Record& r) {
  std::unordered_set<std::string> used;
  for (const auto& x : r.labs) used.insert(x.source.resource);
  for (const auto& x : r.findings) used.insert(x.source.resource);
  for (const auto& x : r.procedures) used.insert(x.source.resource);
  for (const auto& x : r.medications) used.insert(x.source.resource);
  for (const auto& x : r.diagnoses) used.insert(x.source.resource);
  return used;
}

Json issue_json(const model::DataIssue& i, std::optional<std::size_t> index) {
  Json j = Json::object();
  if (index) j["index"] = *index;
  j["resource"] = i.source.resource;
  j["path"] = relative_path(i.source.path);
  j["code"] = i.code;
  j["severity"] = write::issue_severity_name(i.severity);
  j["message"] = i.message;
  return j;
}

}  // namespace

// ---- GET /api/patients ---------------------------------------------------------------------

http::Response list_patients(const Ctx& c) {
  auto list = c.store.list_patients();
  if (!list) return store_failure(list.error());
  ReportQuery q;
  q.as_of = c.now;
  q.profile = &c.default_profile;
  Json patients = Json::array();
  std::vector<store::AuditRecord> audits;
  for (const store::PatientEntry& e : *list) {
    auto resources = c.store.patient_resources(e.id);
    if (!resources) return store_failure(resources.error());
    const std::string bytes = bundle_of(e.json, *resources);
    const Json patient = Json::parse(e.json, nullptr, false);
    Json item = Json::object();
    item["id"] = e.id;
    item["birthDate"] = patient.is_object() ? text_of(patient, "birthDate") : std::string();
    item["gender"] = patient.is_object() ? text_of(patient, "gender") : std::string();
    item["created"] = format_instant(e.created);
    item["updated"] = format_instant(e.updated);
    item["resources"] = resources->size();
    const fhir::ReadOutcome outcome = read_record(bytes, e.id, c, c.now);
    if (outcome.record) {
      const Served s = render_report(outcome, bytes, c, q);
      item["kmp_status"] = engine::name(s.report.kmp_status);
      item["kmp_severity"] =
          s.report.kmp_severity ? Json(engine::name(*s.report.kmp_severity)) : Json(nullptr);
      item["urgency"] = engine::name(s.report.urgency);
      item["regimen"] = s.report.regimen ? Json(engine::name(*s.report.regimen)) : Json(nullptr);
      audits.push_back(evaluation_audit(c, e.id, s));
    } else {
      item["kmp_status"] = nullptr;
      item["kmp_severity"] = nullptr;
      item["urgency"] = nullptr;
      item["regimen"] = nullptr;
      item["unusable"] = true;
    }
    patients.push_back(std::move(item));
  }
  if (!audits.empty()) {
    if (auto ok = c.store.append_audits(audits); !ok) return store_failure(ok.error());
  }
  Json body = Json::object();
  body["as_of"] = format_instant(c.now);
  body["profile"] = c.default_profile.id;
  body["knowledge_version"] = c.k.version;
  body["patients"] = std::move(patients);
  return json_body(200, body);
}

// ---- POST /api/patients --------------------------------------------------------------------

http::Response create_patient(const http::Request& r, const Ctx& c) {
  if (auto refused = check_content_type(r, false)) return *refused;
  http::Response error;
  auto body = parse_body(r.body, error);
  if (!body) return error;
  std::vector<Problem> problems;
  const bool had_id = body->is_object() && body->contains("id");
  auto id = patient_id_of(*body, "", problems);
  if (!id) return unprocessable("the body is not a usable Patient resource", problems);
  // A Patient sent with its id is stored byte for byte; one given an id here is rewritten.
  const std::string json = had_id ? r.body : body->dump();
  problems = check_patient_readable(json, *id, c);
  if (!problems.empty()) return unprocessable("the Patient cannot be evaluated", problems);

  auto created = c.store.create_patient(*id, json, c.now, write_audit(c, *id, json));
  if (!created) return store_failure(created.error());
  if (!*created) return http::error_response(409, "conflict", "a patient with this id exists");
  http::Response out;
  out.status = 201;
  out.content_type = std::string(kFhirJson);
  out.body = json;
  out.set_header("Location", location_of(*id));
  return out;
}

// ---- POST /api/patients/import -------------------------------------------------------------

http::Response import_patient(const http::Request& r, const Ctx& c) {
  if (auto refused = check_content_type(r, false)) return *refused;
  http::Response error;
  auto body = parse_body(r.body, error);
  if (!body) return error;
  std::vector<Problem> problems;
  if (!body->is_object() || text_of(*body, "resourceType") != "Bundle" ||
      !body->contains("entry") || !(*body)["entry"].is_array()) {
    problems.push_back({"", "resourceType", "invalid", "expected a FHIR Bundle with entries"});
    return unprocessable("the body is not a FHIR Bundle", problems);
  }
  Json& entries = (*body)["entry"];
  if (entries.size() > kMaxResources) {
    problems.push_back(
        {"", "entry", "invalid", "more than " + std::to_string(kMaxResources) + " entries"});
    return unprocessable("the Bundle is too large", problems);
  }
  // The one Patient, and the references that name it (its fullUrl, Patient/<id>).
  std::optional<std::size_t> patient_at;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Json& e = entries[i];
    if (e.is_object() && e.contains("resource") && e["resource"].is_object() &&
        text_of(e["resource"], "resourceType") == "Patient") {
      if (patient_at) {
        problems.push_back({"", "entry[" + std::to_string(i) + "].resource", "invalid",
                            "a second Patient: an import holds one patient"});
        return unprocessable("the Bundle holds several patients", problems);
      }
      patient_at = i;
    }
  }
  if (!patient_at) {
    problems.push_back({"", "entry", "invalid", "no Patient resource in the Bundle"});
    return unprocessable("the Bundle holds no patient", problems);
  }
  const std::string patient_where = "entry[" + std::to_string(*patient_at) + "].resource";
  Json& patient = entries[*patient_at]["resource"];
  const std::string old_id = text_of(patient, "id");
  const std::string full_url = text_of(entries[*patient_at], "fullUrl");
  auto id = patient_id_of(patient, patient_where, problems);
  if (!id) return unprocessable("the Bundle's Patient is not usable", problems);
  const std::string reference = "Patient/" + *id;
  auto names_patient = [&](std::string_view ref) {
    if (!full_url.empty() && ref == full_url) return true;
    if (old_id.empty()) return false;
    const std::string tail = "Patient/" + old_id;
    return ref == tail || (ref.ends_with("/" + tail) && ref.find("://") != std::string::npos);
  };

  std::vector<store::Resource> resources;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i == *patient_at) continue;
    const std::string where = "entry[" + std::to_string(i) + "]";
    Json& e = entries[i];
    if (!e.is_object() || !e.contains("resource")) continue;  // an entry without a resource
    Incoming in{std::move(e["resource"]), "", "", i};
    if (!in.json.is_object() || text_of(in.json, "resourceType") == "Bundle") {
      problems.push_back(
          {"", where + ".resource", "invalid", "expected a FHIR resource other than a Bundle", i});
      continue;
    }
    // References to the Patient become Patient/<id>; a reference to anything else is refused.
    bool foreign = false;
    for (const char* key : {"subject", "patient"}) {
      auto s = in.json.find(key);
      if (s == in.json.end()) continue;
      if (!s->is_object() || !names_patient(text_of(*s, "reference"))) {
        problems.push_back({"", where + ".resource." + key + ".reference", "invalid",
                            "does not name the Bundle's Patient", i});
        foreign = true;
        continue;
      }
      (*s)["reference"] = reference;
    }
    if (foreign) continue;
    std::vector<Problem> own;
    if (!prepare(in, *id, own, /*add_subject=*/is_clinical(text_of(in.json, "resourceType")))) {
      for (auto& p : own) p.path = where + ".resource" + (p.path.empty() ? "" : "." + p.path);
      problems.insert(problems.end(), own.begin(), own.end());
      continue;
    }
    if (!seen.insert(in.label()).second) {
      problems.push_back({"", where + ".resource.id", "invalid",
                          "a second resource of this type with the same id", i});
      continue;
    }
    resources.push_back({in.type, in.id, in.json.dump()});
  }
  if (!problems.empty()) return unprocessable("the Bundle cannot be imported", problems);

  const std::string patient_json = patient.dump();
  std::vector<std::string> texts;
  texts.reserve(resources.size());
  for (const auto& res : resources) texts.push_back(res.json);
  const fhir::ReadOutcome outcome = read_record(bundle_of(patient_json, texts), *id, c, c.now);
  if (!outcome.record) {
    return unprocessable("the Bundle's patient cannot be evaluated",
                         read_problems(outcome.problems));
  }
  auto created =
      c.store.create_patient(*id, patient_json, c.now, write_audit(c, *id, r.body), resources);
  if (!created) return store_failure(created.error());
  if (!*created) return http::error_response(409, "conflict", "a patient with this id exists");

  Json issues = Json::array();
  for (const auto& i : outcome.record->issues) issues.push_back(issue_json(i, std::nullopt));
  Json out = Json::object();
  out["id"] = *id;
  out["location"] = location_of(*id);
  out["resources"] = resources.size();
  out["data_quality"] = std::move(issues);
  http::Response response = json_body(201, out);
  response.set_header("Location", location_of(*id));
  return response;
}

// ---- GET / DELETE /api/patients/{id} -------------------------------------------------------

http::Response get_patient(std::string_view id, const Ctx& c) {
  auto entry = c.store.patient(id);
  if (!entry) return store_failure(entry.error());
  if (!*entry) return http::error_response(404, "not_found", "no patient with this id");
  auto resources = c.store.patient_resources(id);
  if (!resources) return store_failure(resources.error());
  http::Response out;
  out.status = 200;
  out.content_type = std::string(kFhirJson);
  out.body = bundle_of((*entry)->json, *resources);
  out.set_header("Cache-Control", "no-store");
  return out;
}

http::Response delete_patient(std::string_view id, const Ctx& c) {
  auto deleted = c.store.delete_patient(id, write_audit(c, id, ""));
  if (!deleted) return store_failure(deleted.error());
  if (!*deleted) return http::error_response(404, "not_found", "no patient with this id");
  http::Response out;
  out.status = 204;
  return out;
}

// ---- POST /api/patients/{id}/{observations|medications|findings|procedures} ----------------

http::Response add_resources(const http::Request& r, std::string_view id, std::string_view kind,
                             const Ctx& c) {
  if (auto refused = check_content_type(r, false)) return *refused;
  http::Response error;
  auto body = parse_body(r.body, error);
  if (!body) return error;
  auto entry = c.store.patient(id);
  if (!entry) return store_failure(entry.error());
  if (!*entry) return http::error_response(404, "not_found", "no patient with this id");

  // One resource, or a Bundle of them.
  std::vector<Incoming> incoming;
  std::vector<Problem> problems;
  if (body->is_object() && text_of(*body, "resourceType") == "Bundle") {
    auto entries = body->find("entry");
    if (entries == body->end() || !entries->is_array() || entries->empty()) {
      problems.push_back({"", "entry", "invalid", "a Bundle without entries"});
    } else if (entries->size() > kMaxResources) {
      problems.push_back(
          {"", "entry", "invalid", "more than " + std::to_string(kMaxResources) + " entries"});
    } else {
      for (std::size_t i = 0; i < entries->size(); ++i) {
        Json& e = (*entries)[i];
        if (!e.is_object() || !e.contains("resource")) {
          problems.push_back({"", "", "invalid", "an entry without a resource", i});
          continue;
        }
        incoming.push_back({std::move(e["resource"]), "", "", i});
      }
    }
  } else {
    incoming.push_back({std::move(*body), "", "", std::nullopt});
  }
  std::set<std::string> seen;
  for (Incoming& in : incoming) {
    if (!prepare(in, id, problems)) continue;
    if (auto p = kind_problem(kind, in, c)) {
      p->index = in.index;
      p->resource = in.label();
      problems.push_back(std::move(*p));
      continue;
    }
    if (!seen.insert(in.label()).second) {
      problems.push_back({in.label(), "id", "invalid", "posted twice in one request", in.index});
    }
  }
  if (!problems.empty()) return unprocessable("the resource cannot be added", problems);

  // Read the record as it would be: the patient, what it has, and the new resources.
  auto existing = c.store.patient_resources(id);
  if (!existing) return store_failure(existing.error());
  std::vector<std::string> texts = kept_resources(*existing, incoming);
  std::vector<store::Resource> resources;
  for (const Incoming& in : incoming) {
    resources.push_back({in.type, in.id, in.json.dump()});
    texts.push_back(resources.back().json);
  }
  const fhir::ReadOutcome outcome = read_record(bundle_of((*entry)->json, texts), id, c, c.now);
  if (!outcome.record) {
    return unprocessable("the patient's record cannot be read", read_problems(outcome.problems));
  }
  const std::unordered_set<std::string> used = used_labels(*outcome.record);
  Json notes = Json::array();
  for (const Incoming& in : incoming) {
    const std::string label = in.label();
    // Warnings refuse the resource. A resource that gives no fact is refused too, unless the
    // reader left it out on purpose (its status, e.g. entered-in-error): then its notes.
    std::vector<const model::DataIssue*> infos;
    bool deliberately_unused = false;
    bool warned = false;
    for (const model::DataIssue& i : outcome.record->issues) {
      if (i.source.resource != label) continue;
      if (i.severity == model::IssueSeverity::warning) {
        problems.push_back({label, relative_path(i.source.path), i.code, i.message, in.index});
        warned = true;
      } else {
        infos.push_back(&i);
        if (i.code == "status_ignored") deliberately_unused = true;
      }
    }
    if (used.count(label) > 0 || deliberately_unused) {
      for (const auto* i : infos) notes.push_back(issue_json(*i, in.index));
    } else if (!infos.empty()) {
      for (const auto* i : infos) {
        problems.push_back({label, relative_path(i->source.path), i->code, i->message, in.index});
      }
    } else if (!warned) {
      problems.push_back({label, "", "not_used",
                          "read, but it gives no fact the engine uses (check its code, value "
                          "and status)",
                          in.index});
    }
  }
  if (!problems.empty()) return unprocessable("the resource was refused", problems);

  auto put = c.store.put_resources(id, resources, c.now, write_audit(c, id, r.body));
  if (!put) return store_failure(put.error());
  if (!put->patient_found) return http::error_response(404, "not_found", "no patient with this id");
  Json stored = Json::array();
  for (const Incoming& in : incoming) stored.push_back({{"resourceType", in.type}, {"id", in.id}});
  Json out = Json::object();
  out["stored"] = std::move(stored);
  out["inserted"] = put->inserted;
  out["replaced"] = put->replaced;
  out["notes"] = std::move(notes);
  return json_body(201, out);
}

}  // namespace khe::api::detail
