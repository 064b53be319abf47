#include "fhir/collector.h"

#include <algorithm>

namespace khe::fhir {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_absolute_url(std::string_view s) {
  return s.starts_with("http://") || s.starts_with("https://");
}

model::DataIssue note(std::string code, model::IssueSeverity severity, std::string_view resource,
                      std::string path, std::string message) {
  return model::DataIssue{
      std::move(code), severity, {std::string(resource), std::move(path)}, std::move(message)};
}

// Moves the facts owned by member resources into `out`.
template <typename T, typename Owned>
void keep(std::vector<Owned>& from, const std::vector<char>& member, std::vector<T>& out,
          std::uint32_t input) {
  out.reserve(out.size() + from.size());
  for (auto& o : from)
    if (o.owner == input || member[o.owner]) out.push_back(std::move(o.fact));
  from.clear();
}

}  // namespace

bool refers_to(std::string_view reference, const PatientEntry& p) {
  if (reference.empty()) return false;
  if (!p.full_url.empty() && reference == p.full_url) return true;
  if (p.id.empty()) return false;
  if (reference.size() == 8 + p.id.size() && reference.starts_with("Patient/") &&
      reference.substr(8) == p.id)
    return true;
  // An absolute reference to this server's or another server's Patient/<id>: the id is what
  // identifies the patient within one input.
  if (is_absolute_url(reference) && ends_with(reference, p.id)) {
    std::string_view head = reference.substr(0, reference.size() - p.id.size());
    return ends_with(head, "/Patient/");
  }
  return false;
}

Collector::Span Collector::store(std::string_view s) {
  Span span{text_.size(), s.size()};
  text_ += s;
  return span;
}

std::string_view Collector::begin(std::string_view label, Subject subject) {
  current_ = static_cast<std::uint32_t>(resources_.size());
  Span stored = store(label);
  resources_.push_back({stored, subject.kind, store(subject.reference)});
  return view(stored);
}

void Collector::reserve(std::size_t n) {
  resources_.reserve(resources_.size() + n);
  labs_.reserve(labs_.size() + n);
}

// Decides, for every clinical resource, whether it is the chosen patient's. A reference to
// another Patient of the input is expected in multi-patient exports (one summary note); a
// reference that names no Patient at all, or no readable subject, may be a broken export of
// this patient's data, so each is reported on its own.
std::vector<char> Collector::membership(const PatientEntry& chosen,
                                        std::vector<model::DataIssue>& notes) const {
  std::vector<char> member(resources_.size(), 0);
  std::size_t other_patients = 0;
  const bool only_patient = patients_.size() == 1;
  for (std::size_t r = 0; r < resources_.size(); ++r) {
    const ResourceInfo& info = resources_[r];
    const std::string_view label = view(info.label);
    switch (info.subject) {
      case Subject::Kind::reference: {
        const std::string_view ref = view(info.reference);
        bool mine = std::any_of(patients_.begin(), patients_.end(), [&](const PatientEntry& p) {
          return (&p == &chosen || (!p.id.empty() && p.id == chosen.id)) && refers_to(ref, p);
        });
        if (mine) {
          member[r] = 1;
          break;
        }
        bool known = std::any_of(patients_.begin(), patients_.end(),
                                 [&](const PatientEntry& p) { return refers_to(ref, p); });
        if (known) {
          ++other_patients;
        } else {
          notes.push_back(note("subject_unresolved", model::IssueSeverity::warning, label,
                               "subject.reference",
                               "subject '" + std::string(ref) +
                                   "' names no Patient in the input; resource not used"));
        }
        break;
      }
      case Subject::Kind::unreadable:
        notes.push_back(note("subject_unreadable", model::IssueSeverity::warning, label, "subject",
                             "subject is not a readable reference; resource not used"));
        break;
      case Subject::Kind::none:
        if (only_patient) {
          member[r] = 1;
          notes.push_back(
              note("subject_missing", model::IssueSeverity::info, label, "subject",
                   "no subject; read as " + chosen.label + ", the only Patient in the input"));
        } else {
          notes.push_back(note("subject_missing", model::IssueSeverity::warning, label, "subject",
                               "no subject and several Patients in the input; resource not used"));
        }
        break;
    }
  }
  if (other_patients > 0) {
    notes.push_back(note("other_patient_resources_ignored", model::IssueSeverity::info, "input", "",
                         std::to_string(other_patients) +
                             " resource(s) of other patients ignored (reading " + chosen.label +
                             ")"));
  }
  return member;
}

// Appends the member labs to `out` sorted by time, ties in input order (what a stable sort
// by time gives). Sorting small (time, index) keys and moving each lab once is much cheaper
// than a stable sort of whole LabResults.
void Collector::keep_labs(const std::vector<char>& member, std::vector<model::LabResult>& out) {
  struct Key {
    Instant time;
    std::size_t index;  // into labs_: unique, so the order is total and matches stable order
  };
  std::vector<Key> keys;
  keys.reserve(labs_.size());
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    const auto& o = labs_[i];
    if (o.owner == kInput || member[o.owner]) keys.push_back({o.fact.time, i});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.time != b.time ? a.time < b.time : a.index < b.index;
  });
  out.reserve(out.size() + keys.size());
  for (const Key& k : keys) out.push_back(std::move(labs_[k.index].fact));
  labs_.clear();
}

void Collector::finish(const PatientEntry& chosen, model::Record& record) {
  std::vector<model::DataIssue> notes;
  std::vector<char> member = membership(chosen, notes);
  keep_labs(member, record.labs);
  keep(findings_, member, record.findings, kInput);
  keep(diagnoses_, member, record.diagnoses, kInput);
  keep(procedures_, member, record.procedures, kInput);
  keep(medications_, member, record.medications, kInput);
  keep(issues_, member, record.issues, kInput);
  for (auto& n : notes) record.issues.push_back(std::move(n));
}

}  // namespace khe::fhir
