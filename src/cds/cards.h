// Internal to src/cds: CDS Hooks cards from a report. Optional fields are omitted when
// empty (never null or ""); texts come from knowledge/cds.json and write::summarize.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/report.h"
#include "knowledge/knowledge.h"
#include "model/record.h"

namespace khe::cds::detail {

using Json = nlohmann::ordered_json;

struct CardInput {
  const knowledge::Knowledge& k;
  const engine::Report& report;
  const std::string& report_sha256;
  const std::string& patient_id;
  const std::string& public_url;  // "" = no link
};

// patient-view: one card (status, severity, urgency, regimen and doses, alerts, evidence),
// with a "create" suggestion for each start dose of a cds.json create_drugs drug. Empty
// when the KMP status is not_applicable.
Json assessment_cards(const CardInput& in);

// A draft MedicationRequest as sent and as the reader reads it.
struct DraftOrder {
  std::string json;  // minified resource
  model::MedicationCourse course;
};

// order-select / order-sign: a warning card, with an "update" suggestion to the computed
// dose, for each order of a checked drug whose dose per administration is more than the
// tolerance off the dose the report computes. Orders within tolerance, of other drugs, or
// without a dose in a mass unit or a computed dose give no card.
Json dose_cards(const CardInput& in, const std::vector<DraftOrder>& orders);

// The summary line of the assessment card (< 140 characters).
std::string assessment_summary(const knowledge::Knowledge& k, const engine::Report& r);

}  // namespace khe::cds::detail
