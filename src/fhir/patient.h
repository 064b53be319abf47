// Patient resources: reading them, choosing the one to read, and checking its birth date.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhir/collector.h"
#include "fhir/json.h"
#include "fhir/reader.h"

namespace khe::fhir {

// Copies what we need of a Patient resource (its DOM may not outlive the call).
PatientEntry read_patient(Element resource, std::string label, std::string_view full_url,
                          std::string birth_path);

// The Patient to read: the only one, or the one `options.patient_id` names. Adds a problem
// and returns nullptr when there is none, it is ambiguous, or the named one is absent.
const PatientEntry* choose_patient(const std::vector<PatientEntry>& patients,
                                   const ReadOptions& options, std::vector<Error>& problems);

// The model patient, or problems when its birth date is missing, not a full date, or after
// options.as_of.
std::optional<model::Patient> check_patient(const PatientEntry& p, const ReadOptions& options,
                                            std::vector<Error>& problems);

// Every distinct Patient id, in input order.
std::vector<std::string> patient_ids(const std::vector<PatientEntry>& patients);

}  // namespace khe::fhir
