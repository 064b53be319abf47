// Internal to src/cds: CDS Hooks cards from a report. Optional fields are omitted when
// empty (never null or ""); texts come from knowledge/cds.json and write::summarize.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/report.h"
#include "knowledge/knowledge.h"
#include "model/record.h"

namespace khe::cds::detail {

using Json = nlohmann::ordered_json;  // discovery (cds.cpp) and the updated draft orders

struct CardInput {
  const knowledge::Knowledge& k;
  const engine::Report& report;
  const std::string& report_sha256;
  const std::string& patient_id;
  const std::string& public_url;  // "" = no link
};

// The cards are appended to `out` as one JSON array, in the bytes nlohmann's compact
// dump(-1, ' ', false, replace) prints (no JSON tree is built: this is the hot path of a hook
// call); each function returns the number of cards.

// patient-view: one card (status, severity, urgency, regimen and doses, alerts, evidence),
// with a "create" suggestion for each start dose of a cds.json create_drugs drug. None
// ("[]") when the KMP status is not_applicable.
std::size_t assessment_cards(const CardInput& in, std::string& out);

// A draft MedicationRequest as sent and as the reader reads it.
struct DraftOrder {
  std::string json;  // minified resource
  model::MedicationCourse course;
};

// order-select / order-sign: a warning card, with an "update" suggestion to the computed
// dose, for each order of a checked drug whose dose per administration is more than the
// tolerance off the dose the report computes. Orders within tolerance, of other drugs, or
// without a dose in a mass unit or a computed dose give no card.
std::size_t dose_cards(const CardInput& in, const std::vector<DraftOrder>& orders,
                       std::string& out);

// The summary line of the assessment card (< 140 characters).
std::string assessment_summary(const knowledge::Knowledge& k, const engine::Report& r);

}  // namespace khe::cds::detail
