// Collects what the resource readers find, each fact tagged with the resource it came from,
// so the patient can be chosen after the whole input was seen (an NDJSON line's DOM is gone
// by the time the next line is parsed) and only that patient's facts are kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/record.h"

namespace khe::fhir {

// Whose a resource is, from `subject.reference` (or `patient.reference`). A view into the
// DOM: Collector::begin() copies it.
struct Subject {
  enum class Kind : std::uint8_t { none, reference, unreadable };
  Kind kind = Kind::none;
  std::string_view reference;  // any "/_history/..." suffix removed
};

// A Patient resource, copied out of the DOM. The birth date is kept as found and checked
// only for the chosen patient (another patient's bad birth date is not our problem).
struct PatientEntry {
  enum class Birth : std::uint8_t { missing, not_string, text };
  std::string id;        // empty when the resource has none
  std::string full_url;  // Bundle entry fullUrl, if any
  std::string label;     // "Patient/<id>" or "Patient[entry N]"
  std::string birth_path;
  Birth birth = Birth::missing;
  std::string birth_text;
  model::Gender gender = model::Gender::unknown;
};

// True when `reference` names `p`: "Patient/<id>", the entry's fullUrl (e.g. "urn:uuid:..."),
// or an absolute URL ending in "/Patient/<id>".
bool refers_to(std::string_view reference, const PatientEntry& p);

class Collector {
 public:
  // Starts a clinical resource; facts and issues added until the next begin() are its own.
  // Copies `label` and the subject reference; returns the stored label, valid until the
  // next begin().
  std::string_view begin(std::string_view label, Subject subject);
  // Room for `n` more resources (an estimate from a Bundle's entry count).
  void reserve(std::size_t n);

  void add(model::LabResult f) { labs_.push_back({current_, std::move(f)}); }
  void add(model::Finding f) { findings_.push_back({current_, std::move(f)}); }
  void add(model::Diagnosis f) { diagnoses_.push_back({current_, std::move(f)}); }
  void add(model::ProcedureEvent f) { procedures_.push_back({current_, std::move(f)}); }
  void add(model::MedicationCourse f) { medications_.push_back({current_, std::move(f)}); }
  // An issue of the current resource (reported only if the resource is the patient's).
  void add(model::DataIssue i) { issues_.push_back({current_, std::move(i)}); }
  // An issue about the input as a whole: always reported.
  void add_input_issue(model::DataIssue i) { issues_.push_back({kInput, std::move(i)}); }

  std::vector<PatientEntry>& patients() { return patients_; }
  const std::vector<PatientEntry>& patients() const { return patients_; }

  // Moves the facts and issues of the resources that belong to `chosen` into `record` (a
  // fresh one: labs sorted by time, ties in input order), plus issues about the resources
  // that were left out.
  void finish(const PatientEntry& chosen, model::Record& record);

 private:
  static constexpr std::uint32_t kInput = UINT32_MAX;
  template <typename T>
  struct Owned {
    std::uint32_t owner;
    T fact;
  };
  // A range of text_.
  struct Span {
    std::size_t begin = 0;
    std::size_t size = 0;
  };
  // Labels and subject references live in one buffer (text_), not one string each: most
  // resources are only ever named through their facts' SourceRefs, which copy the label.
  struct ResourceInfo {
    Span label;
    Subject::Kind subject = Subject::Kind::none;
    Span reference;
  };

  Span store(std::string_view s);
  std::string_view view(Span s) const { return std::string_view(text_).substr(s.begin, s.size); }
  std::vector<char> membership(const PatientEntry& chosen,
                               std::vector<model::DataIssue>& notes) const;
  void keep_labs(const std::vector<char>& member, std::vector<model::LabResult>& out);

  std::uint32_t current_ = kInput;
  std::string text_;
  std::vector<ResourceInfo> resources_;
  std::vector<PatientEntry> patients_;
  std::vector<Owned<model::LabResult>> labs_;
  std::vector<Owned<model::Finding>> findings_;
  std::vector<Owned<model::Diagnosis>> diagnoses_;
  std::vector<Owned<model::ProcedureEvent>> procedures_;
  std::vector<Owned<model::MedicationCourse>> medications_;
  std::vector<Owned<model::DataIssue>> issues_;
};

}  // namespace khe::fhir
