// Stable names for the model enums the writers print (the engine's own enums have name()
// in engine/report.h). Shared by the JSON, text and HTML writers so they always agree.
#pragma once

#include <string>
#include <string_view>

#include "model/record.h"

namespace khe::write {

// FHIR comparator symbols: "<", "<=", ">", ">="; "" for none.
const char* comparator_symbol(model::Comparator c);
const char* certainty_name(model::Certainty c);
const char* issue_severity_name(model::IssueSeverity s);
// What a clinician calls an analyte ("Platelets", "D-dimer (FEU)"); the name itself when
// there is no label.
std::string analyte_label(std::string_view analyte);

}  // namespace khe::write
