// What the web app's forms offer (knowledge/inputs.json), served by GET /api/inputs: the
// product `finding` codes with their label, kind of value and the options of coded findings,
// the `procedure` codes, the indications of a transfusion, and which analytes are filed
// under the FHIR Observation category "vital-signs" (every other one: "laboratory").
// Data only: src/api renders it. The codes are the input contract's (shared/contract/
// fhir-input.md, "Product code systems"); the labels are a centre's to word.
#pragma once

#include <string>
#include <vector>

#include "model/analyte.h"

namespace khe::knowledge {

struct Knowledge;
class Problems;

struct InputOption {
  std::string code;   // "site-cutaneous", "platelet-transfusion", "indication-other"
  std::string label;  // as a clinician reads it
};

struct InputFinding {
  std::string code;   // product `finding` code, e.g. "lesion-site"
  std::string label;  // "Lesion site"
  // "boolean", "code" (one of `options`), "quantity" (units from the analyte whose finding
  // it is, analytes.json) or "grade" (CTCAE 1-5).
  std::string value = "boolean";
  std::vector<InputOption> options;  // only, and never empty, when value is "code"
};

struct InputsConfig {
  std::vector<InputFinding> findings;    // file order: the order of the form
  std::vector<InputOption> procedures;   // product `procedure` codes
  std::vector<InputOption> indications;  // `procedure` codes "indication-..." (reasonCode)
  std::vector<model::Analyte> vital_signs;

  bool is_vital_sign(model::Analyte a) const {
    for (model::Analyte v : vital_signs)
      if (v == a) return true;
    return false;
  }
};

// Internal to the loader: reads inputs.json (`bytes`, null when the file is missing) into
// k.inputs. Analytes must be loaded already (quantity findings and vital signs name them).
void load_inputs_config(const std::string* bytes, Knowledge& k, Problems& p);

}  // namespace khe::knowledge
