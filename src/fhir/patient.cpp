#include "fhir/patient.h"

#include <algorithm>

namespace khe::fhir {
namespace {

model::Gender gender_of(std::string_view g) {
  if (g == "female") return model::Gender::female;
  if (g == "male") return model::Gender::male;
  if (g == "other") return model::Gender::other;
  return model::Gender::unknown;
}

// Entries with one id are one patient (a Bundle may repeat its Patient); entries without an
// id are each their own.
std::vector<const PatientEntry*> distinct(const std::vector<PatientEntry>& patients) {
  std::vector<const PatientEntry*> out;
  for (const PatientEntry& p : patients) {
    bool seen = !p.id.empty() && std::any_of(out.begin(), out.end(),
                                             [&](const PatientEntry* q) { return q->id == p.id; });
    if (!seen) out.push_back(&p);
  }
  return out;
}

std::string list_labels(const std::vector<const PatientEntry*>& ps) {
  std::string s;
  for (const PatientEntry* p : ps) s += (s.empty() ? "" : ", ") + p->label;
  return s;
}

std::string where(const PatientEntry& p) { return p.label + ", " + p.birth_path; }

const PatientEntry* choose_one(const std::vector<PatientEntry>& patients,
                               const ReadOptions& options, std::vector<Error>& problems) {
  std::vector<const PatientEntry*> ps = distinct(patients);
  if (ps.empty()) {
    problems.push_back({"input", "no Patient resource"});
    return nullptr;
  }
  if (options.patient_id) {
    for (const PatientEntry* p : ps)
      if (p->id == *options.patient_id) return p;
    problems.push_back({"input", "Patient/" + *options.patient_id +
                                     " is not in the input (it holds " + list_labels(ps) + ")"});
    return nullptr;
  }
  if (ps.size() > 1) {
    problems.push_back({"input", "the input holds " + std::to_string(ps.size()) + " Patients (" +
                                     list_labels(ps) + "); use --patient ID to choose one"});
    return nullptr;
  }
  return ps.front();
}

// The same id given twice with different birth dates or genders: which is true cannot be known.
bool consistent_duplicates(const std::vector<PatientEntry>& patients, const PatientEntry& chosen,
                           std::vector<Error>& problems) {
  if (chosen.id.empty()) return true;
  for (const PatientEntry& q : patients) {
    if (&q == &chosen || q.id != chosen.id) continue;
    if (q.birth != chosen.birth || q.birth_text != chosen.birth_text || q.gender != chosen.gender) {
      problems.push_back(
          {chosen.label, "the input holds this Patient twice with different birthDate or gender (" +
                             chosen.birth_path + ", " + q.birth_path + ")"});
      return false;
    }
  }
  return true;
}

}  // namespace

PatientEntry read_patient(Element resource, std::string label, std::string_view full_url,
                          std::string birth_path) {
  PatientEntry p;
  p.id = str(resource, "id");
  p.full_url = full_url;
  p.label = std::move(label);
  p.birth_path = std::move(birth_path);
  p.gender = gender_of(str(resource, "gender"));
  if (auto b = member(resource, "birthDate")) {
    std::string_view text;
    if (b->get(text) == simdjson::SUCCESS) {
      p.birth = PatientEntry::Birth::text;
      p.birth_text = text;
    } else {
      p.birth = PatientEntry::Birth::not_string;
    }
  }
  return p;
}

const PatientEntry* choose_patient(const std::vector<PatientEntry>& patients,
                                   const ReadOptions& options, std::vector<Error>& problems) {
  const PatientEntry* p = choose_one(patients, options, problems);
  if (p && !consistent_duplicates(patients, *p, problems)) return nullptr;
  return p;
}

std::optional<model::Patient> check_patient(const PatientEntry& p, const ReadOptions& options,
                                            std::vector<Error>& problems) {
  std::size_t before = problems.size();
  model::Patient out;
  out.id = p.id;
  out.gender = p.gender;
  switch (p.birth) {
    case PatientEntry::Birth::missing:
      problems.push_back({where(p), "no birthDate: age-dependent rules cannot be applied"});
      break;
    case PatientEntry::Birth::not_string:
      problems.push_back({where(p), "birthDate is not a string"});
      break;
    case PatientEntry::Birth::text: {
      Result<Date> d = parse_date(p.birth_text);
      if (!d) {
        problems.push_back({where(p), "birthDate '" + p.birth_text.substr(0, 40) +
                                          "' is not a full, valid YYYY-MM-DD date (" +
                                          d.error().message + ")"});
      } else if (start_of(*d) > options.as_of) {
        problems.push_back({where(p), "birthDate " + format_date(*d) + " is after the as-of time " +
                                          format_instant(options.as_of)});
      } else {
        out.birth_date = *d;
      }
      break;
    }
  }
  if (problems.size() > before) return std::nullopt;
  return out;
}

std::vector<std::string> patient_ids(const std::vector<PatientEntry>& patients) {
  std::vector<std::string> ids;
  for (const PatientEntry* p : distinct(patients))
    if (!p->id.empty()) ids.push_back(p->id);
  return ids;
}

}  // namespace khe::fhir
